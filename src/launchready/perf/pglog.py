"""Per-execution statement times from a PostgreSQL log (`[perf] statement_log`), optional.

pg_stat_statements diffs give calls and means only; the log gives every execution's duration, so
a statement that is usually fast but sometimes takes 800 ms is caught by its max (notes/
performance.md §5). Needs `log_min_duration_statement` (0, or the slow threshold) on the server
and a log file this machine can read. The window is cut by file offsets taken before and after
each endpoint's run, so clocks and time zones never matter.

Formats: `stderr`/`csvlog`-style lines (`... LOG:  duration: 12.3 ms  statement: SELECT ...`,
continuation lines start with a tab) and `jsonlog` (one object per line, `message` field). The
extended protocol logs parse, bind and execute separately: only `execute` (and simple-protocol
`statement`) lines count.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_DURATION = re.compile(
    r"duration: ([\d.]+) ms\s+(?:statement|execute [^:]*):\s*(.*)", re.S | re.IGNORECASE
)


def parse(text: str) -> list[tuple[float, str]]:
    """(milliseconds, statement) for every timed execution in `text`."""
    out: list[tuple[float, str]] = []
    for entry in _entries(text):
        message = entry
        if entry.startswith("{"):
            try:
                message = str(json.loads(entry).get("message", ""))
            except ValueError:
                continue
        match = _DURATION.search(message)
        if match:
            out.append((float(match.group(1)), " ".join(match.group(2).split())))
    return out


def _entries(text: str) -> list[str]:
    entries: list[str] = []
    for line in text.splitlines():
        if line.startswith("\t") and entries:
            entries[-1] += "\n" + line[1:]
        elif line.strip():
            entries.append(line.strip())
    return entries


class StatementLog:
    """A log file read from a remembered offset (a rotated, shorter file is read from the start)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def offset(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def since(self, offset: int) -> tuple[list[tuple[float, str]], bool]:
        """Timed executions written after `offset`, and whether the file was rotated meanwhile."""
        size = self.offset()
        rotated = size < offset
        start = 0 if rotated else offset
        with self.path.open("rb") as fh:
            fh.seek(start)
            text = fh.read().decode("utf-8", "replace")
        return parse(text), rotated
