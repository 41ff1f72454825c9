"""A webhook sink on 127.0.0.1 that records POSTs and can be told to fail.

Why it exists: alerting (and ``--on-fail`` style notifications) must be tested against a receiver
that misbehaves the way real ones do: error statuses, slowness, and flakiness that recovers
(fail N times, then succeed), so retry and timeout logic is proven, not assumed.

What it must never do: bind anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from launchready.world._loop import LoopThread


@dataclass(frozen=True)
class Hook:
    """One request the sink received (any method; POST is the expected one)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int  # the status the sink answered with

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FailureMode:
    """How the sink answers: ``status`` after ``delay`` s, for the first ``fail_times`` requests
    (None = always); afterwards ``200``."""

    status: int = 200
    delay: float = 0.0
    fail_times: int | None = None
    seen: int = field(default=0, init=False)


class WebhookSink:
    def __init__(self) -> None:
        self._loop = LoopThread("world-webhook")
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()
        self._hooks: list[Hook] = []
        self.mode = FailureMode()
        self.port = 0

    def fail(self, status: int = 500, *, times: int | None = None, delay: float = 0.0) -> None:
        """Answer ``status`` (after ``delay``) to the next ``times`` requests, or to all."""
        with self._lock:
            self.mode = FailureMode(status, delay, times)

    def succeed(self, *, delay: float = 0.0) -> None:
        with self._lock:
            self.mode = FailureMode(200, delay)

    @property
    def hooks(self) -> list[Hook]:
        with self._lock:
            return list(self._hooks)

    def clear(self) -> None:
        with self._lock:
            self._hooks.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Hook]:
        deadline = time.monotonic() + timeout
        while len(self.hooks) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.hooks

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        with self._lock:
            mode = self.mode
            failing = mode.fail_times is None or mode.seen < mode.fail_times
            mode.seen += 1
            status = mode.status if failing else 200
            delay = mode.delay
        if delay:
            await asyncio.sleep(delay)
        hook = Hook(request.method, request.path_qs, dict(request.headers), body, status)
        with self._lock:
            self._hooks.append(hook)
        return web.json_response({"ok": status < 400}, status=status)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def start(self) -> WebhookSink:
        if not self._loop.running:
            self._loop.start()
            self._loop.run(self._start())
        return self

    def stop(self) -> None:
        if not self._loop.running:
            return
        try:
            if self._runner is not None:
                self._loop.run(self._runner.cleanup())
        finally:
            self._loop.stop()
            self._runner = None

    def __enter__(self) -> WebhookSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
