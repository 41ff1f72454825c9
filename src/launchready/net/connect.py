"""Where a TCP connection really goes.

`connect_to` (curl semantics) rewrites the destination of a connection while everything the peer
and the report see keeps the public name: SNI, Host, certificate checks and every reported URL.
Addresses come from our resolver, so with `network.nameservers` set the system resolver is never
used. When LAUNCHREADY_LOOPBACK_ONLY is set (tests, `launchready demo`), any connection to an
address outside 127.0.0.0/8 and ::1 is refused before a packet is sent.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import socket
import ssl

from launchready.config.network import ConnectTo, NetworkConfig
from launchready.net.resolver import Resolver, is_ip, normalize

LOOPBACK_ONLY_ENV = "LAUNCHREADY_LOOPBACK_ONLY"


class ConnectRefused(OSError):
    """We refused to connect (unresolvable, or outside loopback in loopback-only mode)."""


def loopback_only() -> bool:
    return os.environ.get(LOOPBACK_ONLY_ENV, "") not in ("", "0")


def _check_loopback(address: str) -> None:
    if loopback_only() and not ipaddress.ip_address(address).is_loopback:
        raise ConnectRefused(f"refused to connect to {address}: loopback-only mode is on")


class Connector:
    def __init__(self, cfg: NetworkConfig, resolver: Resolver) -> None:
        self.rules: list[ConnectTo] = cfg.connect_rules
        self.resolver = resolver
        self.timeout = cfg.timeout

    def route(self, host: str, port: int) -> tuple[str, int]:
        """The first matching connect_to rule decides (as in curl); else the host itself."""
        host = normalize(host.strip("[]"))
        for rule in self.rules:
            if rule.matches(host, port):
                target = rule.target(host, port)
                return target.host, target.port
        return host, port

    async def endpoints(self, host: str, port: int) -> list[tuple[str, int]]:
        """(address, port) pairs to try, in order. Raises ConnectRefused when none is allowed."""
        target_host, target_port = self.route(host, port)
        addresses = await self.resolver.addresses(target_host)
        if not addresses:
            raise ConnectRefused(
                f"{target_host} does not resolve (via {self.resolver.nameserver_label})"
            )
        for address in addresses:
            _check_loopback(address)
        return [(address, target_port) for address in addresses]

    async def open_socket(self, host: str, port: int) -> socket.socket:
        """A connected, blocking-mode socket for code that needs one (TLS probes in a thread)."""
        last: Exception | None = None
        for address, target_port in await self.endpoints(host, port):
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            loop = asyncio.get_running_loop()
            try:
                await asyncio.wait_for(
                    loop.sock_connect(sock, (address, target_port)), self.timeout
                )
            except (OSError, TimeoutError) as exc:
                sock.close()
                last = exc
                continue
            sock.setblocking(True)
            sock.settimeout(self.timeout)
            return sock
        if isinstance(last, TimeoutError):
            raise TimeoutError(f"connect to {host}:{port} timed out after {self.timeout}s")
        raise last or ConnectRefused(f"cannot connect to {host}:{port}")

    async def open_tcp(
        self, host: str, port: int, *, tls: ssl.SSLContext | None = None
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """asyncio streams to host:port (through connect_to); TLS keeps the public name."""
        sock = await self.open_socket(host, port)
        sock.setblocking(False)
        server_hostname = None if tls is None or is_ip(host) else normalize(host)
        return await asyncio.wait_for(
            asyncio.open_connection(
                sock=sock,
                ssl=tls,
                server_hostname=server_hostname,
                ssl_handshake_timeout=self.timeout if tls else None,
            ),
            self.timeout,
        )


class PinnedConnector(Connector):
    """A connector that sends connections for one public name to a fixed address instead.

    Why: `edge.origin-exposed` must reach the origin server directly while SNI, Host and the
    reported URL keep the public name. The configured connect_to rules still apply to the
    pinned address (CONTRACT §2: they cover probes of `site.origin` too).
    """

    def __init__(self, base: Connector, host: str, address: str) -> None:
        self.rules = base.rules
        self.resolver = base.resolver
        self.timeout = base.timeout
        self.pinned_host = normalize(host)
        self.pinned_address = normalize(address.strip("[]"))

    def route(self, host: str, port: int) -> tuple[str, int]:
        if normalize(host.strip("[]")) == self.pinned_host:
            return super().route(self.pinned_address, port)
        return super().route(host, port)
