"""Edge protection: is a CDN/WAF in front of each public host, and can its origin be reached
around it? Pure: judged from recorded responses and addresses.

Detection is passive, from response headers, cookie names and published address ranges shipped
as data (`launchready/data/edge/`): attack-like probes (wafw00f, nuclei) are out of bounds.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from launchready.checks.neterrors import public_error
from launchready.config import Config
from launchready.net import HttpExchange
from launchready.observe.transport import PublicHost, TransportObservations
from launchready.report import Finding, check

EDGE_NONE = check(
    "edge.none",
    "No CDN/edge protection detected in front of a public host",
    "medium",
    3,
    "Put the host behind a CDN/WAF (Cloudflare, CloudFront, Fastly, your platform's edge) for "
    "DDoS absorption, TLS termination and rate limiting, and let only the edge reach the origin.",
)
ORIGIN_EXPOSED = check(
    "edge.origin-exposed",
    "The origin answers directly for the public host name",
    "high",
    1,
    "Firewall the origin so that only the edge's address ranges (or an authenticated tunnel "
    "such as Cloudflare Tunnel) can reach ports 80/443; otherwise the WAF is bypassed.",
)


@dataclass(frozen=True)
class Signature:
    provider: str
    kind: str  # "edge", "load-balancer" or "cache"
    headers: tuple[tuple[str, re.Pattern[str] | None], ...]
    cookies: tuple[str, ...]


def _data(name: str) -> dict:
    return json.loads(
        resources.files("launchready.data.edge").joinpath(name).read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def signatures() -> tuple[Signature, ...]:
    out = []
    for entry in _data("signatures.json")["providers"]:
        headers = tuple(
            (name.lower(), re.compile(pattern, re.IGNORECASE) if pattern else None)
            for name, pattern in entry["headers"].items()
        )
        out.append(Signature(entry["name"], entry["kind"], headers, tuple(entry["cookies"])))
    return tuple(out)


@lru_cache(maxsize=1)
def address_ranges() -> tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network], ...]:
    data = _data("ranges.json")["providers"]
    return tuple(
        (provider, ipaddress.ip_network(cidr))
        for provider, entry in data.items()
        for cidr in entry["ranges"]
    )


def _cookie_names(exchange: HttpExchange) -> list[str]:
    return [line.split("=", 1)[0].strip() for line in exchange.header_all("set-cookie")]


def header_matches(exchange: HttpExchange) -> list[tuple[Signature, str]]:
    """(signature, what matched) for every provider whose header or cookie marks appear."""
    hits = []
    cookies = _cookie_names(exchange)
    for sig in signatures():
        for name, pattern in sig.headers:
            for value in exchange.header_all(name):
                if pattern is None or pattern.search(value):
                    hits.append((sig, f"{name}: {value[:60]}"))
                    break
            else:
                continue
            break
        else:
            cookie = next((c for c in cookies for p in sig.cookies if c.startswith(p)), None)
            if cookie:
                hits.append((sig, f"cookie {cookie}"))
    return hits


def range_matches(addresses: list[str]) -> list[tuple[str, str]]:
    hits = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            continue
        for provider, network in address_ranges():
            if ip.version == network.version and ip in network:
                hits.append((provider, f"{address} in {network}"))
                break
    return hits


def _exchanges(host: PublicHost, obs: TransportObservations) -> list[HttpExchange]:
    out = []
    for chain in obs.chains.values():
        for hop in chain.hops:
            if hop.host == host.name and hop.status is not None:
                out.append(hop)
    return out


def detect(host: PublicHost, obs: TransportObservations) -> tuple[list[str], list[str], list[str]]:
    """(edge providers, other intermediaries, evidence) for one host."""
    edges: list[str] = []
    others: list[str] = []
    evidence: list[str] = []
    for exchange in _exchanges(host, obs):
        for sig, what in header_matches(exchange):
            bucket = edges if sig.kind == "edge" else others
            if sig.provider not in bucket:
                bucket.append(sig.provider)
                evidence.append(f"{sig.provider}: {what} ({exchange.url})")
    facts = obs.dns.get(host.name)
    for provider, what in range_matches(facts.addresses if facts else []):
        if provider not in edges:
            edges.append(provider)
        evidence.append(f"{provider}: {what} (published ranges snapshot)")
    return edges, others, evidence


def judge_edge(obs: TransportObservations) -> list[Finding]:
    findings = []
    for host in obs.hosts:
        if not obs.reachable(host.name):
            findings.append(EDGE_NONE.skipped(host.name, "the host does not resolve"))
            continue
        if not _exchanges(host, obs):
            findings.append(EDGE_NONE.skipped(host.name, "the host gave no HTTP answer"))
            continue
        edges, others, evidence = detect(host, obs)
        if edges:
            findings.append(
                EDGE_NONE.passed(
                    host.name,
                    f"{host.name} is behind {', '.join(edges)}",
                    evidence="; ".join(evidence),
                    providers=edges,
                )
            )
            continue
        facts = obs.dns.get(host.name)
        seen = ", ".join(facts.addresses) if facts else host.name
        extra = f"; only {', '.join(others)} seen ({'; '.join(evidence)})" if others else ""
        findings.append(
            EDGE_NONE.finding(
                "warn",
                host.name,
                f"No CDN/WAF detected in front of {host.name}",
                evidence=f"addresses: {seen}; no edge header, cookie or address range "
                f"matched{extra}",
                intermediaries=others,
            )
        )
    return findings


def judge_origin(obs: TransportObservations, cfg: Config) -> list[Finding]:
    origin = cfg.site.origin
    if not origin:
        return [ORIGIN_EXPOSED.skipped(cfg.site.host, "site.origin is not configured")]
    findings = []
    for host in obs.hosts:
        exchanges = obs.origin.get(host.name)
        subject = f"{host.name}@{origin}"
        if exchanges is None:
            continue
        facts = obs.dns.get(host.name)
        if facts is not None and origin in facts.addresses:
            findings.append(
                ORIGIN_EXPOSED.skipped(
                    subject, f"{host.name} resolves to the origin itself (see edge.none)"
                )
            )
            continue
        answered = [e for e in exchanges if e.status is not None and 200 <= e.status < 400]
        shown = "; ".join(
            f"GET {e.url} via {origin}: "
            + (str(e.status) if e.status is not None else f"no answer ({public_error(e.error)})")
            for e in exchanges
        )
        if answered:
            findings.append(
                ORIGIN_EXPOSED.finding(
                    "fail",
                    subject,
                    f"The origin {origin} serves {host.name} directly "
                    f"({answered[0].status} for {answered[0].url})",
                    evidence=shown,
                )
            )
        else:
            findings.append(
                ORIGIN_EXPOSED.passed(
                    subject, f"The origin {origin} does not serve {host.name}", evidence=shown
                )
            )
    return findings


def judge(obs: TransportObservations, cfg: Config) -> list[Finding]:
    return judge_edge(obs) + judge_origin(obs, cfg)
