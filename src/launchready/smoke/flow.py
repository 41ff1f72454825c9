"""Flow files (CONTRACT §3) -> validated `Flow`s.

Everything that can be wrong with a flow file is found here, before the first request: unknown
keys, bad expectations and captures, a `{{name}}` that no earlier step captures, retries on a
mutating method, include cycles. Each error names the file, the key and the line (exit 2).
Templates stay unrendered until run time (`${ENV}` is checked by `missing_env`), so a flow can be
exported to Hurl without its secrets.

Extensions beyond the fixed core: `include` (top level, or as a step of its own) splices the steps
of a fragment file; `[[finally]]` steps always run and never gate; `csrf`, `impact`, `retries`,
`degraded_ms`, `mutating`, `core`, `follow_redirects` per step.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from launchready.config.locate import key_lines, line_of
from launchready.errors import ConfigError
from launchready.smoke import template
from launchready.smoke.asserts import AssertSyntaxError, Expectation, parse_expectation
from launchready.smoke.captures import Capture, CaptureSyntaxError, parse_capture
from launchready.smoke.csrf import FRAMEWORKS

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
MUTATING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
DEFAULT_DEGRADED_MS = 10_000.0  # Checkly's default "degraded" threshold
FLOW_KEYS = {"name", "base_url", "include", "degraded_ms", "step", "finally", "description"}
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


@dataclass(frozen=True)
class Flow:
    name: str
    path: Path
    base_url: str
    steps: tuple[Step, ...]
    finally_steps: tuple[Step, ...] = ()
    degraded_ms: float = DEFAULT_DEGRADED_MS
    line_of_base_url: int | None = None

    @property
    def stem(self) -> str:
        """The flow's name in subjects (CONTRACT §5): the file stem, `Path.stem`."""
        return self.path.stem

    @property
    def all_steps(self) -> tuple[Step, ...]:
        return self.steps + self.finally_steps

    def missing_env(
        self, env: Mapping[str, str] | None = None
    ) -> list[tuple[str, str, int | None]]:
        """(file, variable, line) for every `${NAME}` the environment does not provide."""
        environ = os.environ if env is None else env
        out = []
        if template.env_names(self.base_url) - set(environ):
            for name in sorted(template.env_names(self.base_url) - set(environ)):
                out.append((str(self.path), name, self.line_of_base_url))
        for step in self.all_steps:
            for name in sorted(template.env_names(step.templated) - set(environ)):
                out.append((step.source, name, step.line))
        return out


def _err(message: str, file: Path, lines: dict, *key: str | int) -> ConfigError:
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


def _read(path: Path) -> tuple[dict, dict, list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("flow file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read flow file: {exc}", file=str(path)) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        import re

        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", file=str(path), line=int(match.group(1)) if match else None
        ) from None
    return raw, key_lines(text), text.splitlines()


class _Loader:
    def __init__(self) -> None:
        self.stack: list[Path] = []

    def steps_of(
        self, path: Path, raw: dict, lines: dict, text: list[str], table: str
    ) -> list[Step]:
        entries = raw.get(table, [])
        if not isinstance(entries, list):
            raise _err(f"{table} must be an array of tables ([[{table}]])", path, lines, table)
        out: list[Step] = []
        if table == "step":
            for i, inc in enumerate(_as_list(raw.get("include", []), path, lines, "include")):
                out.extend(self.fragment(path, inc, lines, ("include", i)))
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise _err("each step must be a table", path, lines, table, index)
            if "include" in entry:
                if set(entry) - {"include"}:
                    raise _err("an include step holds only `include`", path, lines, table, index)
                for i, inc in enumerate(
                    _as_list(entry["include"], path, lines, table, index, "include")
                ):
                    out.extend(self.fragment(path, inc, lines, (table, index, "include", i)))
                continue
            out.append(_step(path, entry, lines, text, table, index))
        return out

    def fragment(self, parent: Path, name: str, lines: dict, key: tuple) -> list[Step]:
        path = (parent.parent / name).resolve()
        if path in self.stack:
            chain = " -> ".join(p.name for p in [*self.stack, path])
            raise _err(f"include cycle: {chain}", parent, lines, *key)
        if not path.exists():
            raise _err(f"included file not found: {path}", parent, lines, *key)
        raw, flines, ftext = _read(path)
        unknown = set(raw) - {"step", "include", "description"}
        if unknown:
            key0 = sorted(unknown)[0]
            raise _err(
                "unknown key in a fragment (a fragment holds only steps and includes)",
                path,
                flines,
                key0,
            )
        self.stack.append(path)
        try:
            return self.steps_of(path, raw, flines, ftext, "step")
        finally:
            self.stack.pop()


def _as_list(value: Any, path: Path, lines: dict, *key: str | int) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err("must be a file name or a list of file names", path, lines, *key)
    return value


def _str_map(value: Any, path: Path, lines: dict, *key: str | int) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _err("must be a table of strings", path, lines, *key)
    out = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise _err("must be a string", path, lines, *key, k)
        out[str(k)] = str(v)
    return out


def _number(value: Any, path: Path, lines: dict, *key: str | int, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
        raise _err(f"must be a number >= {minimum:g}", path, lines, *key)
    return float(value)


def _step(path: Path, entry: dict, lines: dict, text: list[str], table: str, index: int) -> Step:
    key = (table, index)
    unknown = set(entry) - STEP_KEYS
    if unknown:
        raise _err("unknown key in a step", path, lines, *key, sorted(unknown)[0])
    step_id = entry.get("id")
    if not isinstance(step_id, str) or not step_id.strip() or "/" in step_id:
        raise _err("every step needs an id (a string without '/')", path, lines, *key, "id")
    request = entry.get("request")
    if not isinstance(request, dict):
        raise _err("a step needs request = { method, url }", path, lines, *key, "request")
    unknown = set(request) - REQUEST_KEYS
    if unknown:
        raise _err("unknown key in request", path, lines, *key, "request", sorted(unknown)[0])
    method = str(request.get("method", "GET")).upper()
    if method not in METHODS:
        raise _err(f"unknown HTTP method {method!r}", path, lines, *key, "request", "method")
    url = request.get("url")
    if not isinstance(url, str) or not url:
        raise _err("request needs a url", path, lines, *key, "request", "url")
    bodies = [b for b in ("form", "json", "body") if b in request]
    if len(bodies) > 1:
        raise _err(
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
        raise _err("body must be a string", path, lines, *key, "request", "body")
    headers = _str_map(request.get("headers", {}), path, lines, *key, "request", "headers")

    raw_expect = entry.get("expect", [])
    if isinstance(raw_expect, str):
        raw_expect = [raw_expect]
    if not isinstance(raw_expect, list):
        raise _err("expect must be a list of strings", path, lines, *key, "expect")
    expectations = []
    expect_line = line_of(lines, (*map(str, key), "expect"))
    for i, item in enumerate(raw_expect):
        if not isinstance(item, str):
            raise _err("each expectation must be a string", path, lines, *key, "expect")
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
        raise _err('capture must be a table NAME = "kind arg"', path, lines, *key, "capture")
    captures = []
    for name, spec in raw_capture.items():
        if not isinstance(spec, str):
            raise _err("a capture must be a string", path, lines, *key, "capture", name)
        try:
            captures.append(parse_capture(name, spec))
        except CaptureSyntaxError as exc:
            raise _err(str(exc), path, lines, *key, "capture", name) from None

    csrf = entry.get("csrf")
    if csrf is not None and csrf not in FRAMEWORKS:
        raise _err(
            f"csrf must be one of {', '.join(sorted(FRAMEWORKS))}", path, lines, *key, "csrf"
        )
    mutating = entry.get("mutating", method in MUTATING_METHODS)
    retries = entry.get("retries", 0)
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= 10:
        raise _err("retries must be an integer from 0 to 10", path, lines, *key, "retries")
    if retries and method in MUTATING_METHODS:
        raise _err(
            f"retries are for idempotent steps only; a {method} is never retried",
            path,
            lines,
            *key,
            "retries",
        )
    for flag in ("follow_redirects", "mutating", "core"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise _err("must be true or false", path, lines, *key, flag)
    impact = entry.get("impact", "")
    if not isinstance(impact, str):
        raise _err("impact must be a string", path, lines, *key, "impact")
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
        retry_delay_ms=_number(
            entry.get("retry_delay_ms", 500), path, lines, *key, "retry_delay_ms"
        ),
        degraded_ms=(
            _number(entry["degraded_ms"], path, lines, *key, "degraded_ms", minimum=1)
            if "degraded_ms" in entry
            else None
        ),
        mutating=bool(mutating),
        core=bool(entry.get("core", True)),
        cleanup=table == "finally",
    )


def load_flow(path: str | Path) -> Flow:
    """Read and validate one flow file (with its includes)."""
    path = Path(path).resolve()
    raw, lines, text = _read(path)
    unknown = set(raw) - FLOW_KEYS
    if unknown:
        raise _err("unknown key in a flow (see CONTRACT §3)", path, lines, sorted(unknown)[0])
    base_url = raw.get("base_url", "")
    if not isinstance(base_url, str):
        raise _err("base_url must be a string", path, lines, "base_url")
    loader = _Loader()
    loader.stack.append(path)
    steps = loader.steps_of(path, raw, lines, text, "step")
    finally_steps = [
        replace(s, cleanup=True) for s in loader.steps_of(path, raw, lines, text, "finally")
    ]
    if not steps:
        raise _err("a flow needs at least one [[step]]", path, lines, "step")
    degraded = raw.get("degraded_ms", DEFAULT_DEGRADED_MS)
    flow = Flow(
        name=str(raw.get("name") or path.stem),
        path=path,
        base_url=base_url,
        steps=tuple(steps),
        finally_steps=tuple(finally_steps),
        degraded_ms=_number(degraded, path, lines, "degraded_ms", minimum=1),
        line_of_base_url=line_of(lines, ("base_url",)),
    )
    _check_references(flow)
    return flow


def _check_references(flow: Flow) -> None:
    """Unique step ids; every `{{name}}` is captured by an earlier step (or is base_url)."""
    seen: set[str] = set()
    known = {"base_url"}
    anywhere = known | {c.name for step in flow.all_steps for c in step.capture}
    for step in flow.all_steps:
        if step.id in seen:
            raise ConfigError(
                f"step id {step.id!r} is used twice", file=step.source, key="id", line=step.line
            )
        seen.add(step.id)
        # cleanup may use what any step captures (at run time it is skipped if never captured)
        unknown = template.capture_names(step.templated) - (anywhere if step.cleanup else known)
        if unknown:
            raise ConfigError(
                f"{{{{{sorted(unknown)[0]}}}}} is not captured by an earlier step",
                file=step.source,
                key=f"step {step.id}",
                line=step.line,
            )
        known |= {c.name for c in step.capture}
    if template.capture_names(flow.base_url):
        raise ConfigError(
            "base_url may use ${ENV} but not {{captures}}",
            file=str(flow.path),
            key="base_url",
            line=flow.line_of_base_url,
        )


def load_flows(paths: list[str | Path]) -> list[Flow]:
    return [load_flow(p) for p in paths]
