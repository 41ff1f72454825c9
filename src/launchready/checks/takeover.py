"""Subdomain-takeover fingerprints (can-i-take-over-xyz, CC-BY-4.0, EdOverflow and
contributors), matched the dnsReaper way: a cheap CNAME-suffix match first, then a
confirmation from what the target really does (NXDOMAIN, or the service's "unclaimed" page).

Pure: the DNS answers and HTTP exchanges were observed by the collector.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from launchready.net import HttpExchange

ATTRIBUTION = "can-i-take-over-xyz, EdOverflow and contributors (CC-BY-4.0)"


@dataclass(frozen=True)
class Fingerprint:
    service: str
    suffixes: tuple[str, ...]  # CNAME suffixes (host names only; IPs and URLs are set apart)
    addresses: tuple[str, ...]  # a few entries list service IPs instead of names
    pattern: re.Pattern[str] | None  # body text; None for NXDOMAIN/status fingerprints
    nxdomain: bool
    http_status: int | None
    status: str  # "Vulnerable", "Not vulnerable", "Edge case"

    @property
    def vulnerable(self) -> bool:
        return self.status == "Vulnerable"

    @property
    def edge_case(self) -> bool:
        return self.status == "Edge case"

    def matches_target(self, target: str) -> bool:
        target = target.lower().rstrip(".")
        return any(target == s or target.endswith("." + s) for s in self.suffixes)

    def matches_response(self, exchange: HttpExchange) -> bool:
        if exchange.status is None:
            return False
        if self.http_status is not None:
            return exchange.status == self.http_status
        return bool(self.pattern and self.pattern.search(exchange.text))


def _compile(text: str) -> re.Pattern[str] | None:
    text = html.unescape(text)
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def _split_cnames(entries: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    names, addresses = [], []
    for entry in entries:
        entry = entry.strip().lower()
        if "://" in entry:  # Vercel lists a URL: keep its host
            entry = entry.split("://", 1)[1].split("/", 1)[0]
        try:
            addresses.append(str(ipaddress.ip_address(entry)))
        except ValueError:
            if entry:
                names.append(entry.rstrip("."))
    return tuple(names), tuple(addresses)


@lru_cache(maxsize=1)
def fingerprints() -> tuple[Fingerprint, ...]:
    raw = json.loads(
        resources.files("launchready.data.takeover")
        .joinpath("takeover_fingerprints.json")
        .read_text(encoding="utf-8")
    )
    out = []
    for entry in raw:
        names, addresses = _split_cnames(entry.get("cname") or [])
        text = entry.get("fingerprint") or ""
        nxdomain = bool(entry.get("nxdomain"))
        status = entry.get("http_status")
        pattern = None if nxdomain or status is not None or not text else _compile(text)
        out.append(
            Fingerprint(
                entry["service"], names, addresses, pattern, nxdomain, status, entry["status"]
            )
        )
    return tuple(out)


def services_for(target: str) -> list[Fingerprint]:
    """Fingerprints whose CNAME suffix covers `target` (most specific suffix first)."""
    hits = [fp for fp in fingerprints() if fp.matches_target(target)]
    return sorted(hits, key=lambda fp: -max(len(s) for s in fp.suffixes))


def services_for_address(address: str) -> list[Fingerprint]:
    return [fp for fp in fingerprints() if address in fp.addresses]
