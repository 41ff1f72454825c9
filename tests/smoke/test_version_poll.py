"""Polling the version document: a restart that stalls one poll does not end the wait."""

from __future__ import annotations

import asyncio
import json
import threading
import time

from support.loopback import serve

from launchready.config import NetworkConfig
from launchready.net import Scope
from launchready.smoke.verify import poll_version


def test_a_stalled_poll_is_retried_and_the_new_version_is_found():
    hits = []
    lock = threading.Lock()

    def handler(req) -> None:
        with lock:
            hits.append(time.monotonic())
            n = len(hits)
        if n == 1:
            time.sleep(0.8)  # the host is restarting: this poll times out
        body = json.dumps({"version": "v1" if n < 3 else "v2"}).encode()
        req.send_response(200)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    with serve(handler) as port:
        url = f"http://127.0.0.1:{port}/__version__"
        poll = asyncio.run(
            poll_version(NetworkConfig(timeout=0.3), Scope(), url, "version", "v2", 10, 0.05)
        )
    assert poll.ok and poll.reported == "v2"
    assert poll.seen == ["v1", "v2"] and len(hits) == 3


def test_the_wait_is_bounded_by_the_timeout():
    def handler(req) -> None:
        body = b'{"version": "v1"}'
        req.send_response(200)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    with serve(handler) as port:
        url = f"http://127.0.0.1:{port}/v"
        poll = asyncio.run(
            poll_version(NetworkConfig(timeout=1), Scope(), url, "version", "v2", 0.3, 0.1)
        )
    assert not poll.ok and poll.reported == "v1" and poll.seen == ["v1"]
