"""Reading the deployed revision from a version document, and matching it to the expected one.

Accepted shapes (field notes §3): the configured dotted `version_field`; Dockerflow
`/__version__` (`source`, `version`, `commit`, `build`); a `version`/`commit` key in a health
document; `application/health+json` `releaseId`; a bare text body holding only the revision.
A short SHA matches its full form (either side may be the short one, at least 7 hex digits).
Pure: it reads an `HttpExchange`.
"""

from __future__ import annotations

import json
import re

from launchready.net.types import HttpExchange
from launchready.smoke.jsonpath import MISSING, lookup

KNOWN_KEYS = ("version", "commit", "releaseId", "revision", "sha", "git_sha", "build.version")
_HEX = re.compile(r"^[0-9a-f]{7,64}$", re.IGNORECASE)


def candidates(exchange: HttpExchange, field: str) -> list[str]:
    """Every value that may name the revision, the configured field first."""
    if exchange.status is None or not 200 <= exchange.status < 300:
        return []
    try:
        document = json.loads(exchange.body)
    except ValueError:
        text = exchange.text.strip()
        return [text] if text and len(text) <= 100 and "\n" not in text else []
    out: list[str] = []
    for path in (field, *KNOWN_KEYS):
        value = lookup(document, path)
        usable = value is not MISSING and isinstance(value, str | int | float) and str(value)
        if usable and str(value) not in out:
            out.append(str(value))
    return out


def same_revision(expected: str, reported: str) -> bool:
    expected, reported = expected.strip(), reported.strip()
    if expected == reported:
        return True
    if _HEX.match(expected) and _HEX.match(reported):
        e, r = expected.lower(), reported.lower()
        return e.startswith(r) or r.startswith(e)
    return False


def matches(expected: str, exchange: HttpExchange, field: str) -> bool:
    return any(same_revision(expected, c) for c in candidates(exchange, field))


def reported(exchange: HttpExchange, field: str) -> str | None:
    found = candidates(exchange, field)
    return found[0] if found else None
