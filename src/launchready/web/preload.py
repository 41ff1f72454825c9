"""Is a host on the HSTS preload list? Two sources, one question.

The audit asks the `hstspreload` package (BSD-3, the Chromium list; we report its "as of"
date because the list moves and the package was last released 2025-01). Conformance tests pin
the exact four-entry stub the Observatory vectors were generated against (a JSON file with
Chromium's fields: mode and includeSubDomains), so a list update can never move a test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class PreloadList(Protocol):
    as_of: str

    def is_preloaded(self, host: str) -> bool: ...


@dataclass(frozen=True)
class SnapshotPreload:
    """A pinned list: {"as_of", "entries": {host: {"mode", "includeSubDomains"}}}."""

    entries: dict[str, dict] = field(default_factory=dict)
    as_of: str = ""

    @classmethod
    def load(cls, path: str | Path) -> SnapshotPreload:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(entries=data["entries"], as_of=data.get("as_of", ""))

    def is_preloaded(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        entry = self.entries.get(host)
        if entry and entry.get("mode") == "force-https":
            return True
        labels = host.split(".")
        for i in range(1, len(labels)):
            entry = self.entries.get(".".join(labels[i:]))
            if entry and entry.get("mode") == "force-https" and entry.get("includeSubDomains"):
                return True
        return False


class PackagePreload:
    """The Chromium list as shipped by the `hstspreload` package."""

    def __init__(self) -> None:
        import hstspreload

        self._lookup = hstspreload.in_hsts_preload
        version = getattr(hstspreload, "__version__", "")
        self.as_of = ".".join(version.split(".")[:2]) if version else ""

    def is_preloaded(self, host: str) -> bool:
        return bool(self._lookup(host.lower().rstrip(".")))


_DEFAULT: PreloadList | None = None


def default_preload() -> PreloadList:
    global _DEFAULT
    if _DEFAULT is None:
        try:
            _DEFAULT = PackagePreload()
        except ImportError:  # pragma: no cover - declared dependency
            _DEFAULT = SnapshotPreload(as_of="")
    return _DEFAULT
