"""A small portal on loopback backed by the throwaway PostgreSQL cluster.

Pages, each with a known database behaviour:
- /fast      one cheap query;
- /slow      one real slow statement (pg_sleep);
- /items     a real N+1: the list query, then one query per item (10 items);
- /big       1.2 MB of JSON, never compressed; /small-text 4 KB of HTML, never compressed;
- /login     POST sets a session cookie; /private answers 403 without it.
A thread per keep-alive connection, sharing a fixed pool of pg8000 connections.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pg8000.dbapi

SESSION = "s3cr3t-session-value-42"
POOL_SIZE = 16
CSRF = "tok-7f3a"


def prepare(dsn: dict) -> None:
    conn = pg8000.dbapi.connect(**dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    cur.execute("CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, name text NOT NULL)")
    cur.execute("TRUNCATE items")
    for i in range(1, 21):
        cur.execute("INSERT INTO items VALUES (%s, %s)", (i, f"item {i}"))
    conn.close()


@contextmanager
def serve_app(dsn: dict, slow_s: float = 0.12) -> Iterator[int]:
    pool: queue.Queue = queue.Queue()
    connections = []
    for _ in range(POOL_SIZE):
        conn = pg8000.dbapi.connect(**dsn, application_name="portal")
        conn.autocommit = True
        connections.append(conn)
        pool.put(conn)

    @contextmanager
    def db():
        conn = pool.get(timeout=10)
        try:
            yield conn.cursor()
        finally:
            pool.put(conn)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            return None

        def send(self, status: int, body: bytes, ctype: str, extra: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/fast":
                with db() as cur:
                    cur.execute("SELECT count(*) FROM items")
                    count = cur.fetchone()[0]
                self.send(200, json.dumps(count).encode(), "application/json")
            elif path == "/slow":
                with db() as cur:
                    cur.execute("SELECT pg_sleep(%s)", (slow_s,))
                self.send(200, b"[]", "application/json")
            elif path == "/items":
                with db() as cur:
                    cur.execute("SELECT id FROM items ORDER BY id LIMIT 10")
                    names = []
                    for (item_id,) in cur.fetchall():
                        cur.execute("SELECT name FROM items WHERE id = %s", (item_id,))
                        names.append(cur.fetchone()[0])
                self.send(200, json.dumps(names).encode(), "application/json")
            elif path == "/big":
                body = json.dumps(["x" * 1000] * 1200).encode()
                self.send(200, body, "application/json")
            elif path == "/small-text":
                self.send(200, b"<p>" + b"hello " * 700 + b"</p>", "text/html; charset=utf-8")
            elif path == "/private":
                if f"session={SESSION}" in (self.headers.get("Cookie") or ""):
                    self.send(200, b"{}", "application/json")
                else:
                    self.send(403, b"forbidden", "text/plain")
            elif path == "/login":
                form = f'<form method=post><input name="csrf" value="{CSRF}"></form>'
                self.send(200, form.encode(), "text/html")
            else:
                self.send(404, b"not found", "text/plain")

        do_HEAD = do_GET

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = self.rfile.read(length).decode()
            if self.path == "/login" and "password=pw" in form and f"csrf={CSRF}" in form:
                self.send(
                    302,
                    b"",
                    "text/plain",
                    {"Location": "/", "Set-Cookie": f"session={SESSION}; Path=/"},
                )
            else:
                self.send(403, b"bad login", "text/plain")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        for conn in connections:
            with contextlib.suppress(Exception):
                conn.close()
