"""The audit's areas: for each, how to observe (async, via the Observer) and how to judge (pure).

Adding an area is adding a line here. Area names are those of CONTRACT §5 and `--only`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from launchready.checks import access as access_checks
from launchready.checks import cache as cache_checks
from launchready.checks import cors as cors_checks
from launchready.checks import dns as dns_checks
from launchready.checks import edge as edge_checks
from launchready.checks import email as email_checks
from launchready.checks import exposure as exposure_checks
from launchready.checks import headers as headers_checks
from launchready.checks import http as http_checks
from launchready.checks import journey as journey_checks
from launchready.checks import tls as tls_checks
from launchready.config import Config
from launchready.observe import edge, transport
from launchready.observe import email as email_observe
from launchready.observe import repo as repo_observe
from launchready.observe import session as session_observe
from launchready.observe import web as web_observe
from launchready.observe.observer import Observer
from launchready.report import Finding

Collect = Callable[[Observer, Config], Awaitable[Any]]
Judge = Callable[[Any, Config], list[Finding]]


@dataclass(frozen=True)
class Area:
    name: str
    collect: Collect
    judge: Judge
    description: str = ""
    # Optional: sections for report.extra built from the observations (e.g. the DNS inventory
    # the handover needs). Pure, like `judge`.
    report_extra: Callable[[Any], dict[str, Any]] | None = None
    # The finding areas this area's judge produces (default: its own name).
    covers: tuple[str, ...] = ()

    @property
    def finding_areas(self) -> tuple[str, ...]:
        return self.covers or (self.name,)


AREAS: tuple[Area, ...] = (
    Area(
        "dns",
        transport.collect_dns,
        dns_checks.judge,
        "resolution, records, zone hygiene",
        report_extra=lambda obs: {"dns_inventory": dns_checks.inventory(obs)},
    ),
    Area("http", transport.collect_http, http_checks.judge, "reachability, redirects, canonical"),
    Area("tls", transport.collect_tls, tls_checks.judge, "certificates and protocols"),
    Area("edge", edge.collect_edge, edge_checks.judge, "CDN/WAF in front, origin exposure"),
    Area("headers", web_observe.collect_headers, headers_checks.judge, "security headers, cookies"),
    Area("cors", web_observe.collect_cors, cors_checks.judge, "cross-origin policy by probes"),
    Area("cache", web_observe.collect_cache, cache_checks.judge, "shared caching of pages"),
    Area("exposure", web_observe.collect_exposure, exposure_checks.judge_hosts, "files, debug"),
    Area("access", web_observe.collect_access, access_checks.judge, "admin routes, login burst"),
    Area("email", email_observe.collect, email_checks.judge, "SPF, DKIM, DMARC, MX, delivery"),
    Area("smoke", session_observe.collect_login_journey, journey_checks.judge, "login journey"),
    # One pass over the repository yields both the repo hygiene and the secrets findings.
    Area(
        "repo",
        repo_observe.collect,
        repo_observe.judge,
        "secrets in history, repo hygiene",
        covers=("repo", "secrets"),
    ),
)

# Areas of CONTRACT §5 that other commands own; accepted by --only for forward compatibility.
KNOWN_AREA_NAMES = (
    "dns",
    "http",
    "tls",
    "edge",
    "headers",
    "cors",
    "cache",
    "exposure",
    "access",
    "email",
    "secrets",
    "repo",
    "env",
    "smoke",
    "perf",
)


def select(only: list[str] | None) -> list[Area]:
    if not only:
        return list(AREAS)
    from launchready.errors import UsageError

    unknown = [name for name in only if name not in KNOWN_AREA_NAMES]
    if unknown:
        raise UsageError(
            f"--only: unknown area {unknown[0]!r}; areas are: {', '.join(KNOWN_AREA_NAMES)}"
        )
    return [area for area in AREAS if set(area.finding_areas) & set(only)]
