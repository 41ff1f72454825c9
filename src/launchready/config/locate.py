"""Find the line of a key in a TOML file.

tomllib gives values but no positions, and every config error and every SARIF result needs a
line. This scanner tracks table headers ([a.b], [[a.b]]) and `key = value` lines; keys inside an
inline table map to the line of that table. It is a locator, not a parser: it never decides what
a value is.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_.\-\s\"'])+?)\s*=")
_INLINE_KEY = re.compile(r"(?:^|[{,])\s*(\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)\s*=")


def _parts(dotted: str) -> list[str]:
    out, current, quote = [], "", ""
    for ch in dotted.strip():
        if quote:
            if ch == quote:
                quote = ""
            else:
                current += ch
        elif ch in "\"'":
            quote = ch
        elif ch == ".":
            out.append(current.strip())
            current = ""
        else:
            current += ch
    out.append(current.strip())
    return out


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Map every key path (array-of-tables entries indexed) to its 1-based line."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _HEADER.match(line)
        if header and not _KEY.match(line):
            path = tuple(_parts(header.group(2)))
            if header.group(1) == "[[":
                index = array_counts.get(path, 0)
                array_counts[path] = index + 1
                table = (*path, str(index))
            else:
                table = path
            lines.setdefault(table, number)
            continue
        key = _KEY.match(line)
        if key:
            path = (*table, *_parts(key.group(1)))
            lines.setdefault(path, number)
            rest = line[key.end() :]
            if "{" in rest:
                for inner in _INLINE_KEY.finditer(rest[rest.index("{") :]):
                    lines.setdefault((*path, inner.group(1).strip("\"'")), number)
    return lines


def line_of(lines: dict[tuple[str, ...], int], path: tuple[str | int, ...]) -> int | None:
    """The line of the deepest known prefix of `path`."""
    parts = tuple(str(p) for p in path)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None
