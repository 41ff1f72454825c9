"""A recording, routing HTTP(S) server on loopback for the web collectors' tests."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from support import loopback


@dataclass
class Seen:
    host: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Route = tuple[int, dict, bytes] | Callable[["Seen"], tuple[int, dict, bytes]]


@dataclass
class Recorder:
    """Routes by path (exact, then "*"); remembers every request it got."""

    routes: dict[str, Route] = field(default_factory=dict)
    log: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, req: http.server.BaseHTTPRequestHandler) -> None:
        length = int(req.headers.get("Content-Length") or 0)
        body = req.rfile.read(length) if length else b""
        seen = Seen(req.headers.get("Host", ""), req.command, req.path, dict(req.headers), body)
        with self.lock:
            self.log.append(seen)
        path = urlsplit(req.path).path
        route = self.routes.get(path, self.routes.get("*", (404, {}, b"not found")))
        status, headers, payload = route(seen) if callable(route) else route
        if isinstance(payload, str):
            payload = payload.encode()
        req.send_response(status)
        for key, value in headers.items():
            for v in value if isinstance(value, list) else [value]:
                req.send_header(key, v)
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(payload)

    def hosts(self) -> set[str]:
        return {s.host.split(":")[0] for s in self.log}


def serve(recorder: Recorder, tls: ssl.SSLContext | None = None):
    """A loopback server whose every request goes to `recorder` (see support.loopback.serve)."""
    return loopback.serve(recorder.handle, tls)
