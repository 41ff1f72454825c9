"""A minimal blocking HTTP(S) client for checking the world itself, loopback only.

Why: tests of the world's servers must not depend on ``launchready.net`` (the thing the world
exists to test). It connects to 127.0.0.1:port while sending the virtual host as Host and SNI,
which is what ``connect_to`` does in the real client.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes
    tls_version: str | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header_list(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


def http_get(
    port: int,
    host: str,
    path: str = "/",
    *,
    tls: ssl.SSLContext | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 5.0,
    max_body: int = 1 << 20,
) -> Reply:
    """One request to 127.0.0.1:port with ``Host: host`` (and SNI ``host`` when ``tls``)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    version = None
    try:
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=host)
            version = sock.version()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body is not None:
            lines.append(f"Content-Length: {len(body)}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b""))
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        data = response.read(max_body)
        return Reply(response.status, response.msg, data, version)
    finally:
        sock.close()


class LoopbackResolver:
    """An aiohttp resolver that answers 127.0.0.1 for every name (world tests only)."""

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET):
        return [
            {
                "hostname": host,
                "host": "127.0.0.1",
                "port": port,
                "family": socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
        ]

    async def close(self) -> None:
        return None


def loopback_session(tls: ssl.SSLContext | None = None, **kwargs):
    """An ``aiohttp.ClientSession`` (cookie jar included) whose every name resolves to
    127.0.0.1; use URLs with the world's ports, e.g. ``https://portal.launch.test:PORT/``."""
    import aiohttp

    connector = aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=tls if tls else False)
    return aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True), **kwargs
    )
