"""What the email checks need: the mail domain's SPF tree, DMARC records (as both RFCs discover
them), the configured DKIM selectors, MX, MTA-STS and TLS-RPT, and optionally one live delivery.

Every DNS question goes through the observer (cached, `network.nameservers` honoured); the
judging in checks/email.py never queries anything itself.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from launchready.config import Config
from launchready.email.dmarc import (
    is_dmarc_record,
    org_domain,
    report_destinations,
    tree_walk_names,
)
from launchready.email.policy import SenderCheck, SpfPolicy, analyse, check_sender
from launchready.net import DnsAnswer
from launchready.observe.observer import Observer


@dataclass
class DmarcAnswers:
    """`_dmarc` TXT answers by owner name, and the names each RFC's discovery asks, in order."""

    domain: str
    org_domain: str
    answers: dict[str, DnsAnswer] = field(default_factory=dict)
    names_7489: list[str] = field(default_factory=list)
    names_9989: list[str] = field(default_factory=list)
    # RFC 7489 §7.1 / RFC 9990: a report address outside the domain must consent at
    # <domain>._report._dmarc.<destination>; keyed by that name.
    report_consent: dict[str, DnsAnswer] = field(default_factory=dict)


@dataclass
class EmailObservations:
    domain: str | None
    spf: SpfPolicy | None = None
    dmarc: DmarcAnswers | None = None
    dkim: dict[str, DnsAnswer] = field(default_factory=dict)  # selector -> TXT answer
    # Without selectors: `_domainkey.<domain>` answers NODATA when any key exists below it and
    # NXDOMAIN when none does (RFC 8020). A hint only: some servers get this wrong.
    dkim_hint: DnsAnswer | None = None
    mx: DnsAnswer | None = None
    mta_sts: DnsAnswer | None = None
    tls_rpt: DnsAnswer | None = None
    delivery: object | None = None  # launchready.email.delivery.DeliveryReport when configured
    delivery_error: str = ""


async def collect_dmarc(observer: Observer, domain: str) -> DmarcAnswers:
    org = org_domain(domain)
    out = DmarcAnswers(domain, org)
    out.names_7489 = [f"_dmarc.{domain}"] + ([f"_dmarc.{org}"] if org != domain else [])
    out.names_9989 = [f"_dmarc.{name}" for name in tree_walk_names(domain)]
    names = list(dict.fromkeys([*out.names_7489, *out.names_9989]))
    answers = await asyncio.gather(*(observer.dns(n, "TXT") for n in names))
    out.answers = dict(zip(names, answers, strict=True))
    consent_names = []
    for answer in out.answers.values():
        for record in (r for r in answer.records if is_dmarc_record(r)):
            for dest in report_destinations(record):
                if org_domain(dest) != org:
                    consent_names.append(f"{domain}._report._dmarc.{dest}")
    consent_names = list(dict.fromkeys(consent_names))
    consents = await asyncio.gather(*(observer.dns(n, "TXT") for n in consent_names))
    out.report_consent = dict(zip(consent_names, consents, strict=True))
    return out


async def collect(observer: Observer, cfg: Config) -> EmailObservations:
    domain = (cfg.email.domain or "").rstrip(".").lower() or None
    obs = EmailObservations(domain)
    if domain is None:
        return obs

    async def lookup(name: str, rdtype: str) -> DnsAnswer:
        return await observer.dns(name, rdtype)

    async def spf() -> SpfPolicy:
        policy = await analyse(domain, lookup)
        checks: list[SenderCheck] = await asyncio.gather(
            *(check_sender(domain, s, policy, lookup) for s in cfg.email.senders)
        )
        policy.senders = {c.sender: c for c in checks}
        return policy

    selectors = list(dict.fromkeys(s.strip() for s in cfg.email.dkim_selectors if s.strip()))
    results = await asyncio.gather(
        spf(),
        collect_dmarc(observer, domain),
        lookup(domain, "MX"),
        lookup(f"_mta-sts.{domain}", "TXT"),
        lookup(f"_smtp._tls.{domain}", "TXT"),
        *(lookup(f"{s}._domainkey.{domain}", "TXT") for s in selectors),
    )
    obs.spf, obs.dmarc, obs.mx, obs.mta_sts, obs.tls_rpt = results[:5]
    obs.dkim = dict(zip(selectors, results[5:], strict=True))
    if not selectors:
        obs.dkim_hint = await lookup(f"_domainkey.{domain}", "TXT")
    if cfg.email.smtp is not None and cfg.email.imap is not None:
        from launchready.email.delivery import run_delivery_check

        try:
            obs.delivery = await run_delivery_check(observer.net, cfg.email, lookup)
        except Exception as exc:  # the check reports, it never crashes the audit
            obs.delivery_error = f"{type(exc).__name__}: {exc}"
    return obs
