"""[network]: where the tool's own traffic goes (CONTRACT §2, network rules)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from launchready.config.base import Section, path_field


@dataclass(frozen=True, slots=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class ConnectTo:
    """curl --connect-to HOST1:PORT1:HOST2:PORT2; an empty HOST1 or PORT1 matches any."""

    from_host: str
    from_port: int | None
    to_host: str
    to_port: int | None

    def matches(self, host: str, port: int) -> bool:
        host_ok = not self.from_host or self.from_host == host.lower().rstrip(".")
        return host_ok and (self.from_port is None or self.from_port == port)

    def target(self, host: str, port: int) -> HostPort:
        return HostPort(self.to_host or host, self.to_port or port)


def _split_host_port(text: str, default_port: int | None) -> tuple[str, int | None]:
    """'host', 'host:port', '[v6]', '[v6]:port', or a bare IPv6 address."""
    text = text.strip()
    if text.startswith("["):
        end = text.index("]")
        host, rest = text[1:end], text[end + 1 :]
        port = int(rest[1:]) if rest.startswith(":") and rest[1:] else default_port
        return host, port
    if text.count(":") > 1:  # bare IPv6
        return text, default_port
    host, _, port = text.partition(":")
    return host, int(port) if port else default_port


def _split_connect_to(text: str) -> tuple[str, str, str, str]:
    """Four colon-separated fields, where hosts may be [bracketed] IPv6 literals."""
    fields: list[str] = []
    current = ""
    depth = 0
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == ":" and depth == 0:
            fields.append(current)
            current = ""
        else:
            current += ch
    fields.append(current)
    if len(fields) != 4:
        raise ValueError(f"{text!r} must be HOST1:PORT1:HOST2:PORT2 (curl --connect-to)")
    return fields[0], fields[1], fields[2], fields[3]


class NetworkConfig(Section):
    nameservers: list[str] = []
    ca_bundle: Path | None = None
    connect_to: list[str] = []
    timeout: float = Field(5.0, gt=0, le=300)
    # launchready's own extensions (documented in the README):
    concurrency: int = Field(16, ge=1, le=256)
    max_body_bytes: int = Field(2 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(10, ge=1, le=50)

    _paths = path_field("ca_bundle")

    @field_validator("nameservers")
    @classmethod
    def _nameservers(cls, v: list[str]) -> list[str]:
        for item in v:
            host, port = _split_host_port(item, 53)
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise ValueError(f"nameserver {item!r} must be an IP address[:port]") from None
            if port is None or not 0 < port < 65536:
                raise ValueError(f"nameserver {item!r} has an invalid port")
        return v

    @field_validator("connect_to")
    @classmethod
    def _connect_to(cls, v: list[str]) -> list[str]:
        for item in v:
            parse_connect_to(item)
        return v

    @field_validator("ca_bundle")
    @classmethod
    def _ca_exists(cls, v: Path | None) -> Path | None:
        if v is not None and not Path(v).is_file():
            raise ValueError(f"ca_bundle file {str(v)!r} does not exist")
        return v

    @property
    def nameserver_addresses(self) -> list[HostPort]:
        out = []
        for item in self.nameservers:
            host, port = _split_host_port(item, 53)
            out.append(HostPort(host, port or 53))
        return out

    @property
    def connect_rules(self) -> list[ConnectTo]:
        return [parse_connect_to(item) for item in self.connect_to]


def parse_connect_to(text: str) -> ConnectTo:
    h1, p1, h2, p2 = _split_connect_to(text)

    def port(p: str) -> int | None:
        if not p:
            return None
        if not p.isdigit() or not 0 < int(p) < 65536:
            raise ValueError(f"{text!r}: {p!r} is not a port")
        return int(p)

    strip = lambda h: h.strip("[]").lower().rstrip(".")  # noqa: E731
    return ConnectTo(strip(h1), port(p1), strip(h2), port(p2))
