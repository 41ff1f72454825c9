"""Captures (CONTRACT §3): `css SELECTOR [@attr]`, `regex PATTERN` (first group), `header NAME`,
`cookie NAME`, `json PATH`. Parsed at load (bad selectors and patterns are exit-2 errors);
extraction is pure over a `Response` and the jar's cookies. CSS uses selectolax (MIT)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from launchready.smoke.jsonpath import MISSING, lookup, parse_path
from launchready.smoke.response import Response

KINDS = ("css", "regex", "header", "cookie", "json")
# Names of captured values that are secrets by nature (tokens, sessions): masked everywhere.
SECRET_NAME = re.compile(r"csrf|token|session|secret|password|key|auth", re.IGNORECASE)


class CaptureSyntaxError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Capture:
    name: str
    text: str
    kind: str
    arg: str
    attr: str = ""

    @property
    def secret(self) -> bool:
        return (
            self.kind == "cookie"
            or bool(SECRET_NAME.search(self.name))
            or bool(SECRET_NAME.search(self.arg))
        )


def parse_capture(name: str, text: str) -> Capture:
    kind, _, arg = text.strip().partition(" ")
    arg = arg.strip()
    if kind not in KINDS:
        raise CaptureSyntaxError(f"{name} = {text!r}: must start with one of {', '.join(KINDS)}")
    if not arg:
        raise CaptureSyntaxError(f"{name} = {text!r}: {kind} needs an argument")
    attr = ""
    if kind == "css":
        selector, _, last = arg.rpartition(" ")
        if last.startswith("@") and selector.strip():
            arg, attr = selector.strip(), last[1:]
        try:
            HTMLParser("<p></p>").css_first(arg)
        except Exception as exc:  # selectolax raises several types for bad selectors
            raise CaptureSyntaxError(f"{name} = {text!r}: bad CSS selector: {exc}") from None
    elif kind == "regex":
        try:
            re.compile(arg)
        except re.error as exc:
            raise CaptureSyntaxError(f"{name} = {text!r}: bad regular expression: {exc}") from None
    elif kind == "json":
        try:
            parse_path(arg)
        except ValueError as exc:
            raise CaptureSyntaxError(f"{name} = {text!r}: {exc}") from None
    return Capture(name=name, text=text.strip(), kind=kind, arg=arg, attr=attr)


def extract(capture: Capture, response: Response, cookies: Mapping[str, str]) -> str | None:
    """The captured string, or None when the response does not hold it."""
    if capture.kind == "header":
        return response.header(capture.arg)
    if capture.kind == "cookie":
        return cookies.get(capture.arg)
    if capture.kind == "regex":
        match = re.search(capture.arg, response.text)
        if not match:
            return None
        return match.group(1) if match.groups() else match.group(0)
    if capture.kind == "json":
        value = lookup(response.json(), capture.arg)
        if value is MISSING:
            return None
        return value if isinstance(value, str) else json.dumps(value)
    node = HTMLParser(response.text).css_first(capture.arg)
    if node is None:
        return None
    if capture.attr:
        return node.attributes.get(capture.attr)
    return node.text(strip=True)
