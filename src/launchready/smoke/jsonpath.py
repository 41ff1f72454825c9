"""Dotted JSON paths (`a.b[0].c`, `a.b.0.c`, optional leading `$.`): the one path syntax used by
expectations, captures and the deploy version field. Hand-written because a full JSONPath library
would accept filters and wildcards that flows must not depend on."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"\[(\d+)\]|\[\"([^\"]*)\"\]|\['([^']*)'\]|([^.\[\]]+)")


class Missing:
    """Nothing at the path (distinct from a JSON null)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = Missing()


def parse_path(path: str) -> list[str | int]:
    text = path.strip()
    if text in ("$", ""):
        return []
    text = text.removeprefix("$").removeprefix(".")
    if ".." in text or text.endswith(".") or not text:
        raise ValueError(f"bad JSON path {path!r}: empty segment")
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        if text[pos] == ".":
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if not match:
            raise ValueError(f"bad JSON path {path!r} at {text[pos:]!r}")
        index, dq, sq, name = match.groups()
        if index is not None:
            parts.append(int(index))
        else:
            parts.append(dq if dq is not None else sq if sq is not None else name)
        pos = match.end()
    return parts


def lookup(document: Any, path: str | list[str | int]) -> Any:
    """The value at `path`, or MISSING. A name that is all digits also indexes a list."""
    parts = parse_path(path) if isinstance(path, str) else path
    node = document
    for part in parts:
        if isinstance(node, dict):
            key = str(part)
            if key not in node:
                return MISSING
            node = node[key]
        elif isinstance(node, list):
            try:
                node = node[int(part)]
            except (ValueError, IndexError):
                return MISSING
        else:
            return MISSING
    return node
