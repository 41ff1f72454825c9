"""Plain `${ENV}` / `{{capture}}` substitution for flows: no Jinja, no expressions, no filters,
so a flow file can never execute anything. Environment values whose names mark them secret are
registered with the redactor the moment they are read."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from launchready.redact import register_env_secret

ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
CAPTURE_REF = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


class Unresolved(Exception):
    """A `{{name}}` with no captured value (yet), or a `${NAME}` not in the environment."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind
        what = "environment variable" if kind == "env" else "captured value"
        super().__init__(f"{what} {name} is not set")


def env_names(value: Any) -> set[str]:
    return {m.group(1) for text in _strings(value) for m in ENV_REF.finditer(text)}


def capture_names(value: Any) -> set[str]:
    return {m.group(1) for text in _strings(value) for m in CAPTURE_REF.finditer(text)}


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def render(value: Any, captures: Mapping[str, str], env: Mapping[str, str] | None = None) -> Any:
    """Substitute in a string, or recursively in dict/list values (and dict keys)."""
    environ = os.environ if env is None else env
    if isinstance(value, str):

        def env_sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                raise Unresolved(name, "env")
            register_env_secret(name, environ[name])
            return environ[name]

        def capture_sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in captures:
                raise Unresolved(name, "capture")
            return str(captures[name])

        # Environment first, captures second: a captured (server-chosen) value that contains
        # `${X}` is never expanded from our environment.
        return CAPTURE_REF.sub(capture_sub, ENV_REF.sub(env_sub, value))
    if isinstance(value, Mapping):
        return {render(k, captures, env): render(v, captures, env) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render(v, captures, env) for v in value]
    return value
