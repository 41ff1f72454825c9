"""Broken and hostile servers, each on its own 127.0.0.1 port, on raw asyncio streams.

Why it exists: the contract promises that whatever a host does, its part of an audit ends within
6 x ``timeout``, and that the tool is safe against hostile servers. That can only be proven
against servers that stall, trickle, flood, loop, lie about their protocol, or reset.

What it must never do: bind anything but 127.0.0.1, or hold a large body in memory (the huge
body is generated chunk by chunk as the client reads it).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from launchready.world._loop import LoopThread

StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
HUGE_BYTES = 50 * 1024 * 1024
_CHUNK = bytes(64 * 1024)


@dataclass
class Endpoint:
    """One hostile behaviour on one port."""

    name: str
    port: int = 0
    connections: int = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, str]:
    """(method, path) of an HTTP request; empty strings if it is not one."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
        return "", ""
    parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
    return (parts[0], parts[1]) if len(parts) >= 2 else ("", "")


def _redirect(location: str) -> bytes:
    return (
        f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


class HostileServers:
    """stall, trickle, huge, redirect_loop, endless_redirect, malformed, garbage,
    plaintext_tls, reset and close; each an ``Endpoint`` with its own ``.port``."""

    stall: Endpoint
    trickle: Endpoint
    huge: Endpoint
    redirect_loop: Endpoint
    endless_redirect: Endpoint
    malformed: Endpoint
    garbage: Endpoint
    plaintext_tls: Endpoint
    reset: Endpoint
    close: Endpoint

    def __init__(self, trickle_interval: float = 0.5, huge_bytes: int = HUGE_BYTES):
        self.trickle_interval = trickle_interval
        self.huge_bytes = huge_bytes
        self._loop = LoopThread("world-hostile")
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._transports: set[asyncio.BaseTransport] = set()
        handlers: dict[str, StreamHandler] = {
            "stall": self._stall,
            "trickle": self._trickle,
            "huge": self._huge,
            "redirect_loop": self._redirect_loop,
            "endless_redirect": self._endless_redirect,
            "malformed": self._malformed,
            "garbage": self._garbage,
            "plaintext_tls": self._plaintext_tls,
            "reset": self._reset,
            "close": self._close,
        }
        self._handlers = handlers
        self.endpoints = {name: Endpoint(name) for name in handlers}
        for name, endpoint in self.endpoints.items():
            setattr(self, name, endpoint)

    # -- behaviours -------------------------------------------------------------------------
    async def _stall(self, reader, writer) -> None:
        """Accept, read whatever comes, never answer."""
        while await reader.read(4096):
            pass
        await asyncio.Event().wait()

    async def _trickle(self, reader, writer) -> None:
        """A valid, never-ending response, one byte per interval (headers included)."""
        await _read_head(reader)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
        position = 0
        while True:
            byte = head[position : position + 1] if position < len(head) else b"."
            writer.write(byte)
            await writer.drain()
            position += 1
            await asyncio.sleep(self.trickle_interval)

    async def _huge(self, reader, writer) -> None:
        """A body of ``huge_bytes`` zeros, streamed as fast as the client reads it."""
        await _read_head(reader)
        writer.write(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {self.huge_bytes}\r\nConnection: close\r\n\r\n".encode()
        )
        left = self.huge_bytes
        while left > 0:
            chunk = _CHUNK if left >= len(_CHUNK) else _CHUNK[:left]
            writer.write(chunk)
            await writer.drain()
            left -= len(chunk)

    async def _redirect_loop(self, reader, writer) -> None:
        """/a -> /b -> /a ... (any other path starts the loop at /a)."""
        _, path = await _read_head(reader)
        writer.write(_redirect("/b" if path == "/a" else "/a"))
        await writer.drain()

    async def _endless_redirect(self, reader, writer) -> None:
        """/r/1 -> /r/2 -> /r/3 -> ... without end."""
        _, path = await _read_head(reader)
        try:
            step = int(path.rstrip("/").rsplit("/", 1)[-1])
        except ValueError:
            step = 0
        writer.write(_redirect(f"/r/{step + 1}"))
        await writer.drain()

    async def _malformed(self, reader, writer) -> None:
        """A status line that is not HTTP: no numeric status code."""
        await _read_head(reader)
        writer.write(b"HTTP/1.1 OK-ish Fine\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    async def _garbage(self, reader, writer) -> None:
        """Binary noise instead of a response, then close."""
        await _read_head(reader)
        writer.write(b"\x00\xff\xfe\x16\x03garbage\x80\x81 not http at all\r\n\r\n")
        await writer.drain()

    async def _plaintext_tls(self, reader, writer) -> None:
        """Answers a TLS ClientHello with a plaintext HTTP 400 (a TLS port misconfigured)."""
        await reader.read(4096)
        writer.write(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 47\r\n"
            b"Connection: close\r\n\r\nThe plain HTTP request was sent to HTTPS port\r\n"
        )
        await writer.drain()

    async def _reset(self, reader, writer) -> None:
        """Accept, then abort with a TCP RST (SO_LINGER 0)."""
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _close(self, reader, writer) -> None:
        """Read the request, then close cleanly without a byte (EOF, not RST)."""
        await _read_head(reader)

    def connect_to(self, host: str, endpoint: str, port: int = 443) -> str:
        """A ``[network] connect_to`` entry routing ``host:port`` to one hostile endpoint."""
        return f"{host}:{port}:127.0.0.1:{self.endpoints[endpoint].port}"

    # -- plumbing ---------------------------------------------------------------------------
    def _wrap(self, endpoint: Endpoint, handler: StreamHandler) -> StreamHandler:
        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            endpoint.connections += 1
            self._writers.add(writer)
            try:
                await handler(reader, writer)
            except (ConnectionError, asyncio.CancelledError, OSError):
                pass
            finally:
                self._writers.discard(writer)
                if not writer.transport.is_closing():
                    writer.close()

        return run

    def _protocol_factory(self, handler: StreamHandler) -> Callable[[], asyncio.Protocol]:
        """Like ``asyncio.start_server``'s, but every accepted transport is tracked at once, so
        ``stop()`` can close connections whose handler has not started yet."""
        transports = self._transports

        class Tracked(asyncio.StreamReaderProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                transports.add(transport)
                super().connection_made(transport)

            def connection_lost(self, exc: Exception | None) -> None:
                transports.discard(self._transport_ref)
                super().connection_lost(exc)

            @property
            def _transport_ref(self) -> asyncio.BaseTransport | None:
                return self._transport

        def factory() -> asyncio.Protocol:
            return Tracked(asyncio.StreamReader(), handler)

        return factory

    async def _start(self) -> None:
        for name, handler in self._handlers.items():
            endpoint = self.endpoints[name]
            server = await asyncio.get_running_loop().create_server(
                self._protocol_factory(self._wrap(endpoint, handler)), "127.0.0.1", 0
            )
            endpoint.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)

    async def _close_all(self) -> None:
        # Stop accepting first, then let in-flight accepts attach their transport: on Python
        # 3.11 a socket accepted just before Server.close() is silently leaked, never closed.
        loop = asyncio.get_running_loop()
        for server in self._servers:
            for sock in server.sockets:
                loop.remove_reader(sock.fileno())
        await asyncio.sleep(0.05)
        for server in self._servers:
            server.close()
        for transport in list(self._transports):  # tracked from accept, handler or not
            transport.abort()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)
        self._servers.clear()

    def start(self) -> HostileServers:
        if not self._loop.running:
            self._loop.start()
            self._loop.run(self._start())
        return self

    def stop(self) -> None:
        if not self._loop.running:
            return
        try:
            self._loop.run(self._close_all())
        finally:
            self._loop.stop()

    def __enter__(self) -> HostileServers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
