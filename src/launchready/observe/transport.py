"""What the transport checks need: DNS for every public host (and, for the dns area, the
zone: see `dnszone`), the redirect map of every variant, one TLS probe per HTTPS host plus
pinned TLS 1.0/1.1 handshakes, and the edge evidence (response headers, addresses, origin).

The public hosts are the canonical host of `site.url`, every `site.hosts` entry, and the apex and
its www when `site.apex` is set. Hosts that do not resolve are not contacted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from launchready.config import Config
from launchready.net import DnsAnswer, RedirectChain, TlsProbe
from launchready.net.redirects import normalize_url
from launchready.net.resolver import is_ip
from launchready.observe.dnszone import ZoneObservations, collect_zone
from launchready.observe.observer import Observer

LEGACY_VERSIONS = ("TLSv1", "TLSv1.1")


@dataclass(frozen=True)
class PublicHost:
    name: str
    roles: tuple[str, ...]  # "canonical", "apex", "www", or the free-form role names of site.hosts

    @property
    def is_canonical(self) -> bool:
        return "canonical" in self.roles

    @property
    def is_variant(self) -> bool:
        """An apex/www/canonical name that must lead to the canonical URL."""
        return bool({"canonical", "apex", "www"} & set(self.roles))


@dataclass(frozen=True)
class HostDns:
    a: DnsAnswer
    aaaa: DnsAnswer
    cname: DnsAnswer

    @property
    def resolves(self) -> bool:
        return self.a.ok or self.aaaa.ok

    @property
    def addresses(self) -> list[str]:
        return [*self.a.records, *self.aaaa.records]


@dataclass
class TransportObservations:
    site_url: str
    hosts: list[PublicHost]
    dns: dict[str, HostDns] = field(default_factory=dict)
    chains: dict[str, RedirectChain] = field(default_factory=dict)  # start URL -> chain
    tls: dict[str, TlsProbe] = field(default_factory=dict)  # "host:port" -> probe
    legacy_tls: dict[str, dict[str, TlsProbe]] = field(default_factory=dict)  # host:port -> ver
    zone: ZoneObservations | None = None  # dns area only
    inventory: dict | None = None  # records per host, for report.extra["dns_inventory"]
    origin: dict[str, list] = field(default_factory=dict)  # edge: host -> exchanges via origin
    observed_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def host(self, name: str) -> PublicHost | None:
        return next((h for h in self.hosts if h.name == name), None)

    def reachable(self, name: str) -> bool:
        """Resolves (or is an address)."""
        facts = self.dns.get(name)
        return is_ip(name) or (facts is not None and facts.resolves)


def public_hosts(cfg: Config) -> list[PublicHost]:
    roles: dict[str, list[str]] = {}

    def add(host: str, role: str) -> None:
        roles.setdefault(host.lower().rstrip("."), []).append(role)

    add(cfg.site.host, "canonical")
    for role, host in cfg.site.hosts.items():
        add(host, role)
    if cfg.site.apex:
        add(cfg.site.apex, "apex")
        add(f"www.{cfg.site.apex}", "www")
    return [PublicHost(name, tuple(r)) for name, r in roles.items()]


def https_port(cfg: Config, host: PublicHost) -> int:
    return cfg.site.port if host.is_canonical and cfg.site.scheme == "https" else 443


def variant_urls(cfg: Config, host: PublicHost) -> list[str]:
    """http:// and https:// start URLs for a host (the canonical host keeps a custom port)."""
    site = urlsplit(cfg.site.url)
    urls = []
    for scheme in ("http", "https"):
        port = site.port if host.is_canonical and site.scheme == scheme else None
        netloc = f"{host.name}:{port}" if port else host.name
        urls.append(f"{scheme}://{netloc}/")
    return urls


async def resolve_host(observer: Observer, name: str) -> HostDns:
    a, aaaa, cname = await asyncio.gather(
        observer.dns(name, "A"), observer.dns(name, "AAAA"), observer.dns(name, "CNAME")
    )
    return HostDns(a, aaaa, cname)


async def _resolve_all(observer: Observer, obs: TransportObservations) -> None:
    names = [h.name for h in obs.hosts if not is_ip(h.name)]
    for name, facts in zip(
        names, await asyncio.gather(*(resolve_host(observer, n) for n in names)), strict=True
    ):
        obs.dns[name] = facts


async def collect_hosts(observer: Observer, cfg: Config) -> TransportObservations:
    obs = TransportObservations(cfg.site.url, public_hosts(cfg))
    await _resolve_all(observer, obs)
    return obs


async def collect_dns(observer: Observer, cfg: Config) -> TransportObservations:
    from launchready.observe.dnszone import build_inventory

    obs = await collect_hosts(observer, cfg)
    if is_ip(cfg.site.apex or cfg.site.host):
        return obs  # an address has no zone to audit
    obs.zone = await collect_zone(observer, cfg, [h.name for h in obs.hosts])
    obs.inventory = build_inventory(obs.dns, obs.zone)
    return obs


async def collect_http(observer: Observer, cfg: Config) -> TransportObservations:
    obs = await collect_hosts(observer, cfg)
    starts = [url for h in obs.hosts if obs.reachable(h.name) for url in variant_urls(cfg, h)]
    canonical = normalize_url(cfg.site.url)
    if canonical not in starts and obs.reachable(cfg.site.host):
        starts.append(canonical)  # the canonical page itself (mixed content, edge headers)
    for url, chain in zip(
        starts, await asyncio.gather(*(observer.chain(u) for u in starts)), strict=True
    ):
        obs.chains[url] = chain
    return obs


async def collect_tls(observer: Observer, cfg: Config) -> TransportObservations:
    # Probes need only DNS; the redirect chains (used to tell "no HTTPS" from "down") are
    # observed at the same time rather than first, so a stalled host costs one timeout, not two.
    hosts = await collect_hosts(observer, cfg)
    targets = [(h.name, https_port(cfg, h)) for h in hosts.hosts if hosts.reachable(h.name)]
    obs, probes = await asyncio.gather(
        collect_http(observer, cfg),
        asyncio.gather(*(observer.tls(name, port) for name, port in targets)),
    )
    for (name, port), probe in zip(targets, probes, strict=True):
        obs.tls[f"{name}:{port}"] = probe
    legacy_targets = [
        (name, port)
        for (name, port), p in zip(targets, probes, strict=True)
        if p.handshake_ok or p.error.startswith(("protocol:", "tls:"))
    ]
    legacy = await asyncio.gather(
        *(
            observer.tls(name, port, min_version=v, max_version=v)
            for name, port in legacy_targets
            for v in LEGACY_VERSIONS
        )
    )
    pairs = iter(legacy)
    for name, port in legacy_targets:
        obs.legacy_tls[f"{name}:{port}"] = {v: next(pairs) for v in LEGACY_VERSIONS}
    return obs
