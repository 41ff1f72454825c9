"""Observe once, judge many: a caching, coalescing front to the network for one audit.

Every collector asks the observer, never the network directly, so a URL, a DNS question or a TLS
handshake is made once per run however many checks need it, even when they ask at the same time.
The observer also counts work for the progress display.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from launchready.net import DnsAnswer, HttpExchange, Network, RedirectChain, TlsProbe
from launchready.net.redirects import follow, normalize_url

T = TypeVar("T")
Progress = Callable[[int, int, str], None]


class Observer:
    def __init__(self, network: Network, progress: Progress | None = None) -> None:
        self.net = network
        self._progress = progress
        self._tasks: dict[tuple, asyncio.Task] = {}
        self.started = 0
        self.finished = 0

    async def _once(self, key: tuple, label: str, make: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            self.started += 1
            self._report(label)

            async def run() -> T:
                try:
                    return await make()
                finally:
                    self.finished += 1
                    self._report(label)

            task = asyncio.ensure_future(run())
            self._tasks[key] = task
        return await asyncio.shield(task)

    def _report(self, label: str) -> None:
        if self._progress is not None:
            self._progress(self.finished, self.started, label)

    # -- observations -------------------------------------------------------------------
    async def dns(self, name: str, rdtype: str = "A") -> DnsAnswer:
        key = ("dns", name.lower().rstrip("."), rdtype.upper())
        return await self._once(key, f"DNS {rdtype} {name}", lambda: self.net.query(name, rdtype))

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        active: bool = False,
        **kwargs: Any,
    ) -> HttpExchange:
        """Cached by method, URL and request headers. Bodies (POSTs) are never cached."""
        if (
            kwargs.get("body") is not None
            or kwargs.get("form") is not None
            or kwargs.get("json") is not None
        ):
            return await self.net.fetch(
                url, method=method, headers=headers, active=active, **kwargs
            )
        url = normalize_url(url)
        key = ("http", method.upper(), url, tuple(sorted((headers or {}).items())))
        return await self._once(
            key,
            f"{method} {url}",
            lambda: self.net.fetch(url, method=method, headers=headers, active=active, **kwargs),
        )

    async def chain(self, url: str, *, headers: Mapping[str, str] | None = None) -> RedirectChain:
        """The redirect chain from `url`; every hop is a cached fetch, shared with other checks."""
        url = normalize_url(url)
        key = ("chain", url, tuple(sorted((headers or {}).items())))

        async def make() -> RedirectChain:
            return await follow(
                lambda u: self.fetch(u, headers=headers), url, max_hops=self.net.cfg.max_redirects
            )

        return await self._once(key, f"redirects from {url}", make)

    async def tls(
        self, host: str, port: int = 443, *, min_version: str = "", max_version: str = ""
    ) -> TlsProbe:
        key = ("tls", host.lower(), port, min_version, max_version)
        return await self._once(
            key,
            f"TLS {host}:{port}",
            lambda: self.net.tls_probe(
                host, port, min_version=min_version, max_version=max_version
            ),
        )

    async def gather(self, *aws: Awaitable[T]) -> list[T]:
        return list(await asyncio.gather(*aws))
