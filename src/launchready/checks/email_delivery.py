"""Judging the live delivery check (`email.delivery.*`). Pure: reads the DeliveryReport only.

Tier 2 throughout: when invites and password resets do not reach an inbox, the team learns it
from users, late.
"""

from __future__ import annotations

from launchready.config import Config
from launchready.email.delivery import DeliveryReport
from launchready.observe.email import EmailObservations
from launchready.report import Finding, check

SENT = check(
    "email.delivery.send",
    "The relay did not accept the test message",
    "high",
    2,
    "Check [email.smtp]: host and port, STARTTLS, the credentials in the environment, and that "
    "the relay allows this From address.",
)
ARRIVED = check(
    "email.delivery.arrival",
    "The test message did not arrive in the mailbox",
    "high",
    2,
    "Follow the message in the relay's logs (queued, bounced, rejected?) and check the "
    "recipient's filters; make sure [email.imap] points at the recipient's mailbox.",
)
SPAM = check(
    "email.delivery.spam",
    "The test message landed in the spam folder",
    "high",
    2,
    "Make SPF pass and align, sign with DKIM under the From domain, publish DMARC, and avoid "
    "spam-like content; then re-run the check.",
)
DKIM = check(
    "email.delivery.dkim",
    "The delivered message has no valid, aligned DKIM signature",
    "high",
    2,
    "Have the relay sign with a key published under the From domain (d= equal to or a parent of "
    "it), and make sure nothing alters the message after signing (footers, rewriting gateways).",
)
SPF = check(
    "email.delivery.spf",
    "SPF does not pass and align for the delivered message",
    "medium",
    2,
    "Authorize the relay in the SPF record of the bounce (Return-Path) domain, and use a bounce "
    "domain under the From domain so SPF aligns for DMARC.",
)
DMARC = check(
    "email.delivery.dmarc",
    "The delivered message fails DMARC",
    "high",
    2,
    "DMARC passes when DKIM or SPF passes AND aligns with the From domain: fix the DKIM "
    "signature domain or the bounce domain.",
)
RETURN_PATH = check(
    "email.delivery.return-path",
    "Bounce (Return-Path) domain",
    "low",
    2,
    "Use a Return-Path under your own domain (a custom bounce or MAIL FROM domain at your "
    "provider) so bounces reach you and SPF aligns.",
)


def judge_delivery(obs: EmailObservations, cfg: Config) -> list[Finding]:
    report = obs.delivery
    relay = f"{cfg.email.smtp.host}:{cfg.email.smtp.port}" if cfg.email.smtp else "relay"
    if not isinstance(report, DeliveryReport):
        why = obs.delivery_error or "the delivery check did not run"
        return [SENT.error(relay, why)]
    out: list[Finding] = []
    if not report.sent.ok:
        out.append(
            SENT.finding(
                "fail",
                report.relay,
                f"The relay refused the test message at the {report.sent.stage} stage",
                evidence=report.sent.detail,
                stage=report.sent.stage,
            )
        )
        return [*out, ARRIVED.skipped(report.mailbox, "the message was not sent")]
    out.append(SENT.passed(report.relay, "The relay accepted the test message", probe=report.token))
    fetched = report.fetched
    subject = f"{report.recipient} ({report.mailbox})"
    if fetched is None or not fetched.found:
        if fetched is not None and fetched.error:
            out.append(ARRIVED.error(subject, f"could not read the mailbox: {fetched.error}"))
        else:
            out.append(
                ARRIVED.finding(
                    "fail",
                    subject,
                    f"The test message did not arrive within {cfg.email.imap.wait:g}s",
                    evidence="searched: "
                    + ", ".join(fetched.folders_searched if fetched else [])
                    + f"; probe {report.token}",
                )
            )
        return out
    out.append(
        ARRIVED.passed(
            subject,
            f"The test message arrived in {fetched.folder} after {fetched.waited_s:g}s",
            folder=fetched.folder,
            waited_s=fetched.waited_s,
        )
    )
    if report.in_spam:
        out.append(
            SPAM.finding(
                "fail",
                subject,
                f"The test message landed in {fetched.folder}",
                evidence="; ".join(report.authentication_results) or "no Authentication-Results",
                folder=fetched.folder,
            )
        )
    else:
        out.append(SPAM.passed(subject, f"The test message landed in {fetched.folder}"))
    out.append(_dkim(report, subject))
    out.append(_spf(report, subject))
    out.append(_dmarc(report, subject))
    out.append(_return_path(report, subject))
    return out


def _receiver(report: DeliveryReport, method: str) -> dict:
    verdict = report.receiver_verdicts.get(method)
    return {"receiver_verdict": verdict} if verdict else {}


def _dkim(report: DeliveryReport, subject: str) -> Finding:
    fields = {
        "signatures": [
            {"d": d.domain, "s": d.selector, "verified": d.verified, "aligned": d.aligned}
            for d in report.dkim
        ],
        **_receiver(report, "dkim"),
    }
    evidence = "; ".join(f"d={d.domain} s={d.selector}: {d.detail}" for d in report.dkim)
    if report.authentication_results:
        evidence += " | receiver: " + "; ".join(report.authentication_results)
    if not report.dkim:
        return DKIM.finding(
            "fail", subject, "The delivered message carries no DKIM signature", **fields
        )
    if not report.dkim_pass:
        return DKIM.finding(
            "fail",
            subject,
            "The DKIM signature of the delivered message does not verify",
            evidence=evidence,
            **fields,
        )
    if not report.dkim_aligned_pass:
        return DKIM.finding(
            "warn",
            subject,
            f"DKIM verifies but d= does not align with the From domain {report.from_domain}",
            evidence=evidence,
            **fields,
        )
    return DKIM.passed(subject, "DKIM verifies and aligns with From", evidence=evidence, **fields)


def _spf(report: DeliveryReport, subject: str) -> Finding:
    fields = {
        "spf_result": report.spf_result,
        "client_ip": report.client_ip,
        "aligned": report.spf_aligned,
        **_receiver(report, "spf"),
    }
    evidence = (
        f"Return-Path domain {report.return_path_domain or '?'}, relay address "
        f"{report.client_ip or '?'}: spf={report.spf_result or 'not evaluated'}; "
        f"From domain {report.from_domain}, aspf={report.aspf}"
    )
    if not report.client_ip:
        return SPF.skipped(subject, "no Received header names the relay's address", **fields)
    if report.spf_result != "pass":
        return SPF.finding(
            "fail",
            subject,
            f"SPF for the bounce domain gives {report.spf_result} for the relay",
            evidence=evidence,
            **fields,
        )
    if not report.spf_aligned:
        return SPF.finding(
            "warn", subject, "SPF passes but does not align with From", evidence=evidence, **fields
        )
    return SPF.passed(subject, "SPF passes and aligns with From", evidence=evidence, **fields)


def _dmarc(report: DeliveryReport, subject: str) -> Finding:
    fields = {"policy": report.dmarc_policy, **_receiver(report, "dmarc")}
    evidence = (
        f"DKIM aligned pass: {report.dkim_aligned_pass}; SPF aligned pass: "
        f"{report.spf_result == 'pass' and report.spf_aligned}; "
        f"policy p={report.dmarc_policy or '-'}"
    )
    if report.dmarc_pass:
        return DMARC.passed(
            subject, "The delivered message passes DMARC", evidence=evidence, **fields
        )
    return DMARC.finding(
        "fail",
        subject,
        "The delivered message fails DMARC: neither DKIM nor SPF passes aligned with From",
        evidence=evidence,
        **fields,
    )


def _return_path(report: DeliveryReport, subject: str) -> Finding:
    from launchready.email.dmarc import org_domain

    domain = report.return_path_domain
    fields = {"return_path": report.return_path, "bounce_domain": domain}
    if not domain:
        return RETURN_PATH.finding(
            "warn", subject, "The delivered message has no Return-Path", **fields
        )
    if org_domain(domain) != org_domain(report.from_domain):
        return RETURN_PATH.finding(
            "warn",
            subject,
            f"Bounces go to {domain}, outside the From domain {report.from_domain}",
            **fields,
        )
    return RETURN_PATH.passed(subject, f"Bounces go to {domain}", **fields)
