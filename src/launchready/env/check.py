"""Required environment variables: present, empty or missing. Values are never kept.

Required names come from a dotenv template (`.env.example`: its values are discarded) and/or
the config's list. The environment checked is this process's, or a listing piped in from the
deploy environment (`env | cut -d= -f1`, or `printenv`: then only "empty or not" is read from
each value, and the value itself is dropped on the spot).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from dotenv import dotenv_values

from launchready.errors import UsageError
from launchready.report.catalogue import check
from launchready.report.model import Finding, Severity, SourceLocation, Status

ENV_MISSING = check(
    "env.missing",
    "A required environment variable is missing or empty",
    Severity.HIGH,
    0,
    "Set the variable in the deploy environment (platform secrets, systemd EnvironmentFile, "
    "Kubernetes Secret ...) before the release goes live; an app started without it fails at "
    "the first request that needs it.",
)
ENV_UNEXPECTED = check(
    "env.unexpected",
    "A variable is set that the template does not list",
    Severity.INFO,
    4,
    "Add it to .env.example if the app needs it, or remove it from the environment.",
)
_NAME = re.compile(r"^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*(=?)(.*)$")


class State(StrEnum):
    PRESENT = "present"
    EMPTY = "empty"
    MISSING = "missing"


@dataclass(slots=True)
class Required:
    names: list[str] = field(default_factory=list)
    lines: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (file, line)


def required_from_template(path: Path) -> Required:
    """Names of a dotenv template, in file order, with their lines (values discarded)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: required-variables file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    names = list(dotenv_values(stream=io.StringIO(text)).keys())
    out = Required()
    for name in names:
        out.names.append(name)
        for n, line in enumerate(text.splitlines(), 1):
            m = _NAME.match(line.strip())
            if m and m.group(1) == name:
                out.lines[name] = (str(path), n)
                break
    return out


def names_from_listing(text: str) -> dict[str, bool]:
    """`NAME` or `NAME=value` per line -> {name: has a non-empty value}; values dropped."""
    out: dict[str, bool] = {}
    for line in text.splitlines():
        m = _NAME.match(line.strip())
        if not m:
            continue
        name, eq, value = m.groups()
        out[name] = (not eq) or bool(value.strip().strip("'\""))
    return out


def states(required: Iterable[str], env: Mapping[str, bool]) -> dict[str, State]:
    out = {}
    for name in required:
        if name not in env:
            out[name] = State.MISSING
        elif not env[name]:
            out[name] = State.EMPTY
        else:
            out[name] = State.PRESENT
    return out


def process_environment() -> dict[str, bool]:
    return {k: bool(v.strip()) for k, v in os.environ.items()}


def judge(required: Required, env: Mapping[str, bool], *, listing: bool) -> list[Finding]:
    out: list[Finding] = []
    for name, state in states(required.names, env).items():
        where = required.lines.get(name)
        loc = SourceLocation(where[0], where[1]) if where else None
        if state == State.PRESENT:
            out.append(
                ENV_MISSING.passed(name, f"{name} is set", evidence="present", state=str(state))
            )
        else:
            out.append(
                ENV_MISSING.finding(
                    Status.FAIL,
                    name,
                    f"{name} is {state}",
                    evidence=state.value
                    + (f" (required by {where[0]}:{where[1]})" if where else ""),
                    location=loc,
                    state=str(state),
                )
            )
    if listing:
        wanted = set(required.names)
        for name in sorted(n for n in env if n not in wanted):
            out.append(
                ENV_UNEXPECTED.finding(
                    Status.WARN,
                    name,
                    f"{name} is set but not required",
                    evidence="unexpected",
                    state="unexpected",
                )
            )
    return out
