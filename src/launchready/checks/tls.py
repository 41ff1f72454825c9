"""TLS checks over recorded probes: the certificate as presented, judged with `cryptography`.

The strict handshake's verdict says whether anything is wrong; the parsed chain says what.
Pure: the probes were made by the collector.
"""

from __future__ import annotations

from launchready.checks.certinfo import (
    chain_summary,
    common_name,
    covers_host,
    describe,
    is_self_signed,
    iso,
    san_names,
)
from launchready.config import Config
from launchready.net import TlsProbe
from launchready.observe.transport import TransportObservations, https_port, variant_urls
from launchready.report import Finding, check

# OpenSSL X509_V_ERR_* codes we classify on.
X509_SELF_SIGNED_IN_CHAIN = 19
X509_DEPTH_ZERO_SELF_SIGNED = 18

MISSING = check(
    "tls.missing",
    "A public host does not serve HTTPS",
    "high",
    1,
    "Serve HTTPS on port 443 with a certificate for this name (Let's Encrypt via your platform "
    "or reverse proxy), then redirect http:// to it.",
)
EXPIRED = check(
    "tls.cert.expired",
    "Certificate expired",
    "critical",
    0,
    "Renew the certificate now and automate renewal (ACME/certbot, or the platform's managed "
    "certificates); add an expiry monitor.",
)
NOT_YET_VALID = check(
    "tls.cert.not-yet-valid",
    "Certificate not yet valid",
    "critical",
    0,
    "Check the server clock and the certificate's notBefore; reissue the certificate if it was "
    "created with a future start date.",
)
HOSTNAME_MISMATCH = check(
    "tls.cert.hostname-mismatch",
    "Certificate does not cover the host name",
    "critical",
    0,
    "Issue a certificate whose subjectAltName lists this exact host name (or a matching "
    "one-label wildcard), and make the server present it for this name (SNI).",
)
SELF_SIGNED = check(
    "tls.cert.self-signed",
    "Certificate is self-signed",
    "critical",
    0,
    "Replace the self-signed certificate with one from a public CA (Let's Encrypt is free).",
)
UNTRUSTED_ROOT = check(
    "tls.cert.untrusted-root",
    "Certificate chain ends at an untrusted root",
    "critical",
    0,
    "Use a certificate from a publicly trusted CA; a private CA's root is not in your users' "
    "trust stores.",
)

CERT_CHECKS = (EXPIRED, NOT_YET_VALID, HOSTNAME_MISMATCH, SELF_SIGNED, UNTRUSTED_ROOT)


def _judge_certificate(
    subject: str, host: str, probe: TlsProbe, obs: TransportObservations
) -> list[Finding]:
    chain = probe.certificates
    leaf = chain[0]
    evidence = f"{describe(leaf)}; chain as presented: {chain_summary(chain)}"
    if not probe.verified:
        evidence += f"; verification: {probe.verify_message} (code {probe.verify_code})"
    findings: list[Finding] = []
    now = obs.observed_at

    if leaf.not_valid_after_utc < now:
        days = (now - leaf.not_valid_after_utc).days
        findings.append(
            EXPIRED.finding(
                "fail",
                subject,
                f"Certificate expired {days} days ago",
                evidence=evidence,
                not_after=iso(leaf.not_valid_after_utc),
            )
        )
    else:
        findings.append(
            EXPIRED.passed(subject, evidence=f"notAfter={iso(leaf.not_valid_after_utc)}")
        )

    if leaf.not_valid_before_utc > now:
        findings.append(
            NOT_YET_VALID.finding(
                "fail",
                subject,
                f"Certificate not valid before {iso(leaf.not_valid_before_utc)}",
                evidence=evidence,
            )
        )
    else:
        findings.append(NOT_YET_VALID.passed(subject))

    if covers_host(leaf, host):
        findings.append(HOSTNAME_MISMATCH.passed(subject))
    else:
        names = san_names(leaf)
        if names is None:
            title = (
                f"Certificate has no subjectAltName (CN={common_name(leaf.subject)} is not "
                f"accepted by browsers)"
            )
        else:
            listed = ", ".join([*names[0], *names[1]]) or "nothing"
            title = f"Certificate is for {listed}, not {host}"
        findings.append(HOSTNAME_MISMATCH.finding("fail", subject, title, evidence=evidence))

    self_signed = is_self_signed(leaf)
    if self_signed and not probe.verified:
        findings.append(SELF_SIGNED.finding("fail", subject, evidence=evidence))
    else:
        findings.append(SELF_SIGNED.passed(subject))

    top = chain[-1]
    untrusted = (
        not probe.verified
        and not self_signed
        and (
            probe.verify_code == X509_SELF_SIGNED_IN_CHAIN
            or (len(chain) > 1 and is_self_signed(top) and probe.verify_code not in (10, 9, 62))
        )
    )
    if untrusted:
        findings.append(
            UNTRUSTED_ROOT.finding(
                "fail",
                subject,
                f"Chain ends at CN={common_name(top.subject)}, which is not trusted",
                evidence=evidence,
            )
        )
    elif probe.verified:
        findings.append(UNTRUSTED_ROOT.passed(subject))
    return findings


def judge(obs: TransportObservations, cfg: Config) -> list[Finding]:
    findings: list[Finding] = []
    for host in obs.hosts:
        port = https_port(cfg, host)
        subject = f"{host.name}:{port}"
        probe = obs.tls.get(subject)
        if probe is None:
            why = "the host does not resolve" if not obs.reachable(host.name) else "not probed"
            findings.append(MISSING.skipped(subject, why))
            continue
        if not probe.handshake_ok:
            http_url, _ = variant_urls(cfg, host)
            http_chain = obs.chains.get(http_url)
            serves_http = bool(http_chain and http_chain.hops and http_chain.hops[0].status)
            if serves_http or probe.error.startswith(("protocol", "tls")):
                findings.append(
                    MISSING.finding(
                        "fail",
                        subject,
                        f"{host.name} does not serve HTTPS on port {port}",
                        evidence=probe.error,
                    )
                )
            else:
                findings.append(MISSING.error(subject, probe.error or "no TLS handshake"))
            continue
        findings.append(MISSING.passed(subject, evidence=f"{probe.protocol} {probe.cipher}"))
        if not probe.chain:
            findings.append(EXPIRED.error(subject, "the server presented no certificate"))
            continue
        findings.extend(_judge_certificate(subject, host.name, probe, obs))
    return findings
