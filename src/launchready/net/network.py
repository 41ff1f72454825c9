"""The network facade: one object per run that owns resolver, connector, HTTP and TLS.

Scope (CONTRACT §2): active probes (POSTs, preflights, path scans, bursts, load) go only to hosts
named in the config; any other host is read passively (GET or HEAD) a handful of times at most.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from launchready.config.network import NetworkConfig
from launchready.errors import OutOfScope
from launchready.net.connect import Connector, PinnedConnector
from launchready.net.http import HttpClient
from launchready.net.redirects import follow
from launchready.net.resolver import Resolver, normalize
from launchready.net.tls import TlsProber
from launchready.net.types import DnsAnswer, HttpExchange, RedirectChain, TlsProbe

PASSIVE_METHODS = ("GET", "HEAD")


class Scope:
    """Which hosts may be probed actively, and the passive budget for every other host."""

    def __init__(self, hosts: Iterable[str] | None = None, passive_budget: int = 5) -> None:
        self.hosts = {normalize(h) for h in hosts} if hosts is not None else None
        self.passive_budget = passive_budget
        self.passive_used = 0

    def contains(self, host: str) -> bool:
        return self.hosts is None or normalize(host) in self.hosts

    def admit(self, url: str, method: str, active: bool) -> str:
        """'' when the request may go; otherwise why not."""
        host = urlsplit(url).hostname or ""
        if self.contains(host):
            return ""
        if active or method.upper() not in PASSIVE_METHODS:
            raise OutOfScope(
                f"refusing an active {method} to {host}: it is not named in [site] of the config"
            )
        if self.passive_used >= self.passive_budget:
            return f"skipped: {host} is outside the config's hosts and the passive budget is spent"
        self.passive_used += 1
        return ""


class Network:
    def __init__(
        self, cfg: NetworkConfig, *, scope: Scope | None = None, concurrency: int | None = None
    ) -> None:
        self.cfg = cfg
        self.scope = scope or Scope()
        self.resolver = Resolver(cfg)
        self.connector = Connector(cfg, self.resolver)
        self.concurrency = concurrency or cfg.concurrency
        self.http = HttpClient(
            self.connector,
            ca_bundle=cfg.ca_bundle,
            timeout=cfg.timeout,
            max_body=cfg.max_body_bytes,
            concurrency=self.concurrency,
        )
        self.tls = TlsProber(self.connector, cfg.ca_bundle, cfg.timeout, self.concurrency)
        self._tls_sem = asyncio.Semaphore(self.concurrency)
        self._dns_sem = asyncio.Semaphore(self.concurrency)
        self._sessions: list[HttpClient] = []
        self._pinned: dict[tuple[str, str], HttpClient] = {}

    async def __aenter__(self) -> Network:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self.tls.close()
        await self.http.aclose()
        for session in self._sessions:
            await session.aclose()
        for client in self._pinned.values():
            await client.aclose()

    # -- DNS ----------------------------------------------------------------------------
    async def query(self, name: str, rdtype: str = "A") -> DnsAnswer:
        async with self._dns_sem:
            return await self.resolver.query(name, rdtype)

    # -- HTTP ---------------------------------------------------------------------------
    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        active: bool = False,
        verify: bool = True,
        max_body: int | None = None,
        connect_address: str | None = None,
    ) -> HttpExchange:
        """One request, redirects not followed. `active` marks a probe (CONTRACT scope rules).

        `connect_address` sends the connection to that address (then through connect_to) while
        SNI, Host and the recorded URL keep the URL's host: how the origin behind an edge is
        reached directly for `edge.origin-exposed`.
        """
        refusal = self.scope.admit(url, method, active)
        if refusal:
            return HttpExchange(method.upper(), url, error=refusal)
        client = self.http if connect_address is None else self._pinned_client(url, connect_address)
        return await client.request(
            method,
            url,
            headers=headers,
            body=body,
            form=form,
            json=json,
            verify=verify,
            max_body=max_body,
        )

    async def follow(self, url: str, *, headers: Mapping[str, str] | None = None) -> RedirectChain:
        async def one(u: str) -> HttpExchange:
            return await self.fetch(u, headers=headers)

        return await follow(one, url, max_hops=self.cfg.max_redirects)

    def _pinned_client(self, url: str, address: str) -> HttpClient:
        host = urlsplit(url).hostname or ""
        key = (host.lower(), address)
        client = self._pinned.get(key)
        if client is None:
            client = self._pinned[key] = HttpClient(
                PinnedConnector(self.connector, host, address),
                ca_bundle=self.cfg.ca_bundle,
                timeout=self.cfg.timeout,
                max_body=self.cfg.max_body_bytes,
                concurrency=4,
            )
        return client

    def session(self, *, concurrency: int = 4) -> HttpSession:
        """A cookie-keeping client for flows (smoke, logged-in audit pages)."""
        client = HttpClient(
            self.connector,
            ca_bundle=self.cfg.ca_bundle,
            timeout=self.cfg.timeout,
            max_body=self.cfg.max_body_bytes,
            concurrency=concurrency,
            cookies=True,
        )
        self._sessions.append(client)
        return HttpSession(self, client)

    # -- TLS and raw TCP ----------------------------------------------------------------
    async def tls_probe(
        self, host: str, port: int = 443, *, min_version: str = "", max_version: str = ""
    ) -> TlsProbe:
        async with self._tls_sem:
            return await self.tls.probe(
                host, port, min_version=min_version, max_version=max_version
            )

    async def open_tcp(self, host: str, port: int, *, tls=None):
        """asyncio streams for protocols other than HTTP (SMTP ...), via connect_to."""
        return await self.connector.open_tcp(host, port, tls=tls)


class HttpSession:
    """Requests sharing one cookie jar. Same caps and scope rules as `Network.fetch`."""

    def __init__(self, network: Network, client: HttpClient) -> None:
        self.network = network
        self.client = client

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        follow_redirects: bool = False,
        active: bool = True,
    ) -> HttpExchange | RedirectChain:
        if follow_redirects:

            async def one(u: str) -> HttpExchange:
                return await self._one("GET", u, headers, None, None, None, active)

            first = await self._one(method, url, headers, body, form, json, active)
            if not first.location:
                return first
            from urllib.parse import urljoin

            rest = await follow(
                one, urljoin(url, first.location), max_hops=self.network.cfg.max_redirects
            )
            return RedirectChain(
                url,
                (first, *rest.hops),
                rest.loop,
                rest.too_many,
                rest.non_http_target,
                rest.off_scope,
            )
        return await self._one(method, url, headers, body, form, json, active)

    async def _one(self, method, url, headers, body, form, json, active) -> HttpExchange:
        refusal = self.network.scope.admit(
            url, method, active and method.upper() not in PASSIVE_METHODS
        )
        if refusal:
            return HttpExchange(method.upper(), url, error=refusal)
        return await self.client.request(
            method, url, headers=headers, body=body, form=form, json=json
        )

    def cookies(self, url: str) -> dict[str, str]:
        from yarl import URL

        jar = self.client.cookie_jar
        return {name: morsel.value for name, morsel in jar.filter_cookies(URL(url)).items()}
