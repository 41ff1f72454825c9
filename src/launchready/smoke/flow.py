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
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from launchready.config.locate import key_lines, line_of
from launchready.errors import ConfigError
from launchready.smoke import template
from launchready.smoke.step import MUTATING_METHODS, Step, flow_error, number_value, parse_step

__all__ = ["MUTATING_METHODS", "Flow", "Step", "load_flow", "load_flows"]

DEFAULT_DEGRADED_MS = 10_000.0  # Checkly's default "degraded" threshold
FLOW_KEYS = {"name", "base_url", "include", "degraded_ms", "step", "finally", "description"}


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
            raise flow_error(
                f"{table} must be an array of tables ([[{table}]])", path, lines, table
            )
        out: list[Step] = []
        if table == "step":
            for i, inc in enumerate(_as_list(raw.get("include", []), path, lines, "include")):
                out.extend(self.fragment(path, inc, lines, ("include", i)))
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise flow_error("each step must be a table", path, lines, table, index)
            if "include" in entry:
                if set(entry) - {"include"}:
                    raise flow_error(
                        "an include step holds only `include`", path, lines, table, index
                    )
                for i, inc in enumerate(
                    _as_list(entry["include"], path, lines, table, index, "include")
                ):
                    out.extend(self.fragment(path, inc, lines, (table, index, "include", i)))
                continue
            out.append(parse_step(path, entry, lines, text, table, index))
        return out

    def fragment(self, parent: Path, name: str, lines: dict, key: tuple) -> list[Step]:
        path = (parent.parent / name).resolve()
        if path in self.stack:
            chain = " -> ".join(p.name for p in [*self.stack, path])
            raise flow_error(f"include cycle: {chain}", parent, lines, *key)
        if not path.exists():
            raise flow_error(f"included file not found: {path}", parent, lines, *key)
        raw, flines, ftext = _read(path)
        unknown = set(raw) - {"step", "include", "description"}
        if unknown:
            key0 = sorted(unknown)[0]
            raise flow_error(
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
        raise flow_error("must be a file name or a list of file names", path, lines, *key)
    return value


def load_flow(path: str | Path) -> Flow:
    """Read and validate one flow file (with its includes)."""
    path = Path(path).resolve()
    raw, lines, text = _read(path)
    unknown = set(raw) - FLOW_KEYS
    if unknown:
        raise flow_error("unknown key in a flow (see CONTRACT §3)", path, lines, sorted(unknown)[0])
    base_url = raw.get("base_url", "")
    if not isinstance(base_url, str):
        raise flow_error("base_url must be a string", path, lines, "base_url")
    loader = _Loader()
    loader.stack.append(path)
    steps = loader.steps_of(path, raw, lines, text, "step")
    finally_steps = [
        replace(s, cleanup=True) for s in loader.steps_of(path, raw, lines, text, "finally")
    ]
    if not steps:
        raise flow_error("a flow needs at least one [[step]]", path, lines, "step")
    degraded = raw.get("degraded_ms", DEFAULT_DEGRADED_MS)
    flow = Flow(
        name=str(raw.get("name") or path.stem),
        path=path,
        base_url=base_url,
        steps=tuple(steps),
        finally_steps=tuple(finally_steps),
        degraded_ms=number_value(degraded, path, lines, "degraded_ms", minimum=1),
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
