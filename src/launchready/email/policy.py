"""An SPF record as a policy to audit (not one sender to judge): its include tree, how many DNS
lookups and void lookups it costs, how it ends (`all`), and which senders it authorizes.

Why separate from `spf.check_host`: a lint must look at every branch (an evaluation stops at the
first match), and it must tell "the record is broken" from "this client is not allowed".
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from launchready.email.spf import (
    MAX_LOOKUPS,
    MAX_VOID,
    Evaluator,
    Lookup,
    SpfError,
    SpfRecord,
    is_spf_record,
    parse_record,
)
from launchready.net.types import DnsAnswer, Rcode

MAX_DEPTH = 12  # include/redirect loops stop here (each step already costs a lookup)


@dataclass
class SpfPolicy:
    """What the audit knows about a domain's SPF: plain data, judged by checks/email.py."""

    domain: str
    answer: DnsAnswer | None = None  # the TXT answer at the domain
    records: list[str] = field(default_factory=list)  # every v=spf1 record found there
    error: str = ""  # permerror/temperror reason of the tree walk
    error_kind: str = ""  # "syntax", "multiple", "include-none", "dns", "loop"
    lookups: int = 0
    void_lookups: int = 0
    void_names: list[str] = field(default_factory=list)
    all_qualifier: str | None = None  # qualifier of the effective `all` ("+", "-", "~", "?")
    includes: list[str] = field(default_factory=list)  # every include/redirect target, in order
    senders: dict[str, SenderCheck] = field(default_factory=dict)

    @property
    def record(self) -> str | None:
        return self.records[0] if len(self.records) == 1 else None


@dataclass
class SenderCheck:
    sender: str
    authorized: bool
    how: str  # evidence: "include:_spf.x found", "192.0.2.1 -> pass" ...


class _Walker:
    def __init__(self, lookup: Lookup, policy: SpfPolicy) -> None:
        self.lookup = lookup
        self.policy = policy
        self.seen: set[str] = set()

    async def query(self, name: str, rdtype: str) -> DnsAnswer:
        answer = await self.lookup(name, rdtype)
        if answer.rcode in (Rcode.NXDOMAIN, Rcode.NODATA) or (
            answer.rcode == Rcode.NOERROR and not answer.records
        ):
            self.policy.void_lookups += 1
            self.policy.void_names.append(f"{name} {rdtype} ({answer.rcode.value})")
        return answer

    async def walk(self, domain: str, depth: int, top: bool) -> None:
        if depth > MAX_DEPTH or domain in self.seen:
            raise SpfError("permerror", f"include/redirect loop at {domain}")
        self.seen.add(domain)
        answer = await self.lookup(domain, "TXT")
        if answer.rcode not in (Rcode.NOERROR, Rcode.NODATA, Rcode.NXDOMAIN):
            raise SpfError("temperror", f"TXT {domain}: {answer.rcode.value}")
        records = [r for r in answer.records if is_spf_record(r)]
        if not records:
            if not top:
                raise SpfError("permerror", f"{domain} (included) publishes no SPF record")
            return
        if len(records) > 1:
            raise SpfError("permerror", f"{domain} publishes {len(records)} SPF records")
        record = parse_record(records[0])
        await self.terms(domain, record, depth, top)

    async def terms(self, domain: str, record: SpfRecord, depth: int, top: bool) -> None:
        for term in record.directives:
            if term.name == "all":
                if top:
                    self.policy.all_qualifier = term.qualifier
                return  # terms after `all` are dead; redirect is ignored
            if not term.queries_dns:
                continue
            self.policy.lookups += 1
            target = term.argument or domain
            if "%" in target:
                continue  # depends on the sender: counted, not resolved
            target = target.rstrip(".").lower()
            if term.name == "include":
                self.policy.includes.append(target)
                await self.walk(target, depth + 1, top=False)
            elif term.name == "a":
                await self.query(target, "A")
            elif term.name == "mx":
                await self.query(target, "MX")
            elif term.name == "exists":
                await self.query(target, "A")
        if record.redirect is not None:
            self.policy.lookups += 1
            target = (record.redirect.argument or "").rstrip(".").lower()
            if "%" not in target:
                self.policy.includes.append(target)
                await self.walk(target, depth + 1, top=False)
                # the redirect target's `all` becomes this domain's ending
                if top and self.policy.all_qualifier is None:
                    self.policy.all_qualifier = await self._ending(target)

    async def _ending(self, domain: str) -> str | None:
        answer = await self.lookup(domain, "TXT")
        records = [r for r in answer.records if is_spf_record(r)]
        if len(records) != 1:
            return None
        try:
            record = parse_record(records[0])
        except SpfError:
            return None
        term = record.all_term
        return term.qualifier if term else None


async def analyse(domain: str, lookup: Lookup) -> SpfPolicy:
    """Walk the SPF tree of `domain`. Never raises for DNS or syntax problems: they are data."""
    policy = SpfPolicy(domain)
    policy.answer = await lookup(domain, "TXT")
    policy.records = [r for r in policy.answer.records if is_spf_record(r)]
    if not policy.answer.answered:
        policy.error, policy.error_kind = f"TXT lookup: {policy.answer.rcode.value}", "dns"
        return policy
    if len(policy.records) > 1:
        policy.error = f"{len(policy.records)} SPF records; exactly one is allowed"
        policy.error_kind = "multiple"
        return policy
    if not policy.records:
        return policy
    walker = _Walker(lookup, policy)
    try:
        await walker.walk(domain, 0, top=True)
    except SpfError as exc:
        policy.error = exc.why
        if exc.result == "temperror":
            policy.error_kind = "dns"
        elif "loop" in exc.why:
            policy.error_kind = "loop"
        elif "publishes no SPF" in exc.why:
            policy.error_kind = "include-none"
        else:
            policy.error_kind = "syntax"
    return policy


async def check_sender(domain: str, sender: str, policy: SpfPolicy, lookup: Lookup) -> SenderCheck:
    """Is `sender` (an IP, a network, or a provider's include name) authorized by `domain`?

    A name counts when the domain's tree includes it; otherwise its addresses are evaluated with
    check_host as if they sent mail for the domain (all of them must pass)."""
    sender = sender.strip().rstrip(".").lower()
    try:
        network = ipaddress.ip_network(sender, strict=False)
    except ValueError:
        network = None
    evaluator = Evaluator(lookup)
    mail_from = f"postmaster@{domain}"
    if network is not None:
        address = str(network.network_address)
        result = await evaluator.check_host(address, mail_from, domain)
        return SenderCheck(sender, result.result == "pass", f"{address} -> {result.result}")
    if sender in policy.includes:
        return SenderCheck(sender, True, f"include:{sender} is in the SPF tree of {domain}")
    addresses: list[str] = []
    for rdtype in ("A", "AAAA"):
        answer = await lookup(sender, rdtype)
        addresses.extend(answer.records)
    if not addresses:
        return SenderCheck(
            sender, False, f"{sender} is not included by {domain} and has no addresses to test"
        )
    verdicts = []
    for address in addresses[:10]:
        result = await evaluator.check_host(address, mail_from, domain)
        verdicts.append(f"{address} -> {result.result}")
        if result.result != "pass":
            return SenderCheck(sender, False, "; ".join(verdicts))
    return SenderCheck(sender, True, "; ".join(verdicts))


__all__ = ["MAX_LOOKUPS", "MAX_VOID", "SenderCheck", "SpfPolicy", "analyse", "check_sender"]
