"""One step of a flow: its request, expectations, captures and per-step options, parsed and
checked from a TOML table. Errors name the file, the key and the line (exit 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launchready.config.locate import line_of
from launchready.errors import ConfigError
from launchready.smoke.asserts import AssertSyntaxError, Expectation, parse_expectation
from launchready.smoke.captures import Capture, CaptureSyntaxError, parse_capture
from launchready.smoke.csrf import FRAMEWORKS

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
MUTATING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
STEP_KEYS = {
    "id",
    "request",
    "expect",
    "capture",
    "follow_redirects",
    "csrf",
    "impact",
    "retries",
    "retry_delay_ms",
    "degraded_ms",
    "mutating",
    "core",
    "description",
    "include",
}
REQUEST_KEYS = {"method", "url", "headers", "form", "json", "body"}


@dataclass(frozen=True)
class Step:
    id: str
    method: str
    url: str
    source: str  # the file that defines the step (a fragment for included steps)
    line: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    form: Mapping[str, str] | None = None
    json: Any = None
    body: str | None = None
    expect: tuple[Expectation, ...] = ()
    capture: tuple[Capture, ...] = ()
    follow_redirects: bool = False
    csrf: str | None = None
    impact: str = ""
    retries: int = 0
    retry_delay_ms: float = 500.0
    degraded_ms: float | None = None
    mutating: bool = False
    core: bool = True
    cleanup: bool = False  # a [[finally]] step

    @property
    def templated(self) -> dict[str, Any]:
        """Every templated part of the request, for reference checks."""
        return {
            "url": self.url,
            "headers": dict(self.headers),
            "form": dict(self.form or {}),
            "json": self.json,
            "body": self.body,
            "expect": [e.value for e in self.expect],
        }


def flow_error(message: str, file: Path, lines: dict, *key: str | int) -> ConfigError:
    dotted = ""
    for part in key:
        dotted += f"[{part}]" if isinstance(part, int) else (f".{part}" if dotted else str(part))
    return ConfigError(
        message, file=str(file), key=dotted or None, line=line_of(lines, tuple(map(str, key)))
    )


def _line_of_text(text_lines: list[str], start: int | None, literal: str) -> int | None:
    """The line at or after `start` whose text holds `literal` (an array item's own line)."""
    if start is None:
        return None
    for number in range(start, len(text_lines) + 1):
        if literal in text_lines[number - 1]:
            return number
    return start


def _str_map(value: Any, path: Path, lines: dict, *key: str | int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise flow_error("must be a table of strings", path, lines, *key)
    out = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise flow_error("must be a string", path, lines, *key, k)
        out[str(k)] = str(v)
    return out


def number_value(value: Any, path: Path, lines: dict, *key: str | int, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise flow_error(f"must be a number >= {minimum:g}", path, lines, *key)
    return float(value)


def parse_step(
    path: Path, entry: dict, lines: dict, text: list[str], table: str, index: int
) -> Step:
    key = (table, index)
    unknown = set(entry) - STEP_KEYS
    if unknown:
        raise flow_error("unknown key in a step", path, lines, *key, sorted(unknown)[0])
    step_id = entry.get("id")
    if not isinstance(step_id, str) or not step_id.strip() or "/" in step_id:
        raise flow_error("every step needs an id (a string without '/')", path, lines, *key, "id")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise flow_error("a step needs request = { method, url }", path, lines, *key, "request")
    unknown = set(request) - REQUEST_KEYS
    if unknown:
        raise flow_error("unknown key in request", path, lines, *key, "request", sorted(unknown)[0])
    method = str(request.get("method", "GET")).upper()
    if method not in METHODS:
        raise flow_error(f"unknown HTTP method {method!r}", path, lines, *key, "request", "method")
    url = request.get("url")
    if not isinstance(url, str) or not url:
        raise flow_error("request needs a url", path, lines, *key, "request", "url")
    bodies = [b for b in ("form", "json", "body") if b in request]
    if len(bodies) > 1:
        raise flow_error(
            f"at most one body: form, json or body (got {', '.join(bodies)})",
            path,
            lines,
            *key,
            "request",
            bodies[1],
        )
    form = (
        _str_map(request["form"], path, lines, *key, "request", "form")
        if "form" in request
        else None
    )
    body = request.get("body")
    if body is not None and not isinstance(body, str):
        raise flow_error("body must be a string", path, lines, *key, "request", "body")
    headers = _str_map(request.get("headers", {}), path, lines, *key, "request", "headers")

    raw_expect = entry.get("expect", [])
    if isinstance(raw_expect, str):
        raw_expect = [raw_expect]
    if not isinstance(raw_expect, list):
        raise flow_error("expect must be a list of strings", path, lines, *key, "expect")
    expectations = []
    expect_line = line_of(lines, (*map(str, key), "expect"))
    for i, item in enumerate(raw_expect):
        if not isinstance(item, str):
            raise flow_error("each expectation must be a string", path, lines, *key, "expect")
        try:
            expectations.append(parse_expectation(item))
        except AssertSyntaxError as exc:
            raise ConfigError(
                str(exc),
                file=str(path),
                key=f"{table}[{index}].expect[{i}]",
                line=_line_of_text(text, expect_line, item),
            ) from None

    raw_capture = entry.get("capture", {})
    if not isinstance(raw_capture, dict):
        raise flow_error('capture must be a table NAME = "kind arg"', path, lines, *key, "capture")
    captures = []
    for name, spec in raw_capture.items():
        if not isinstance(spec, str):
            raise flow_error("a capture must be a string", path, lines, *key, "capture", name)
        try:
            captures.append(parse_capture(name, spec))
        except CaptureSyntaxError as exc:
            raise flow_error(str(exc), path, lines, *key, "capture", name) from None

    csrf = entry.get("csrf")
    if csrf is not None and csrf not in FRAMEWORKS:
        raise flow_error(
            f"csrf must be one of {', '.join(sorted(FRAMEWORKS))}", path, lines, *key, "csrf"
        )
    mutating = entry.get("mutating", method in MUTATING_METHODS)
    retries = entry.get("retries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise flow_error("retries must be an integer from 0 to 10", path, lines, *key, "retries")
    if retries and method in MUTATING_METHODS:
        raise flow_error(
            f"retries are for idempotent steps only; a {method} is never retried",
            path,
            lines,
            *key,
            "retries",
        )
    for flag in ("follow_redirects", "mutating", "core"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise flow_error("must be true or false", path, lines, *key, flag)
    impact = entry.get("impact", "")
    if not isinstance(impact, str):
        raise flow_error("impact must be a string", path, lines, *key, "impact")
    return Step(
        id=step_id.strip(),
        method=method,
        url=url,
        source=str(path),
        line=line_of(lines, tuple(map(str, key))),
        headers=headers,
        form=form,
        json=request.get("json"),
        body=body,
        expect=tuple(expectations),
        capture=tuple(captures),
        follow_redirects=bool(entry.get("follow_redirects", False)),
        csrf=csrf,
        impact=impact,
        retries=retries,
        retry_delay_ms=number_value(
            entry.get("retry_delay_ms", 500), path, lines, *key, "retry_delay_ms"
        ),
        degraded_ms=(
            number_value(entry["degraded_ms"], path, lines, *key, "degraded_ms", minimum=1)
            if "degraded_ms" in entry
            else None
        ),
        mutating=bool(mutating),
        core=bool(entry.get("core", True)),
        cleanup=table == "finally",
    )
