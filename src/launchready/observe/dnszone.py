"""What the zone-level DNS checks need, beyond the per-host answers of `transport`:
CNAME chains and their targets, zone transfers from every nameserver, random-label wildcard
probes, CAA up to the registrable domain, DNSSEC keys, `dns.expect` answers, common
subdomain names, and the HTTP answers that confirm a takeover fingerprint.

Everything goes through the Observer (cached, coalesced), except zone transfers, which are
one-off TCP exchanges made with the resolver's `axfr` over a connect_to-routed address.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field

from publicsuffixlist import PublicSuffixList

from launchready.config import Config
from launchready.config.network import HostPort
from launchready.net import DnsAnswer, HttpExchange
from launchready.net.connect import ConnectRefused
from launchready.net.resolver import is_ip, normalize
from launchready.observe.observer import Observer

COMMON_SUBDOMAINS = (
    "www",
    "api",
    "app",
    "admin",
    "staging",
    "stage",
    "dev",
    "test",
    "qa",
    "uat",
    "old",
    "beta",
    "demo",
    "mail",
    "vpn",
    "portal",
    "internal",
    "legacy",
    "backup",
    "git",
    "jenkins",
    "grafana",
)
WILDCARD_TYPES = ("A", "AAAA", "CNAME", "TXT")
MAX_CNAME_HOPS = 8

_PSL: PublicSuffixList | None = None


def registrable_domain(name: str) -> str:
    """The registrable domain (eTLD+1) of a name, from the offline Public Suffix List."""
    global _PSL
    if _PSL is None:
        _PSL = PublicSuffixList()
    name = normalize(name)
    return _PSL.privatesuffix(name) or name


@dataclass(frozen=True)
class CnameTrail:
    """A name's CNAME chain, followed one query at a time, and how its last target answers."""

    name: str
    chain: tuple[str, ...]  # targets in order; empty when the name is no alias
    target_a: DnsAnswer | None = None
    target_aaaa: DnsAnswer | None = None
    loop: bool = False

    @property
    def target(self) -> str | None:
        return self.chain[-1] if self.chain else None

    @property
    def target_nxdomain(self) -> bool:
        answers = [a for a in (self.target_a, self.target_aaaa) if a is not None]
        return bool(answers) and all(a.rcode == "NXDOMAIN" for a in answers)

    @property
    def target_addresses(self) -> list[str]:
        return [
            *(self.target_a.records if self.target_a else ()),
            *(self.target_aaaa.records if self.target_aaaa else ()),
        ]


@dataclass(frozen=True)
class ZoneTransfer:
    nameserver: str  # NS name as published
    address: str  # public address:port (never the connect_to target)
    records: tuple[str, ...] = ()
    error: str = ""  # REFUSED, NOTAUTH, a closed connection, a timeout ...

    @property
    def leaked(self) -> bool:
        return bool(self.records)


@dataclass
class ZoneObservations:
    zone: str  # the registrable domain
    ns: DnsAnswer | None = None
    transfers: list[ZoneTransfer] = field(default_factory=list)
    wildcard_labels: tuple[str, ...] = ()
    wildcard: dict[str, DnsAnswer] = field(default_factory=dict)  # "label TYPE" -> answer
    caa: dict[str, list[DnsAnswer]] = field(default_factory=dict)  # host -> walk, host first
    dnskey: DnsAnswer | None = None
    ds: DnsAnswer | None = None
    expect: dict[str, DnsAnswer] = field(default_factory=dict)  # "name TYPE" -> answer
    candidates: dict[str, tuple[DnsAnswer, DnsAnswer, DnsAnswer]] = field(default_factory=dict)
    from_transfer: set[str] = field(default_factory=set)
    trails: dict[str, CnameTrail] = field(default_factory=dict)
    http: dict[str, list[HttpExchange]] = field(default_factory=dict)  # name -> answers
    extra_records: dict[str, DnsAnswer] = field(default_factory=dict)  # "name TYPE" -> answer

    @property
    def infrastructure(self) -> set[str]:
        """Nameserver and mail-exchanger names: meant to resolve, never 'undeclared'."""
        names = {normalize(r) for r in (self.ns.records if self.ns and self.ns.ok else ())}
        mx = self.extra_records.get(f"{self.zone} MX")
        if mx is not None and mx.ok:
            names |= {normalize(r.split()[-1]) for r in mx.records}
        return names

    @property
    def wildcard_addresses(self) -> set[str]:
        out: set[str] = set()
        for key, answer in self.wildcard.items():
            if key.endswith((" A", " AAAA", " CNAME")) and answer.ok:
                out.update(answer.records)
        return out


async def cname_trail(observer: Observer, name: str) -> CnameTrail:
    chain: list[str] = []
    current = name
    for _ in range(MAX_CNAME_HOPS):
        answer = await observer.dns(current, "CNAME")
        if not answer.ok:
            break
        target = normalize(answer.records[0])
        if target in chain or target == name:
            return CnameTrail(name, tuple(chain), loop=True)
        chain.append(target)
        current = target
    if not chain:
        return CnameTrail(name, ())
    a, aaaa = await asyncio.gather(observer.dns(current, "A"), observer.dns(current, "AAAA"))
    return CnameTrail(name, tuple(chain), a, aaaa)


async def _transfer(observer: Observer, zone: str, ns_name: str) -> ZoneTransfer:
    public = f"{ns_name}:53"
    try:
        endpoints = await observer.net.connector.endpoints(ns_name, 53)
    except ConnectRefused as exc:
        return ZoneTransfer(ns_name, public, error=f"not contacted: {exc}")
    last = ZoneTransfer(ns_name, public, error="no address")
    for address, port in endpoints[:2]:
        records, error = await observer.net.resolver.axfr(zone, HostPort(address, port))
        last = ZoneTransfer(ns_name, public, tuple(records), error)
        if records or error in ("REFUSED", "NOTAUTH"):
            return last
    return last


async def _caa_walk(observer: Observer, host: str, zone: str) -> list[DnsAnswer]:
    """RFC 8659 §3: the CAA set that applies is the first found walking up the tree; we stop
    at the registrable domain (above it sits the registry, not the owner)."""
    walk: list[DnsAnswer] = []
    name = host
    while True:
        answer = await observer.dns(name, "CAA")
        walk.append(answer)
        if answer.ok or name == zone or "." not in name:
            return walk
        name = name.split(".", 1)[1]


def _subdomain_names(cfg: Config, zone: str) -> list[str]:
    labels = cfg.dns.common_subdomains
    labels = list(COMMON_SUBDOMAINS) if labels is None else labels
    return [f"{label.strip('.').lower()}.{zone}" for label in labels if label.strip(".")]


def _transfer_names(transfers: list[ZoneTransfer], zone: str) -> set[str]:
    names = set()
    for transfer in transfers:
        for record in transfer.records:
            owner, _ttl, rdtype, *_ = record.split(None, 3)
            owner = normalize(owner)
            if rdtype in ("A", "AAAA", "CNAME") and owner != zone and "*" not in owner:
                names.add(owner)
    return names


async def collect_zone(observer: Observer, cfg: Config, host_names: list[str]) -> ZoneObservations:
    zone = registrable_domain(cfg.site.apex or cfg.site.host)
    obs = ZoneObservations(zone)
    names = [n for n in host_names if not is_ip(n)]
    obs.wildcard_labels = tuple(secrets.token_hex(16) for _ in range(3))

    async def wildcard_probe(label: str, rdtype: str) -> None:
        obs.wildcard[f"{label} {rdtype}"] = await observer.dns(f"{label}.{zone}", rdtype)

    async def transfers() -> None:
        obs.ns = await observer.dns(zone, "NS")
        ns_names = sorted({normalize(r) for r in obs.ns.records}) if obs.ns.ok else []
        obs.transfers = list(
            await asyncio.gather(*(_transfer(observer, zone, ns) for ns in ns_names))
        )

    async def caa(host: str) -> None:
        obs.caa[host] = await _caa_walk(observer, host, zone)

    async def dnssec() -> None:
        obs.dnskey, obs.ds = await asyncio.gather(
            observer.dns(zone, "DNSKEY"), observer.dns(zone, "DS")
        )

    async def expect(name: str, rdtype: str) -> None:
        obs.expect[f"{normalize(name)} {rdtype}"] = await observer.dns(name, rdtype)

    async def candidate(name: str) -> None:
        obs.candidates[name] = tuple(
            await asyncio.gather(*(observer.dns(name, t) for t in ("A", "AAAA", "CNAME")))
        )  # type: ignore[assignment]

    async def zone_record(rdtype: str) -> None:
        obs.extra_records[f"{zone} {rdtype}"] = await observer.dns(zone, rdtype)

    expected = {
        (name, record.split(None, 1)[0].upper())
        for name, records in cfg.dns.expect.items()
        for record in records
    }
    await asyncio.gather(
        *(wildcard_probe(label, t) for label in obs.wildcard_labels for t in WILDCARD_TYPES),
        transfers(),
        *(caa(h) for h in names),
        dnssec(),
        *(expect(n, t) for n, t in sorted(expected)),
        *(candidate(n) for n in _subdomain_names(cfg, zone) if n not in names),
        *(zone_record(t) for t in ("SOA", "MX", "TXT")),
    )
    obs.from_transfer = _transfer_names(obs.transfers, zone) - set(names)
    await asyncio.gather(
        *(candidate(n) for n in sorted(obs.from_transfer) if n not in obs.candidates)
    )
    discovered = [n for n, (a, aaaa, c) in obs.candidates.items() if a.ok or aaaa.ok or c.ok]
    trails = await asyncio.gather(*(cname_trail(observer, n) for n in [*names, *discovered]))
    obs.trails = {t.name: t for t in trails}
    await _confirm_takeovers(observer, obs, set(names))
    return obs


async def _confirm_takeovers(observer: Observer, obs: ZoneObservations, declared: set[str]):
    """GET our own name where a CNAME points at a service with a body/status fingerprint."""
    from launchready.checks.takeover import services_for, services_for_address

    wanted = []
    for trail in obs.trails.values():
        if trail.target is None or trail.target_nxdomain:
            continue
        if registrable_domain(trail.target) == obs.zone:
            continue
        fps = services_for(trail.target) + [
            fp for a in trail.target_addresses for fp in services_for_address(a)
        ]
        if any(not fp.nxdomain for fp in fps):
            wanted.append(trail.name)

    async def get(name: str) -> None:
        urls = [f"http://{name}/", f"https://{name}/"]
        if name not in declared:
            urls = urls[:1]  # out of scope: one passive GET
        obs.http[name] = list(await asyncio.gather(*(observer.fetch(u) for u in urls)))

    await asyncio.gather(*(get(n) for n in wanted))


def build_inventory(host_dns: dict, zone: ZoneObservations) -> dict:
    """Records found per host, for the handover: what exists, as the resolver saw it."""

    def records(answer: DnsAnswer | None) -> list[str]:
        return list(answer.records) if answer is not None and answer.ok else []

    hosts: dict[str, dict[str, list[str]]] = {}
    for name, facts in host_dns.items():
        entry = {"A": records(facts.a), "AAAA": records(facts.aaaa), "CNAME": records(facts.cname)}
        walk = zone.caa.get(name) or []
        caa = next((a for a in walk if a.ok), None)
        if caa is not None:
            entry["CAA"] = [f"{r} (at {caa.name})" for r in caa.records]
        hosts[name] = {k: v for k, v in entry.items() if v}
    discovered: dict[str, dict[str, list[str]]] = {}
    for name, (a, aaaa, cname) in sorted(zone.candidates.items()):
        entry = {"A": records(a), "AAAA": records(aaaa), "CNAME": records(cname)}
        if any(entry.values()):
            discovered[name] = {k: v for k, v in entry.items() if v}
    apex: dict[str, list[str]] = {"NS": records(zone.ns)}
    for key, answer in zone.extra_records.items():
        apex[key.rsplit(" ", 1)[1]] = records(answer)
    apex["DNSKEY"] = [f"{len(records(zone.dnskey))} key(s)"] if records(zone.dnskey) else []
    apex["DS"] = records(zone.ds)
    return {
        "zone": zone.zone,
        "apex": {k: v for k, v in apex.items() if v},
        "hosts": hosts,
        "discovered": discovered,
        "zone_transfer": {t.nameserver: ("open" if t.leaked else t.error) for t in zone.transfers},
    }
