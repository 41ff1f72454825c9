"""DNS checks over the transport observations. Pure: never queries anything itself."""

from __future__ import annotations

from launchready.config import Config
from launchready.net import Rcode
from launchready.observe.transport import HostDns, PublicHost, TransportObservations
from launchready.report import Finding, check

RESOLVE_FAILED = check(
    "dns.resolve.failed",
    "A declared host does not resolve",
    "high",
    0,
    "Create the host's A/AAAA (or CNAME) record at your DNS provider, or remove the host from "
    "[site] if it is no longer meant to exist.",
)


def _severity_tier(host: PublicHost) -> tuple[str, int]:
    if host.is_canonical:
        return "critical", 0
    if set(host.roles) <= {"apex", "www"}:
        return "medium", 3
    return "high", 0


def _evidence(facts: HostDns) -> str:
    parts = []
    for answer in (facts.a, facts.aaaa):
        value = ", ".join(answer.records) if answer.ok else answer.rcode.value
        parts.append(f"{answer.rdtype}: {value}")
    if facts.a.cname_chain:
        parts.append("CNAME chain: " + " -> ".join(facts.a.cname_chain))
    return "; ".join(parts) + f" (via {facts.a.nameserver})"


def judge_resolution(obs: TransportObservations, cfg: Config) -> list[Finding]:
    findings = []
    for host in obs.hosts:
        facts = obs.dns.get(host.name)
        if facts is None:  # an IP literal: nothing to resolve
            continue
        severity, tier = _severity_tier(host)
        evidence = _evidence(facts)
        if facts.resolves:
            findings.append(
                RESOLVE_FAILED.passed(host.name, f"{host.name} resolves", evidence=evidence)
            )
        elif facts.a.answered or facts.aaaa.answered:
            why = (
                "no such name (NXDOMAIN)"
                if Rcode.NXDOMAIN in (facts.a.rcode, facts.aaaa.rcode)
                else "the name exists but has no address (NODATA)"
            )
            findings.append(
                RESOLVE_FAILED.finding(
                    "fail",
                    host.name,
                    f"{host.name} does not resolve: {why}",
                    evidence=evidence,
                    severity=severity,
                    tier=tier,
                    roles=list(host.roles),
                )
            )
        else:
            findings.append(
                RESOLVE_FAILED.error(
                    host.name,
                    f"no nameserver answered for {host.name}",
                    evidence=evidence,
                    severity=severity,
                    tier=tier,
                )
            )
    return findings


def judge(obs: TransportObservations, cfg: Config) -> list[Finding]:
    return judge_resolution(obs, cfg)
