"""TLS ids beyond the badssl replay: expiry windows, legacy protocols next to modern ones,
"could not test" never becoming pass, and the incomplete-chain/untrusted-root boundary."""

from __future__ import annotations

import datetime as dt

import pytest
from support.loopback import reply, serve
from support.transport import audit, by_id, make_config, status_of

from launchready.checks.tls import judge_legacy
from launchready.net import TlsProbe
from launchready.world.ca import server_context
from launchready.world.dns import DnsServer

HOST = "portal.launch.test"
SUBJECT = f"{HOST}:443"
NOW = dt.datetime.now(dt.UTC)


@pytest.fixture(scope="module")
def world_dns():
    with DnsServer({"launch.test": {HOST: [("A", "127.0.0.1")]}}) as server:
        yield server


def _tls_audit(world_dns, ctx, bundle=None):
    with serve(reply(200, b"ok"), ctx) as port:
        cfg = make_config(
            world_dns.port, connect_to=[f":443:127.0.0.1:{port}", ":80:127.0.0.1:1"], ca_file=bundle
        )
        return audit(cfg, "tls").findings


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [(3, "fail"), (20, "warn"), (45, "pass")],
)
def test_expiring_soon_windows(world_dns, ca, bundle, days_left, expected):
    cert = ca.issue([HOST], not_after=NOW + dt.timedelta(days=days_left, hours=1))
    findings = _tls_audit(world_dns, server_context(cert), bundle)
    assert status_of(findings, "tls.cert.expiring-soon", SUBJECT) == expected
    finding = by_id(findings, "tls.cert.expiring-soon", SUBJECT)[0]
    if expected != "pass":
        assert finding.extra["days_left"] == days_left
        # Evidence names dates, issuer, key and signature algorithms and the chain as presented.
        for part in ("notAfter=", "issuer CN=", "key=RSA 2048", "signature=", "chain as presented"):
            assert part in finding.evidence


def test_expired_certificate_is_not_also_expiring_soon(world_dns, ca, bundle):
    cert = ca.issue(
        [HOST], not_before=NOW - dt.timedelta(days=100), not_after=NOW - dt.timedelta(days=1)
    )
    findings = _tls_audit(world_dns, server_context(cert), bundle)
    assert status_of(findings, "tls.cert.expired", SUBJECT) == "fail"
    assert status_of(findings, "tls.cert.expiring-soon", SUBJECT) == "skipped"


def test_legacy_versions_offered_next_to_modern_ones_warn(world_dns, ca, bundle):
    ctx = server_context(ca.issue([HOST]), min_version="TLSv1")
    findings = _tls_audit(world_dns, ctx, bundle)
    assert status_of(findings, "tls.missing", SUBJECT) == "pass"
    legacy = by_id(findings, "tls.protocol.legacy", SUBJECT)[0]
    assert str(legacy.status) == "warn" and legacy.extra["versions"] == ["TLSv1", "TLSv1.1"]


def test_only_tls_1_1_and_up_flags_1_1_alone(world_dns, ca, bundle):
    ctx = server_context(ca.issue([HOST]), min_version="TLSv1.1")
    findings = _tls_audit(world_dns, ctx, bundle)
    assert by_id(findings, "tls.protocol.legacy", SUBJECT)[0].extra["versions"] == ["TLSv1.1"]


def test_modern_only_server_passes_legacy(world_dns, ca, bundle):
    findings = _tls_audit(world_dns, server_context(ca.issue([HOST])), bundle)
    assert status_of(findings, "tls.protocol.legacy", SUBJECT) == "pass"
    problems = [f for f in findings if f.is_problem and f.id.startswith("tls.")]
    assert problems == []


def _probe(version: str, **kw) -> TlsProbe:
    return TlsProbe(HOST, 443, min_version=version, max_version=version, **kw)


def test_legacy_that_cannot_be_offered_locally_is_an_error_never_a_pass():
    probes = {
        "TLSv1": _probe("TLSv1", error="unsupported: TLSv1 is not available in this OpenSSL"),
        "TLSv1.1": _probe("TLSv1.1", error="protocol: TLSV1_ALERT_PROTOCOL_VERSION: alert"),
    }
    finding = judge_legacy(SUBJECT, probes)
    assert str(finding.status) == "error" and "could not test TLSv1" in finding.title
    no_protocols = {
        "TLSv1": _probe("TLSv1", error="protocol: NO_PROTOCOLS_AVAILABLE: no protocols available"),
        "TLSv1.1": _probe("TLSv1.1", error="protocol: NO_PROTOCOLS_AVAILABLE"),
    }
    assert str(judge_legacy(SUBJECT, no_protocols).status) == "error"
    timeouts = {v: _probe(v, error="timeout: no TLS handshake") for v in ("TLSv1", "TLSv1.1")}
    assert str(judge_legacy(SUBJECT, timeouts).status) == "error"


def test_intermediate_sent_but_root_unknown_is_untrusted_not_incomplete(world_dns, ca):
    # No ca_bundle: the world's root is unknown, the intermediate IS presented (verify code 20).
    findings = _tls_audit(world_dns, server_context(ca.issue([HOST])))
    assert status_of(findings, "tls.cert.untrusted-root", SUBJECT) == "fail"
    assert status_of(findings, "tls.cert.incomplete-chain", SUBJECT) == "pass"


def test_leaf_only_self_signed_is_not_incomplete(world_dns, ca, bundle):
    findings = _tls_audit(world_dns, server_context(ca.issue([HOST], issuer="self")), bundle)
    assert status_of(findings, "tls.cert.self-signed", SUBJECT) == "fail"
    assert status_of(findings, "tls.cert.incomplete-chain", SUBJECT) == "pass"


def test_leaf_signed_by_root_directly_needs_no_intermediate(world_dns, ca, bundle):
    findings = _tls_audit(world_dns, server_context(ca.issue([HOST], issuer="root")), bundle)
    assert status_of(findings, "tls.cert.incomplete-chain", SUBJECT) == "pass"


def test_incomplete_chain_names_the_missing_issuer(world_dns, ca, bundle):
    ctx = server_context(ca.issue([HOST]), include_chain=False)
    findings = _tls_audit(world_dns, ctx, bundle)
    finding = by_id(findings, "tls.cert.incomplete-chain", SUBJECT)[0]
    assert str(finding.status) == "warn"
    assert (
        "intermediate CA" in finding.title and "intermediate CA" in finding.extra["missing_issuer"]
    )
    assert not any(f.is_problem for f in by_id(findings, "tls.cert.untrusted-root", SUBJECT))


def test_weak_key_names_the_key(world_dns, ca, bundle):
    findings = _tls_audit(world_dns, server_context(ca.issue([HOST], key="rsa1024")), bundle)
    finding = by_id(findings, "tls.cert.weak-key", SUBJECT)[0]
    assert str(finding.status) == "fail" and "RSA 1024" in finding.title
    ec = _tls_audit(world_dns, server_context(ca.issue([HOST], key="ec256")), bundle)
    assert status_of(ec, "tls.cert.weak-key", SUBJECT) == "pass"


def test_evidence_never_names_the_connect_to_target(world_dns):
    cfg = make_config(world_dns.port, connect_to=[":443:127.0.0.1:1", ":80:127.0.0.1:1"])
    findings = audit(cfg, "http", "tls").findings
    unreachable = by_id(findings, "http.unreachable", HOST)[0]
    assert str(unreachable.status) == "fail" and "connection refused" in unreachable.evidence
    for finding in findings:
        assert "127.0.0.1" not in finding.evidence + finding.title, finding
