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
    key_description,
    san_names,
    signature_hash,
)
from launchready.checks.neterrors import public_error
from launchready.config import Config
from launchready.net import TlsProbe
from launchready.observe.transport import TransportObservations, https_port, variant_urls
from launchready.report import Finding, check

# OpenSSL X509_V_ERR_* codes we classify on.
X509_UNABLE_TO_GET_ISSUER_CERT = 2
X509_SELF_SIGNED_IN_CHAIN = 19
X509_DEPTH_ZERO_SELF_SIGNED = 18
X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20
ISSUER_UNKNOWN = (X509_UNABLE_TO_GET_ISSUER_CERT, X509_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
EXPIRY_WARN_DAYS = 30
EXPIRY_FAIL_DAYS = 7
MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_HASHES = ("sha1", "md5", "md2", "md4")
# Errors that mean our own OpenSSL could not offer the pinned version: "could not test".
LOCAL_LIMITS = ("unsupported", "NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "no protocols")

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

INCOMPLETE_CHAIN = check(
    "tls.cert.incomplete-chain",
    "The server omits an intermediate certificate",
    "high",
    0,
    "Serve the full chain (leaf followed by every intermediate: the CA's 'fullchain.pem'), not "
    "the leaf alone. Browsers may repair the chain; API clients, curl and mobile apps fail.",
)
EXPIRING_SOON = check(
    "tls.cert.expiring-soon",
    "Certificate expires soon",
    "high",
    0,
    "Renew now and check that automatic renewal (ACME/certbot timer, platform-managed "
    "certificates) really runs; add an expiry monitor that alerts 14 days ahead.",
)
WEAK_KEY = check(
    "tls.cert.weak-key",
    "Certificate key is too weak",
    "high",
    3,
    "Reissue with an RSA 2048+ (3072 preferred) or ECDSA P-256+ key.",
)
WEAK_SIGNATURE = check(
    "tls.cert.weak-signature",
    "Certificate signed with SHA-1 or MD5",
    "high",
    1,
    "Reissue the certificate (and any intermediate) with a SHA-256 signature; SHA-1 and MD5 "
    "signatures can be forged and are refused by browsers.",
)
LEGACY_PROTOCOL = check(
    "tls.protocol.legacy",
    "TLS 1.0 or 1.1 is accepted",
    "medium",
    3,
    "Disable TLS 1.0 and 1.1 (nginx `ssl_protocols TLSv1.2 TLSv1.3;`, or the platform's minimum "
    "TLS version setting).",
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
            EXPIRED.passed(
                subject,
                "Certificate has not expired",
                evidence=f"notAfter={iso(leaf.not_valid_after_utc)}",
            )
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
        findings.append(NOT_YET_VALID.passed(subject, "Certificate validity has started"))

    if covers_host(leaf, host):
        findings.append(HOSTNAME_MISMATCH.passed(subject, f"Certificate covers {host}"))
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
        findings.append(SELF_SIGNED.passed(subject, "Certificate is issued by a CA"))

    top = chain[-1]
    issuer_presented = any(c.subject == leaf.issuer for c in chain[1:])
    incomplete = (
        not probe.verified
        and not self_signed
        and probe.verify_code in ISSUER_UNKNOWN
        and not issuer_presented
    )
    untrusted = (
        not probe.verified
        and not self_signed
        and not incomplete
        and (
            probe.verify_code == X509_SELF_SIGNED_IN_CHAIN
            or (len(chain) > 1 and is_self_signed(top) and probe.verify_code not in (10, 9, 62))
            or (probe.verify_code in ISSUER_UNKNOWN and issuer_presented)
        )
    )
    if incomplete:
        findings.append(
            INCOMPLETE_CHAIN.finding(
                "warn",
                subject,
                f"The server sends {len(chain)} certificate(s) but not the issuer of the leaf "
                f"(CN={common_name(leaf.issuer)})",
                evidence=evidence + _aia_hint(leaf),
                missing_issuer=leaf.issuer.rfc4514_string(),
            )
        )
    else:  # any other verdict means OpenSSL did build the chain
        findings.append(
            INCOMPLETE_CHAIN.passed(
                subject, "The chain builds", evidence=f"chain: {chain_summary(chain)}"
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
        findings.append(UNTRUSTED_ROOT.passed(subject, "Chain ends at a trusted root"))
    findings.append(_judge_expiry(subject, leaf, now, evidence))
    findings.append(_judge_key(subject, chain, evidence))
    findings.append(_judge_signature(subject, chain, evidence))
    return findings


def _aia_hint(leaf) -> str:
    from cryptography import x509
    from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

    try:
        aia = leaf.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    except x509.ExtensionNotFound:
        return ""
    urls = [
        d.access_location.value
        for d in aia.value
        if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
    ]
    return f"; the leaf names its issuer at {', '.join(urls)}" if urls else ""


def _judge_expiry(subject: str, leaf, now, evidence: str) -> Finding:
    not_after = leaf.not_valid_after_utc
    if not_after < now:
        return EXPIRING_SOON.skipped(subject, "already expired (see tls.cert.expired)")
    left = not_after - now
    days = left.days
    fields = {"not_after": iso(not_after), "days_left": days}
    if days < EXPIRY_FAIL_DAYS:
        return EXPIRING_SOON.finding(
            "fail", subject, f"Certificate expires in {days} days", evidence=evidence, **fields
        )
    if days < EXPIRY_WARN_DAYS:
        return EXPIRING_SOON.finding(
            "warn",
            subject,
            f"Certificate expires in {days} days",
            evidence=evidence,
            severity="medium",
            **fields,
        )
    return EXPIRING_SOON.passed(
        subject, f"Certificate valid for {days} more days", evidence=f"notAfter={iso(not_after)}"
    )


def _issued(chain) -> list:
    """The certificates whose own key and signature matter: all but a self-signed root."""
    return [c for i, c in enumerate(chain) if i == 0 or not is_self_signed(c)]


def _judge_key(subject: str, chain, evidence: str) -> Finding:
    weak = []
    for cert in _issued(chain):
        kind, bits = key_description(cert)
        minimum = MIN_RSA_BITS if kind in ("RSA", "DSA") else MIN_EC_BITS
        if kind.startswith(("RSA", "DSA", "EC")) and bits < minimum:
            weak.append(f"CN={common_name(cert.subject)}: {kind} {bits} bits")
    if weak:
        return WEAK_KEY.finding(
            "fail", subject, f"Weak key: {'; '.join(weak)}", evidence=evidence, keys=weak
        )
    kind, bits = key_description(chain[0])
    return WEAK_KEY.passed(subject, f"Key {kind} {bits} bits", evidence=f"key={kind} {bits}")


def _judge_signature(subject: str, chain, evidence: str) -> Finding:
    weak = []
    for cert in _issued(chain):
        algorithm = signature_hash(cert)
        if algorithm in WEAK_HASHES:
            weak.append(f"CN={common_name(cert.subject)}: {algorithm.upper()}")
    if weak:
        return WEAK_SIGNATURE.finding(
            "fail", subject, f"Weak signature: {'; '.join(weak)}", evidence=evidence
        )
    return WEAK_SIGNATURE.passed(
        subject,
        "No SHA-1 or MD5 signature in the chain",
        evidence=f"signatures: {', '.join(signature_hash(c) for c in _issued(chain))}",
    )


def _legacy_outcome(probe: TlsProbe) -> str:
    """'accepted', 'refused', 'untestable' (our OpenSSL cannot offer it) or 'error'."""
    if probe.handshake_ok:
        return "accepted"
    if any(mark in probe.error for mark in LOCAL_LIMITS):
        return "untestable"
    if probe.error.startswith(("protocol:", "tls:")):
        return "refused"
    return "error"


def judge_legacy(subject: str, probes: dict[str, TlsProbe], modern_error: str = "") -> Finding:
    outcomes = {version: _legacy_outcome(p) for version, p in probes.items()}
    shown = "; ".join(
        f"{v}: {o}"
        + (f" ({public_error(probes[v].error)})" if probes[v].error else f" ({probes[v].cipher})")
        for v, o in outcomes.items()
    )
    accepted = [v for v, o in outcomes.items() if o == "accepted"]
    if accepted and modern_error:
        return LEGACY_PROTOCOL.finding(
            "fail",
            subject,
            f"Only {' and '.join(accepted)} accepted: current browsers and clients cannot connect",
            evidence=f"{shown}; TLS 1.2+: {modern_error}",
            severity="high",
            tier=0,
            versions=accepted,
        )
    if accepted:
        return LEGACY_PROTOCOL.finding(
            "warn",
            subject,
            f"{' and '.join(accepted)} accepted",
            evidence=shown,
            versions=accepted,
        )
    untestable = [v for v, o in outcomes.items() if o in ("untestable", "error")]
    if untestable:
        return LEGACY_PROTOCOL.error(
            subject, f"could not test {', '.join(untestable)}", evidence=shown
        )
    return LEGACY_PROTOCOL.passed(subject, "TLS 1.0 and 1.1 refused", evidence=shown)


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
        legacy = obs.legacy_tls.get(subject) or {}
        legacy_ok = [p for p in legacy.values() if p.handshake_ok]
        if not probe.handshake_ok and legacy_ok:
            # Only TLS 1.0/1.1 is served: modern clients cannot connect at all.
            findings.append(
                MISSING.passed(
                    subject,
                    f"HTTPS served on port {port}, legacy versions only",
                    evidence=f"served only over {legacy_ok[-1].protocol}",
                )
            )
            findings.append(judge_legacy(subject, legacy, modern_error=public_error(probe.error)))
            if legacy_ok[-1].chain:
                findings.extend(_judge_certificate(subject, host.name, legacy_ok[-1], obs))
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
                        evidence=public_error(probe.error),
                    )
                )
            else:
                findings.append(
                    MISSING.error(subject, public_error(probe.error) or "no TLS handshake")
                )
            continue
        findings.append(
            MISSING.passed(
                subject, f"HTTPS served on port {port}", evidence=f"{probe.protocol} {probe.cipher}"
            )
        )
        if not probe.chain:
            findings.append(EXPIRED.error(subject, "the server presented no certificate"))
            continue
        findings.extend(_judge_certificate(subject, host.name, probe, obs))
        if legacy:
            findings.append(judge_legacy(subject, legacy))
    return findings
