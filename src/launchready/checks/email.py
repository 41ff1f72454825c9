"""Email authentication checks (CONTRACT §5 `email.*`). Pure: judges EmailObservations only.

Operational mail (invites, password resets, approvals) must reach inboxes: SPF must authorize the
right senders and only them, DKIM must sign with a sound key, DMARC must exist and enforce.
"""

from __future__ import annotations

from launchready.config import Config
from launchready.email.dkim import GOOD_RSA_BITS, MIN_RSA_BITS, parse_key_record
from launchready.email.dmarc import (
    RFC7489,
    RFC9989,
    DmarcReading,
    differences,
    is_dmarc_record,
    read_7489,
    read_9989,
)
from launchready.email.policy import MAX_LOOKUPS, MAX_VOID
from launchready.net import DnsAnswer, Rcode
from launchready.observe.email import DmarcAnswers, EmailObservations
from launchready.report import Finding, check

SPF_MISSING = check(
    "email.spf.missing",
    "The mail domain publishes no SPF record",
    "high",
    2,
    'Publish one TXT record at the mail domain: "v=spf1 include:<your provider> -all", listing '
    "every service that sends mail as this domain.",
)
SPF_INVALID = check(
    "email.spf.invalid",
    "The SPF record is invalid",
    "high",
    2,
    "Keep exactly one v=spf1 TXT record; fix the syntax error (receivers treat a broken record as "
    "permerror, which fails DMARC's SPF leg for every message).",
)
SPF_LOOKUPS = check(
    "email.spf.lookups",
    "The SPF record needs too many DNS lookups",
    "high",
    2,
    "Bring the record to at most 10 DNS-querying terms (include, a, mx, ptr, exists, redirect) and "
    "at most 2 that find nothing: drop unused includes, replace a/mx with ip4/ip6 ranges.",
)
SPF_PERMISSIVE = check(
    "email.spf.permissive",
    "SPF lets any server send as the domain",
    "high",
    1,
    "End the record with -all (or ~all while rolling out), never +all or ?all, and never leave "
    "`all` out.",
)
SPF_SENDER = check(
    "email.spf.sender-missing",
    "A configured sending service is not authorized by SPF",
    "high",
    2,
    "Add the service to the SPF record (its include: name or its ip4:/ip6: ranges) so its mail "
    "passes SPF for the domain.",
)
DMARC_MISSING = check(
    "email.dmarc.missing",
    "The mail domain publishes no DMARC record",
    "high",
    2,
    'Publish a TXT record at _dmarc.<domain>: "v=DMARC1; p=quarantine; '
    'rua=mailto:dmarc@<domain>" (start with p=none for a short observation phase only).',
)
DMARC_INVALID = check(
    "email.dmarc.invalid",
    "The DMARC record is malformed",
    "high",
    2,
    "Publish exactly one record starting with v=DMARC1, p= second, valid tag values, and mailto: "
    "report URIs.",
)
DMARC_NONE = check(
    "email.dmarc.policy-none",
    "DMARC policy is none: spoofed mail is still delivered",
    "medium",
    2,
    "Once reports (rua) show your own mail passes, move to p=quarantine, then p=reject; set sp= "
    "as strict for subdomains.",
)
DMARC_RUA = check(
    "email.dmarc.rua-missing",
    "DMARC asks for no aggregate reports",
    "low",
    2,
    "Add rua=mailto:<mailbox> so you learn who sends as your domain and whether your mail passes.",
)
DMARC_CONSENT = check(
    "email.dmarc.report-consent",
    "A DMARC report address outside the domain has not agreed to receive reports",
    "medium",
    2,
    'Publish TXT "v=DMARC1" at <domain>._report._dmarc.<report domain> (your DMARC report '
    "provider documents it), or receivers will not send the reports there.",
)
DMARC_DIFFER = check(
    "email.dmarc.readings-differ",
    "RFC 7489 and DMARCbis (RFC 9989) read the DMARC record differently",
    "low",
    4,
    "Write the record so both RFCs agree: v=DMARC1 first, p= second and explicit, no pct/rf/ri.",
)
DKIM_MISSING = check(
    "email.dkim.missing",
    "A DKIM selector has no usable key",
    "high",
    2,
    "Publish the selector's public key at <selector>._domainkey.<domain> (your provider gives the "
    "exact TXT value; keys over 255 bytes are split into several strings in one record).",
)
DKIM_WEAK = check(
    "email.dkim.weak-key",
    "A DKIM key is too weak",
    "high",
    2,
    "Rotate to a 2048-bit RSA (or ed25519 alongside RSA) key, sign with sha256, and retire the old "
    "selector.",
)
DKIM_TESTING = check(
    "email.dkim.testing",
    "A DKIM key is in testing mode (t=y)",
    "low",
    4,
    "Remove t=y from the key record once signing works: verifiers may ignore failures in test "
    "mode.",
)
MX_MISSING = check(
    "email.mx.missing",
    "The mail domain has no MX record",
    "medium",
    2,
    "Publish MX records for the domain so replies and bounces to its addresses can be delivered.",
)
MTA_STS = check(
    "email.mta-sts.present",
    "MTA-STS policy record",
    "info",
    3,
    'Publish "_mta-sts.<domain> TXT v=STSv1; id=<n>" and the policy at '
    "https://mta-sts.<domain>/.well-known/mta-sts.txt to require TLS for inbound mail.",
)
TLS_RPT = check(
    "email.tls-rpt.present",
    "SMTP TLS reporting record",
    "info",
    3,
    'Publish "_smtp._tls.<domain> TXT v=TLSRPTv1; rua=mailto:<mailbox>" to hear about TLS '
    "delivery failures.",
)


def _why_absent(answer: DnsAnswer | None) -> str:
    if answer is None:
        return "not queried"
    if answer.rcode == Rcode.NXDOMAIN:
        return f"{answer.name} does not exist (NXDOMAIN)"
    if answer.rcode == Rcode.NODATA:
        return f"{answer.name} exists but has no {answer.rdtype} record (NODATA)"
    if answer.rcode == Rcode.NOERROR:
        return f"{answer.name} has {answer.rdtype} records, none of the right kind"
    return f"{answer.name} {answer.rdtype}: {answer.rcode.value} {answer.error}".strip()


def _failed(answer: DnsAnswer | None) -> bool:
    return answer is not None and not answer.answered


# -- SPF --------------------------------------------------------------------------------------
def judge_spf(obs: EmailObservations, cfg: Config) -> list[Finding]:
    domain = obs.domain or ""
    policy = obs.spf
    if policy is None:
        return []
    out: list[Finding] = []
    ids = (SPF_MISSING, SPF_INVALID, SPF_LOOKUPS, SPF_PERMISSIVE)
    if _failed(policy.answer):
        return [spec.error(domain, _why_absent(policy.answer)) for spec in ids]
    if not policy.records:
        out.append(SPF_MISSING.finding("fail", domain, evidence=_why_absent(policy.answer)))
        out += [s.skipped(domain, "no SPF record") for s in ids[1:]]
        return out
    out.append(SPF_MISSING.passed(domain, evidence=" | ".join(policy.records)))
    evidence = " | ".join(policy.records)
    if policy.error and policy.error_kind != "dns":
        out.append(
            SPF_INVALID.finding(
                "fail",
                domain,
                f"The SPF record of {domain} is invalid: {policy.error}",
                evidence=evidence,
                reason=policy.error_kind,
            )
        )
    elif policy.error:
        out.append(SPF_INVALID.error(domain, policy.error, evidence=evidence))
    else:
        out.append(SPF_INVALID.passed(domain, evidence=evidence))
    counts = dict(lookups=policy.lookups, void_lookups=policy.void_lookups)
    if policy.error_kind in ("syntax", "multiple"):
        out.append(SPF_LOOKUPS.skipped(domain, "the record is invalid", **counts))
    elif policy.lookups > MAX_LOOKUPS or policy.void_lookups > MAX_VOID:
        parts = []
        if policy.lookups > MAX_LOOKUPS:
            parts.append(f"{policy.lookups} DNS-querying terms (limit {MAX_LOOKUPS})")
        if policy.void_lookups > MAX_VOID:
            parts.append(
                f"{policy.void_lookups} void lookups (limit {MAX_VOID}): "
                + ", ".join(policy.void_names)
            )
        out.append(
            SPF_LOOKUPS.finding(
                "fail",
                domain,
                f"SPF for {domain} needs " + " and ".join(parts) + ": receivers return permerror",
                evidence=evidence,
                **counts,
            )
        )
    else:
        out.append(
            SPF_LOOKUPS.passed(
                domain,
                f"SPF for {domain} needs {policy.lookups} lookups, {policy.void_lookups} void",
                **counts,
            )
        )
    out.append(_permissive(domain, policy.all_qualifier, policy.error_kind, evidence))
    out += _senders(obs, cfg)
    return out


def _permissive(domain: str, qualifier: str | None, error_kind: str, evidence: str) -> Finding:
    if error_kind in ("syntax", "multiple"):
        return SPF_PERMISSIVE.skipped(domain, "the record is invalid")
    if qualifier == "+":
        return SPF_PERMISSIVE.finding(
            "fail",
            domain,
            f"SPF for {domain} ends in +all: every server on the internet may send as it",
            evidence=evidence,
            severity="critical",
        )
    if qualifier == "?":
        return SPF_PERMISSIVE.finding(
            "warn", domain, f"SPF for {domain} ends in ?all (neutral)", evidence=evidence
        )
    if qualifier is None:
        return SPF_PERMISSIVE.finding(
            "warn",
            domain,
            f"SPF for {domain} has no `all` term: unlisted senders get neutral",
            evidence=evidence,
        )
    return SPF_PERMISSIVE.passed(domain, f"SPF for {domain} ends in {qualifier}all")


def _senders(obs: EmailObservations, cfg: Config) -> list[Finding]:
    domain = obs.domain or ""
    if not cfg.email.senders:
        return [SPF_SENDER.skipped(domain, "no [email] senders configured")]
    out = []
    policy = obs.spf
    for sender in cfg.email.senders:
        key = sender.strip().rstrip(".").lower()
        result = policy.senders.get(key) if policy else None
        subject = f"{domain} <- {key}"
        if result is None:
            out.append(SPF_SENDER.error(subject, "sender was not evaluated"))
        elif result.authorized:
            out.append(
                SPF_SENDER.passed(subject, f"{key} may send as {domain}", evidence=result.how)
            )
        else:
            out.append(
                SPF_SENDER.finding(
                    "fail",
                    subject,
                    f"{key} is not authorized by the SPF record of {domain}",
                    evidence=result.how,
                    sender=key,
                )
            )
    return out


# -- DMARC ------------------------------------------------------------------------------------
def _discover(answers: DmarcAnswers, names: list[str]) -> tuple[str | None, list[str], str]:
    """(owner name, DMARC records there, problem) for the first name publishing any."""
    for name in names:
        answer = answers.answers.get(name)
        if answer is None:
            continue
        if not answer.answered:
            return name, [], _why_absent(answer)
        records = [r for r in answer.records if is_dmarc_record(r)]
        if records:
            return name, records, ""
    return None, [], ""


def judge_dmarc(obs: EmailObservations, cfg: Config) -> list[Finding]:
    domain = obs.domain or ""
    dm = obs.dmarc
    if dm is None:
        return []
    subject = f"_dmarc.{domain}"
    found = {
        RFC7489: _discover(dm, dm.names_7489),
        RFC9989: _discover(dm, dm.names_9989),
    }
    errors = [p for _, _, p in found.values() if p]
    if errors and not any(recs for _, recs, _ in found.values()):
        return [
            DMARC_MISSING.error(subject, errors[0]),
            DMARC_INVALID.error(subject, errors[0]),
            DMARC_NONE.error(subject, errors[0]),
        ]
    if not any(recs for _, recs, _ in found.values()):
        why = _why_absent(dm.answers.get(subject))
        return [
            DMARC_MISSING.finding(
                "fail", subject, f"{domain} publishes no DMARC record", evidence=why
            ),
            DMARC_INVALID.skipped(subject, "no DMARC record"),
            DMARC_NONE.skipped(subject, "no DMARC record"),
        ]
    readings: dict[str, DmarcReading | None] = {}
    owners: dict[str, str] = {}
    multiple: list[str] = []
    for rfc, (owner, records, _) in found.items():
        owners[rfc] = owner or ""
        if len(records) > 1:
            multiple.append(f"{rfc}: {owner} has {len(records)} v=DMARC1 records (no policy)")
            readings[rfc] = None
        elif records:
            readings[rfc] = (read_7489 if rfc == RFC7489 else read_9989)(records[0])
        else:
            readings[rfc] = None
    record_text = next((recs[0] for _, recs, _ in found.values() if recs), "")
    fields = {
        "rfc7489": readings[RFC7489].summary if readings[RFC7489] else "no policy",
        "rfc9989": readings[RFC9989].summary if readings[RFC9989] else "no policy",
        "record_name_7489": owners[RFC7489],
        "record_name_9989": owners[RFC9989],
    }
    out = [
        DMARC_MISSING.passed(
            subject,
            f"{domain} publishes DMARC at {owners[RFC7489] or owners[RFC9989]}",
            evidence=record_text,
        )
    ]
    invalid = [f"{r.rfc}: {'; '.join(r.errors)}" for r in readings.values() if r and not r.valid]
    problems = multiple + invalid
    if problems:
        both_bad = all(r is None or not r.valid for r in readings.values())
        out.append(
            DMARC_INVALID.finding(
                "fail" if both_bad else "warn",
                subject,
                f"The DMARC record of {domain} is malformed"
                + ("" if both_bad else " under one RFC's reading"),
                evidence=" | ".join(problems) + f" :: {record_text}",
                **fields,
            )
        )
    else:
        out.append(DMARC_INVALID.passed(subject, evidence=record_text, **fields))
    valid = [r for r in readings.values() if r and r.valid]
    if not valid:
        out.append(DMARC_NONE.skipped(subject, "no valid DMARC record"))
    else:
        weak = [r for r in valid if r.policy == "none"]
        weak_sub = [r for r in valid if r.policy != "none" and r.subdomain_policy == "none"]
        if weak:
            out.append(
                DMARC_NONE.finding(
                    "warn",
                    subject,
                    f"DMARC for {domain} is p=none ({', '.join(r.rfc for r in weak)}): "
                    "receivers only report, spoofed mail is delivered",
                    evidence=record_text,
                    **fields,
                )
            )
        elif weak_sub:
            out.append(
                DMARC_NONE.finding(
                    "warn",
                    subject,
                    f"DMARC for {domain} enforces, but sp=none leaves its subdomains open",
                    evidence=record_text,
                    severity="low",
                    **fields,
                )
            )
        else:
            out.append(
                DMARC_NONE.passed(
                    subject, f"DMARC for {domain} is p={valid[0].policy}", evidence=record_text
                )
            )
        if any(r.rua for r in valid):
            out.append(DMARC_RUA.passed(subject, evidence=", ".join(valid[0].rua)))
        else:
            out.append(DMARC_RUA.finding("warn", subject, evidence=record_text))
    out += _consents(dm, subject)
    a, b = readings[RFC7489], readings[RFC9989]
    diffs: list[str] = []
    if a and b:
        diffs = differences(a, b)
    elif (a is None) != (b is None):
        diffs = [
            f"{RFC7489} finds {'a' if a else 'no'} policy, {RFC9989} finds {'a' if b else 'no'}"
            " policy (PSL vs tree walk discovery)"
        ]
    if owners[RFC7489] and owners[RFC9989] and owners[RFC7489] != owners[RFC9989]:
        diffs.append(f"{RFC7489} uses {owners[RFC7489]}, {RFC9989} uses {owners[RFC9989]}")
    warnings = [f"{r.rfc}: {w}" for r in (a, b) if r for w in r.warnings]
    if diffs:
        out.append(
            DMARC_DIFFER.finding(
                "warn",
                subject,
                evidence=" | ".join(diffs + warnings),
                differences=diffs,
                **fields,
            )
        )
    else:
        out.append(
            DMARC_DIFFER.passed(
                subject, "RFC 7489 and RFC 9989 agree", evidence=" | ".join(warnings), **fields
            )
        )
    return out


def _consents(dm: DmarcAnswers, subject: str) -> list[Finding]:
    out = []
    for name, answer in dm.report_consent.items():
        dest = name.split("._report._dmarc.", 1)[1]
        if not answer.answered:
            out.append(DMARC_CONSENT.error(name, _why_absent(answer)))
        elif any(is_dmarc_record(r) for r in answer.records):
            out.append(DMARC_CONSENT.passed(name, f"{dest} accepts reports for {dm.domain}"))
        else:
            out.append(
                DMARC_CONSENT.finding(
                    "warn",
                    name,
                    f"{dest} has not agreed to receive DMARC reports for {dm.domain}",
                    evidence=_why_absent(answer),
                )
            )
    return out


# -- DKIM, MX, MTA-STS, TLS-RPT ---------------------------------------------------------------
def judge_dkim(obs: EmailObservations, cfg: Config) -> list[Finding]:
    domain = obs.domain or ""
    if not obs.dkim:
        why = "no [email] dkim_selectors configured (selectors cannot be discovered from DNS)"
        hint = _dkim_hint(obs.dkim_hint)
        return [
            DKIM_MISSING.skipped(f"_domainkey.{domain}", why, evidence=hint),
            DKIM_WEAK.skipped(f"_domainkey.{domain}", why),
        ]
    out: list[Finding] = []
    for selector, answer in obs.dkim.items():
        subject = f"{selector}._domainkey.{domain}"
        if not answer.answered:
            out.append(DKIM_MISSING.error(subject, _why_absent(answer)))
            out.append(DKIM_WEAK.skipped(subject, "the key could not be read"))
            continue
        records = [r for r in answer.records if "p=" in r]
        if not records:
            out.append(
                DKIM_MISSING.finding(
                    "fail",
                    subject,
                    f"DKIM selector {selector!r} of {domain} has no key",
                    evidence=_why_absent(answer),
                )
            )
            out.append(DKIM_WEAK.skipped(subject, "no key"))
            continue
        key = parse_key_record(selector, domain, records[0])
        if key.revoked:
            out.append(
                DKIM_MISSING.finding(
                    "fail",
                    subject,
                    f"DKIM selector {selector!r} of {domain} is revoked (empty p=)",
                    evidence=key.record,
                )
            )
            out.append(DKIM_WEAK.skipped(subject, "revoked key"))
            continue
        if key.errors:
            out.append(
                DKIM_MISSING.finding(
                    "fail",
                    subject,
                    f"DKIM selector {selector!r} of {domain} has an unusable key",
                    evidence="; ".join(key.errors) + f" :: {key.record[:120]}",
                )
            )
            out.append(DKIM_WEAK.skipped(subject, "unusable key"))
            continue
        out.append(
            DKIM_MISSING.passed(subject, f"{key.key_type} key, {key.bits} bits", bits=key.bits)
        )
        out.append(_weak(key, subject))
        if key.testing:
            out.append(DKIM_TESTING.finding("warn", subject, evidence=key.record[:120]))
    return out


def _dkim_hint(answer: DnsAnswer | None) -> str:
    if answer is None:
        return ""
    if answer.rcode == Rcode.NXDOMAIN:
        return f"{answer.name} does not exist: probably no DKIM key is published (RFC 8020 hint)"
    if answer.name_exists:
        return f"{answer.name} exists: DKIM keys are probably published under some selector"
    return ""


def _weak(key, subject: str) -> Finding:
    fields = dict(key_type=key.key_type, bits=key.bits)
    if key.sha1_only:
        return DKIM_WEAK.finding(
            "fail", subject, f"DKIM key {subject} allows only sha1 (h=sha1)", **fields
        )
    if key.key_type == "rsa" and key.bits is not None and key.bits < MIN_RSA_BITS:
        return DKIM_WEAK.finding(
            "fail",
            subject,
            f"DKIM key {subject} is RSA {key.bits} bits: verifiers reject it (RFC 8301)",
            severity="critical",
            **fields,
        )
    if key.key_type == "rsa" and key.bits is not None and key.bits < GOOD_RSA_BITS:
        return DKIM_WEAK.finding(
            "warn",
            subject,
            f"DKIM key {subject} is RSA {key.bits} bits (2048 recommended)",
            severity="medium",
            **fields,
        )
    return DKIM_WEAK.passed(subject, f"{key.key_type} key of {key.bits} bits", **fields)


def judge_mx(obs: EmailObservations, cfg: Config) -> list[Finding]:
    domain = obs.domain or ""
    mx = obs.mx
    if mx is None:
        return []
    if not mx.answered:
        return [MX_MISSING.error(domain, _why_absent(mx))]
    if not mx.records:
        return [MX_MISSING.finding("fail", domain, f"{domain} has no MX", evidence=_why_absent(mx))]
    hosts = [r.split()[-1] for r in mx.records]
    if hosts == ["."]:
        return [
            MX_MISSING.finding(
                "warn",
                domain,
                f"{domain} publishes a null MX: it accepts no mail (replies and bounces are lost)",
                evidence=", ".join(mx.records),
            )
        ]
    return [MX_MISSING.passed(domain, f"{domain} has MX", evidence=", ".join(mx.records))]


def _presence(spec, answer: DnsAnswer | None, prefix: str, label: str) -> list[Finding]:
    if answer is None:
        return []
    subject = answer.name
    if not answer.answered:
        return [spec.error(subject, _why_absent(answer))]
    records = [r for r in answer.records if r.replace(" ", "").lower().startswith(prefix)]
    if len(records) == 1:
        return [spec.passed(subject, f"{label} record published", evidence=records[0])]
    if len(records) > 1:
        return [
            spec.finding(
                "warn",
                subject,
                f"{len(records)} {label} records (exactly one is allowed)",
                evidence=" | ".join(records),
                severity="low",
            )
        ]
    return [spec.finding("warn", subject, f"No {label} record", evidence=_why_absent(answer))]


def judge(obs: EmailObservations, cfg: Config) -> list[Finding]:
    if obs.domain is None:
        why = "[email] domain is not set"
        return [
            spec.skipped("email", why)
            for spec in (SPF_MISSING, DMARC_MISSING, DKIM_MISSING, MX_MISSING)
        ]
    findings = [
        *judge_spf(obs, cfg),
        *judge_dmarc(obs, cfg),
        *judge_dkim(obs, cfg),
        *judge_mx(obs, cfg),
        *_presence(MTA_STS, obs.mta_sts, "v=stsv1", "MTA-STS"),
        *_presence(TLS_RPT, obs.tls_rpt, "v=tlsrptv1", "TLS-RPT"),
    ]
    if cfg.email.smtp is not None and cfg.email.imap is not None:
        from launchready.checks.email_delivery import judge_delivery

        findings += judge_delivery(obs, cfg)
    return findings
