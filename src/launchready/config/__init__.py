"""launchready.toml -> a typed, validated `Config` (CONTRACT §2).

Errors always name the file, the key and the line, and end the command with exit 2.
`${NAME}` in any string value is replaced from the environment; values of variables whose names
mark them as secret are registered with the redactor so they never appear in any output.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from launchready.config.base import Section
from launchready.config.locate import key_lines, line_of
from launchready.config.network import ConnectTo, HostPort, NetworkConfig
from launchready.config.sections import (
    AuditConfig,
    DeployConfig,
    EmailConfig,
    PerfConfig,
    PerfEndpoint,
    RepoConfig,
    SmokeConfig,
)
from launchready.config.site import DnsConfig, SiteConfig
from launchready.errors import ConfigError
from launchready.redact import register_env_secret

__all__ = [
    "AuditConfig",
    "Config",
    "ConnectTo",
    "DeployConfig",
    "DnsConfig",
    "EmailConfig",
    "HostPort",
    "NetworkConfig",
    "PerfConfig",
    "PerfEndpoint",
    "RepoConfig",
    "SiteConfig",
    "SmokeConfig",
    "load_config",
    "parse_config",
]

DEFAULT_NAME = "launchready.toml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ConfigModel(Section):
    site: SiteConfig
    dns: DnsConfig = DnsConfig()
    network: NetworkConfig = NetworkConfig()
    email: EmailConfig = EmailConfig()
    repo: RepoConfig = RepoConfig()
    smoke: SmokeConfig = SmokeConfig()
    deploy: DeployConfig = DeployConfig()
    perf: PerfConfig = PerfConfig()
    audit: AuditConfig = AuditConfig()


@dataclass(frozen=True)
class Config:
    """The validated configuration plus where it came from (for SARIF anchors and messages)."""

    model: ConfigModel
    path: Path | None = None
    lines: Mapping[tuple[str, ...], int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # cfg.site, cfg.network ... read through to the model.
        return getattr(self.model, name)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def line_of(self, *key: str | int) -> int | None:
        return line_of(self.lines, key)

    @property
    def display_path(self) -> str:
        return str(self.path) if self.path else "<config>"

    def in_scope_hosts(self) -> set[str]:
        """Hosts named in [site]: the only targets of active probes (CONTRACT §2, scope)."""
        site = self.model.site
        hosts = {site.host, *site.hosts.values()}
        if site.apex:
            hosts |= {site.apex, f"www.{site.apex}"}
        if site.origin:
            hosts.add(site.origin)
        if site.login_url:
            from urllib.parse import urlsplit

            hosts.add((urlsplit(site.login_url).hostname or "").lower())
        return {h for h in hosts if h}


def _substitute(value: Any, path: tuple[str | int, ...], missing: list[tuple]) -> Any:
    if isinstance(value, str):

        def repl(match: re.Match[str]) -> str:
            name = match.group(1)
            env = os.environ.get(name)
            if env is None:
                missing.append((path, name))
                return ""
            register_env_secret(name, env)
            return env

        return _ENV_REF.sub(repl, value)
    if isinstance(value, dict):
        return {k: _substitute(v, (*path, k), missing) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, (*path, i), missing) for i, v in enumerate(value)]
    return value


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_config(text: str, *, path: Path | None = None, env_optional: bool = False) -> Config:
    """Validate config text. `path` is used for messages and relative paths only."""
    shown = str(path) if path else "<config>"
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", file=shown, line=int(match.group(1)) if match else None
        ) from None
    lines = key_lines(text)
    missing: list[tuple] = []
    raw = _substitute(raw, (), missing)
    if missing and not env_optional:
        where, name = missing[0]
        raise ConfigError(
            f"environment variable {name} is not set (set it, or remove the reference)",
            file=shown,
            key=_dotted(where),
            line=line_of(lines, tuple(str(p) for p in where)),
        )
    base = path.parent if path else Path.cwd()
    try:
        model = ConfigModel.model_validate(raw, context={"base_dir": base})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; see the README for the keys)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        more = f" (and {len(exc.errors()) - 1} more problem(s))" if len(exc.errors()) > 1 else ""
        raise ConfigError(
            msg + more,
            file=shown,
            key=_dotted(loc),
            line=line_of(lines, tuple(str(p) for p in loc)),
        ) from None
    return Config(model=model, path=path, lines=lines)


def load_config(path: str | Path | None = None) -> Config:
    """Read and validate a config file; the default is ./launchready.toml."""
    file = Path(path) if path else Path(DEFAULT_NAME)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        hint = " (run `launchready init` to write a starter file)" if path is None else ""
        raise ConfigError(f"config file not found{hint}", file=str(file)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", file=str(file)) from None
    return parse_config(text, path=file.resolve())
