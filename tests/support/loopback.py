"""Tiny threaded HTTP(S) servers on loopback, for tests that need one exact behaviour."""

from __future__ import annotations

import http.server
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@contextmanager
def serve(handler: Handler, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """Serve `handler` on 127.0.0.1:<ephemeral>; yields the port. Records nothing itself."""

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            handler(self)

        do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = do_GET

        def log_message(self, *args) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    server.daemon_threads = True
    # Clients that abort the handshake on purpose (bad-certificate scenarios, scanners) are
    # expected here: no traceback on stderr for them.
    server.handle_error = lambda request, client_address: None
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def reply(status: int = 200, body: bytes = b"ok", headers: dict | None = None) -> Handler:
    def handle(req: http.server.BaseHTTPRequestHandler) -> None:
        req.send_response(status)
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(body)

    return handle
