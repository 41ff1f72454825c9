"""DNS checks over the transport observations. Pure: never queries anything itself.

Resolution of every public host; then the zone: takeover-prone CNAMEs, open zone transfers,
wildcards, CAA, `dns.expect`, undeclared subdomains, and DNSSEC presence (info).
"""

from __future__ import annotations

from launchready.checks import takeover
from launchready.config import Config
from launchready.net import DnsAnswer, Rcode
from launchready.observe.dnszone import CnameTrail, ZoneObservations, registrable_domain
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


CNAME_DANGLING = check(
    "dns.cname.dangling",
    "A CNAME points at a name or service nobody holds (takeover risk)",
    "critical",
    1,
    "Delete the CNAME (or re-claim the resource at the provider: bucket, app, site) before "
    "someone else claims it and serves content, phishing pages or steals cookies on your name.",
)
AXFR_OPEN = check(
    "dns.axfr.open",
    "A nameserver hands out a zone transfer",
    "high",
    1,
    "Restrict AXFR to your secondary nameservers (BIND allow-transfer, NSD provide-xfr, or the "
    "provider's setting); the zone lists every internal host name.",
)
WILDCARD = check(
    "dns.wildcard",
    "The zone answers for random names",
    "low",
    3,
    "Remove the wildcard record unless it is intended: it makes typos and forgotten hosts "
    "resolve, hides dangling names and helps phishing on look-alike subdomains.",
)
CAA_MISSING = check(
    "dns.caa.missing",
    "No CAA record restricts who may issue certificates",
    "low",
    3,
    'Add a CAA record at the registrable domain naming your CA, e.g. `0 issue "letsencrypt.org"`'
    ' and `0 iodef "mailto:security@example.com"`.',
)
RECORD_MISMATCH = check(
    "dns.record.mismatch",
    "A name does not resolve to what dns.expect declares",
    "high",
    0,
    "Point the record at the declared target at your DNS provider (or update dns.expect if the "
    "target moved on purpose).",
)
SUBDOMAIN_UNDECLARED = check(
    "dns.subdomain.undeclared",
    "A subdomain that is not declared resolves",
    "medium",
    3,
    "Delete records for hosts that should not exist (old staging, test, admin), or declare the "
    "host in [site] hosts so the audit covers it.",
)
DNSSEC = check(
    "dns.dnssec",
    "DNSSEC is not enabled for the zone",
    "info",
    4,
    "Consider enabling DNSSEC at your DNS provider and publishing the DS record at the registrar.",
)


def _normalize_record(text: str) -> str:
    return " ".join(part.rstrip(".").lower() for part in text.split())


def judge_cnames(zone: ZoneObservations, cfg: Config) -> list[Finding]:
    findings = []
    for trail in zone.trails.values():
        if trail.target is None:
            continue
        findings.append(_judge_trail(trail, zone))
    return findings


def _judge_trail(trail: CnameTrail, zone: ZoneObservations) -> Finding:
    chain = " -> ".join([trail.name, *trail.chain])
    target = trail.target or ""
    a = trail.target_a
    rcode = a.rcode.value if a is not None else "?"
    evidence = f"CNAME chain: {chain}; {target} A: {rcode}"
    if trail.target_addresses:
        evidence += f" ({', '.join(trail.target_addresses)})"
    if trail.loop:
        return CNAME_DANGLING.finding(
            "fail", trail.name, f"{trail.name} is a CNAME loop", evidence=evidence, severity="high"
        )
    if registrable_domain(target) == zone.zone:
        return CNAME_DANGLING.passed(
            trail.name, f"{trail.name} aliases a name in our own domain", evidence=evidence
        )
    services = takeover.services_for(target) + [
        fp for addr in trail.target_addresses for fp in takeover.services_for_address(addr)
    ]
    names = ", ".join(fp.service for fp in services)
    if trail.target_nxdomain:
        nx_fps = [fp for fp in services if fp.nxdomain] or services
        fp = nx_fps[0] if nx_fps else None
        if fp is not None and not fp.vulnerable and not fp.edge_case:
            return CNAME_DANGLING.passed(
                trail.name,
                f"{target} does not exist, but {fp.service} names cannot be claimed by others",
                evidence=evidence,
                service=fp.service,
            )
        if fp is not None and fp.edge_case:
            return CNAME_DANGLING.finding(
                "warn",
                trail.name,
                f"{trail.name} points at {target}, which does not exist ({fp.service}: review "
                "by hand whether it can be claimed)",
                evidence=evidence,
                severity="medium",
                service=fp.service,
            )
        confirmed = fp is not None and fp.nxdomain
        title = (
            f"{trail.name} points at {target} ({fp.service}), which does not exist: anyone can "
            "claim it"
            if confirmed
            else f"{trail.name} points at {target}, which does not exist"
        )
        return CNAME_DANGLING.finding(
            "fail",
            trail.name,
            title,
            evidence=evidence + (f"; fingerprint: {fp.service} NXDOMAIN" if confirmed else ""),
            severity="critical" if confirmed else "high",
            service=fp.service if fp else None,
            confirmed=confirmed,
            attribution=takeover.ATTRIBUTION if fp else None,
        )
    answers = zone.http.get(trail.name, [])
    for fp in services:
        if fp.nxdomain:
            continue
        hit = next((ex for ex in answers if fp.matches_response(ex)), None)
        if hit is None:
            continue
        what = f"HTTP {hit.status}" if fp.http_status else f"body matches {fp.pattern.pattern!r}"
        evidence_hit = f"{evidence}; GET {hit.url}: {what} ({fp.service} 'unclaimed' fingerprint)"
        if fp.vulnerable:
            return CNAME_DANGLING.finding(
                "fail",
                trail.name,
                f"{trail.name} points at an unclaimed {fp.service} resource ({target})",
                evidence=evidence_hit,
                service=fp.service,
                confirmed=True,
                attribution=takeover.ATTRIBUTION,
            )
        if fp.edge_case:
            return CNAME_DANGLING.finding(
                "warn",
                trail.name,
                f"{trail.name} may point at an unclaimed {fp.service} resource: review by hand",
                evidence=evidence_hit,
                severity="medium",
                service=fp.service,
                attribution=takeover.ATTRIBUTION,
            )
    detail = f" ({names}: no 'unclaimed' answer)" if names else ""
    return CNAME_DANGLING.passed(
        trail.name, f"{trail.name} -> {target} is live{detail}", evidence=evidence
    )


def judge_axfr(zone: ZoneObservations) -> list[Finding]:
    if zone.ns is None or not zone.ns.ok:
        why = zone.ns.rcode.value if zone.ns is not None else "not asked"
        return [AXFR_OPEN.error(zone.zone, f"no NS records for {zone.zone} ({why})")]
    findings = []
    for transfer in zone.transfers:
        subject = f"{zone.zone}@{transfer.nameserver}"
        if transfer.leaked:
            sample = "; ".join(transfer.records[:5])
            findings.append(
                AXFR_OPEN.finding(
                    "fail",
                    subject,
                    f"{transfer.nameserver} hands out the whole {zone.zone} zone "
                    f"({len(transfer.records)} records)",
                    evidence=f"AXFR {zone.zone} from {transfer.address}: {sample} ...",
                    records=len(transfer.records),
                )
            )
        elif transfer.error.startswith("not contacted"):
            findings.append(AXFR_OPEN.error(subject, transfer.error))
        else:  # REFUSED, NOTAUTH, a closed connection, a timeout, an empty answer: no data
            findings.append(
                AXFR_OPEN.passed(
                    subject,
                    f"{transfer.nameserver} refuses zone transfers",
                    evidence=f"AXFR {zone.zone} from {transfer.address}: {transfer.error}",
                )
            )
    return findings


def wildcard_answers(zone: ZoneObservations) -> list[DnsAnswer]:
    return [answer for answer in zone.wildcard.values() if answer.ok]


def judge_wildcard(zone: ZoneObservations) -> list[Finding]:
    subject = f"*.{zone.zone}"
    if not zone.wildcard:
        return [WILDCARD.skipped(subject, "no random names were asked")]
    hits = wildcard_answers(zone)
    if not any(a.answered for a in zone.wildcard.values()):
        return [WILDCARD.error(subject, "no nameserver answered the random-name queries")]
    if not hits:
        return [
            WILDCARD.passed(
                subject,
                f"random names under {zone.zone} do not exist",
                evidence=f"{len(zone.wildcard)} queries, e.g. {next(iter(zone.wildcard))}: "
                f"{next(iter(zone.wildcard.values())).rcode.value}",
            )
        ]
    evidence = "; ".join(f"{a.name} {a.rdtype}: {', '.join(a.records)}" for a in hits[:4])
    return [
        WILDCARD.finding(
            "warn",
            subject,
            f"{zone.zone} answers for random names (wildcard record)",
            evidence=evidence,
            types=sorted({a.rdtype for a in hits}),
        )
    ]


def judge_caa(zone: ZoneObservations, obs: TransportObservations) -> list[Finding]:
    """One finding for the zone when no host is covered by a CAA record: the fix is one record
    at the registrable domain, not one per host."""
    findings = []
    uncovered: list[tuple[str, str]] = []
    for host in obs.hosts:
        walk = zone.caa.get(host.name)
        if not walk:
            continue
        found = next((a for a in walk if a.ok), None)
        asked = ", ".join(f"{a.name}: {a.rcode.value}" for a in walk)
        if found is not None:
            findings.append(
                CAA_MISSING.passed(
                    host.name,
                    f"CAA restricts who may issue for {host.name}",
                    evidence=f"CAA at {found.name}: {'; '.join(found.records)}",
                )
            )
        elif all(a.answered for a in walk):
            uncovered.append((host.name, asked))
        else:
            findings.append(CAA_MISSING.error(host.name, f"CAA lookups failed: {asked}"))
    if uncovered:
        names = [name for name, _ in uncovered]
        findings.append(
            CAA_MISSING.finding(
                "warn",
                zone.zone,
                f"Any CA may issue certificates for {zone.zone} and its hosts (no CAA record)",
                evidence="no CAA at or above: " + ", ".join(names),
                hosts=names,
            )
        )
    return findings


def judge_expect(zone: ZoneObservations, cfg: Config) -> list[Finding]:
    findings = []
    for name, records in cfg.dns.expect.items():
        for record in records:
            rdtype, value = record.split(None, 1)
            rdtype = rdtype.upper()
            subject = name.rstrip(".").lower()
            answer = zone.expect.get(f"{subject} {rdtype}")
            key = {"fingerprint_key": f"{subject} {rdtype} {_normalize_record(value)}"}
            if answer is None:
                findings.append(RECORD_MISMATCH.error(subject, "not queried", **key))
                continue
            got = [_normalize_record(r) for r in answer.records]
            shown = ", ".join(answer.records) if answer.records else answer.rcode.value
            if _normalize_record(value) in got:
                findings.append(
                    RECORD_MISMATCH.passed(
                        subject,
                        f"{subject} {rdtype} is {value} as declared",
                        evidence=f"found: {shown}",
                        **key,
                    )
                )
            elif not answer.answered:
                findings.append(RECORD_MISMATCH.error(subject, f"no answer ({answer.rcode.value})"))
            else:
                findings.append(
                    RECORD_MISMATCH.finding(
                        "fail",
                        subject,
                        f"{name} {rdtype} is {shown}, expected {value}",
                        evidence=f"expected: {rdtype} {value}; found: {shown}",
                        expected=value,
                        found=list(answer.records),
                        **key,
                    )
                )
    return findings


def judge_undeclared(zone: ZoneObservations, obs: TransportObservations) -> list[Finding]:
    declared = {h.name for h in obs.hosts} | zone.infrastructure
    wild = zone.wildcard_addresses
    findings = []
    found_any = False
    for name, (a, aaaa, cname) in sorted(zone.candidates.items()):
        if name in declared or not (a.ok or aaaa.ok or cname.ok):
            continue
        values = {*a.records, *aaaa.records, *cname.records}
        if wild and values <= wild:
            continue  # only the wildcard answering
        found_any = True
        source = "zone transfer" if name in zone.from_transfer else "common-name probe"
        shown = ", ".join(sorted(values))
        findings.append(
            SUBDOMAIN_UNDECLARED.finding(
                "warn",
                name,
                f"{name} resolves but is not declared in [site]",
                evidence=f"{name}: {shown} (found by {source})",
                source=source,
            )
        )
    if not found_any:
        findings.append(
            SUBDOMAIN_UNDECLARED.passed(
                zone.zone,
                f"no undeclared subdomain of {zone.zone} found",
                evidence=f"{len(zone.candidates)} names checked, "
                f"{len(zone.from_transfer)} from a zone transfer",
            )
        )
    return findings


def judge_dnssec(zone: ZoneObservations) -> list[Finding]:
    if zone.dnskey is None:
        return []
    if zone.dnskey.ok:
        ds = "DS published" if zone.ds is not None and zone.ds.ok else "no DS seen"
        return [
            DNSSEC.passed(
                zone.zone,
                f"{zone.zone} is signed (DNSKEY present, {ds})",
                evidence=f"DNSKEY: {len(zone.dnskey.records)} key(s); {ds}",
                signed=True,
            )
        ]
    if not zone.dnskey.answered:
        return [DNSSEC.error(zone.zone, f"DNSKEY query: {zone.dnskey.rcode.value}")]
    return [
        DNSSEC.finding(
            "warn",
            zone.zone,
            f"{zone.zone} is not signed with DNSSEC (info)",
            evidence=f"DNSKEY {zone.zone}: {zone.dnskey.rcode.value}",
            signed=False,
        )
    ]


def inventory(obs: TransportObservations) -> dict:
    """Records found per host, for report.extra["dns_inventory"] (empty when not collected)."""
    return obs.inventory or {}


def judge(obs: TransportObservations, cfg: Config) -> list[Finding]:
    findings = judge_resolution(obs, cfg)
    zone = obs.zone
    if zone is None:
        return findings
    findings += judge_cnames(zone, cfg)
    findings += judge_axfr(zone)
    findings += judge_wildcard(zone)
    findings += judge_caa(zone, obs)
    findings += judge_expect(zone, cfg)
    findings += judge_undeclared(zone, obs)
    findings += judge_dnssec(zone)
    return findings
