"""Secret values never leave memory unmasked.

The `Redactor` remembers every secret value the run has touched (environment variables whose
names contain PASSWORD, SECRET, TOKEN or KEY; cookie values; secrets found by a scan) and scrubs
every encoding of them (raw, URL-encoded, JSON-escaped, base64) from any text before it is
written anywhere. Report writers pass their final text through `scrub`, so no renderer can leak
by forgetting.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from urllib.parse import quote, quote_plus

SENSITIVE_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|PASSWD|CREDENTIAL", re.IGNORECASE)
MASK = "****"
_MIN_LEN = 4  # shorter values would mask ordinary words


def mask_value(value: str, keep: int = 0) -> str:
    """`keep` leading characters (a rule's public prefix plus 4 at most), then the mark."""
    return value[:keep] + MASK


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str | None, keep: int = 0) -> None:
        """Remember a secret. `keep` leading characters stay visible (public rule prefixes)."""
        if not value or len(value) < _MIN_LEN:
            return
        forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
        forms.add(base64.b64encode(value.encode()).decode().rstrip("="))
        with self._lock:
            for form in forms:
                if len(form) >= _MIN_LEN:
                    self._values[form] = form[:keep] + MASK if keep else MASK
            self._pattern = None

    def scrub(self, text: str) -> str:
        with self._lock:
            if not self._values:
                return text
            if self._pattern is None:
                alternatives = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(a) for a in alternatives))
            pattern, values = self._pattern, dict(self._values)
        return pattern.sub(lambda m: values[m.group(0)], text)

    def __contains__(self, value: str) -> bool:
        return value in self._values


# One per process: config loading, smoke runs and secret scans feed it; writers drain through it.
REDACTOR = Redactor()


def register_env_secret(name: str, value: str) -> None:
    """Mask the value of an environment variable whose name marks it as secret."""
    if SENSITIVE_NAME.search(name):
        REDACTOR.add(value)
