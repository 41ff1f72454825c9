"""The deploy ledger: one JSON line per `launchready verify` run (version, url, time, result,
score ...), appended, never rewritten, so the handover can list what ran when and which version
was last good. Lines pass through the redactor like every other output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from launchready.redact import REDACTOR


def append(path: Path, entry: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    line = REDACTOR.scrub(json.dumps(entry, sort_keys=True, ensure_ascii=False))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def entries(path: Path) -> list[dict[str, Any]]:
    """Every readable entry; a torn or hand-edited line is skipped, not fatal."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


def last_good(path: Path, url: str) -> str | None:
    """The version of the last run that passed against `url`."""
    for item in reversed(entries(path)):
        if item.get("result") == "pass" and item.get("url") == url and item.get("version"):
            return str(item["version"])
    return None
