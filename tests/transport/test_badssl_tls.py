"""badssl.com certificate and protocol scenarios this machine's OpenSSL can serve, replayed on
loopback (real handshakes, our DNS, the world's CA) with the verdict the conformance mapping
expects. Scenario metadata comes from tests/data/conformance/tls/badssl_scenarios.json
(chromium/badssl.com, Apache-2.0: LICENSE.badssl beside it)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support.loopback import reply, serve
from support.transport import audit, make_config

from launchready.world.ca import fixture, server_context
from launchready.world.dns import DnsServer

DATA = Path(__file__).parent.parent / "data" / "conformance" / "tls" / "badssl_scenarios.json"
SCENARIOS = {s["subdomain"]: s for s in json.loads(DATA.read_text())["scenarios"]}
NOW = dt.datetime.now(dt.UTC)
# The conformance README's verdicts for the local-only entries (expected = null in the data).
LOCAL_VERDICTS = {
    "md5": "bad",
    "rsa512": "bad",
    "rsa1024": "bad",
    "no-san": "bad",
    "rsa3072": "good",
}


def expected(subdomain: str) -> str:
    return SCENARIOS[subdomain]["expected"] or LOCAL_VERDICTS[subdomain]


# subdomain -> (how to serve it, the finding that must flag it or None for "no TLS problem",
# the status that finding must have). Verdicts for badssl "dubious" scenarios are warnings,
# except where noted.
REPRODUCED = {
    "expired": (
        {"not_before": NOW - dt.timedelta(days=400), "not_after": NOW - dt.timedelta(days=3)},
        "tls.cert.expired",
        "fail",
    ),
    "wrong.host": ({"names": ["wrong.launch.test"]}, "tls.cert.hostname-mismatch", "fail"),
    "self-signed": ({"issuer": "self"}, "tls.cert.self-signed", "fail"),
    "untrusted-root": ({"issuer": "untrusted"}, "tls.cert.untrusted-root", "fail"),
    "incomplete-chain": ({"include_chain": False}, "tls.cert.incomplete-chain", "warn"),
    "sha256": ({}, None, None),
    "ecc256": ({"key": "ec256"}, None, None),
    "ecc384": ({"key": "ec384"}, None, None),
    "rsa2048": ({}, None, None),
    "rsa3072": ({"key": "rsa3072"}, None, None),
    "rsa1024": ({"key": "rsa1024"}, "tls.cert.weak-key", "fail"),
    "rsa512": ({"fixture": "rsa512"}, "tls.cert.weak-key", "fail"),
    "md5": ({"fixture": "md5"}, "tls.cert.weak-signature", "fail"),
    "sha1-2016": ({"fixture": "sha1"}, "tls.cert.weak-signature", "fail"),  # dubious upstream
    "sha1-2017": ({"fixture": "sha1"}, "tls.cert.weak-signature", "fail"),
    "no-san": ({"san": False}, "tls.cert.hostname-mismatch", "fail"),
    # Only TLS 1.0 (1.1) is served: no current client connects, so we fail (badssl: dubious).
    "tls-v1-0": ({"version": "TLSv1"}, "tls.protocol.legacy", "fail"),
    "tls-v1-1": ({"version": "TLSv1.1"}, "tls.protocol.legacy", "fail"),
    "tls-v1-2": ({"version": "TLSv1.2"}, None, None),
    "http": ({"plain": True}, "tls.missing", "fail"),
}
# Listed so that the replay's coverage is explicit; each has a reason.
NOT_REPRODUCED = {
    "sha384": "LocalCA signs with SHA-256 only (same verdict class as sha256)",
    "sha512": "LocalCA signs with SHA-256 only (same verdict class as sha256)",
    "rsa4096": "key generation cost; rsa2048/rsa3072 cover the good class",
    "rsa8192": "key generation cost (dubious upstream: slow handshakes, not a defect we flag)",
    "no-common-name": "a SAN-only certificate is valid for us (badssl: dubious UI case)",
    "no-subject": "a SAN-only certificate is valid for us (badssl: dubious UI case)",
    "1000-sans": "not a defect; covered by hostname matching tests",
    "10000-sans": "not a defect; covered by hostname matching tests",
    "revoked": "needs a local CRL/OCSP responder: revocation is out of scope",
    "dh-small-subgroup": "stdlib ssl cannot see DH parameters: an expected miss",
    "dh-composite": "stdlib ssl cannot see DH parameters: an expected miss",
    "rc4": "OpenSSL 3.0 cannot serve it",
    "rc4-md5": "OpenSSL 3.0 cannot serve it",
    "3des": "OpenSSL 3.0 cannot serve it",
    "dh480": "OpenSSL 3.0 cannot serve it",
    "dh512": "OpenSSL 3.0 cannot serve it",
}


def _serve_context(ca, host: str, how: dict):
    if "fixture" in how:
        cert = fixture(how["fixture"])
    else:
        cert = ca.issue(
            how.get("names", [host]),
            not_before=how.get("not_before"),
            not_after=how.get("not_after"),
            key=how.get("key", "rsa2048"),
            issuer=how.get("issuer", "intermediate"),
            san=how.get("san", True),
        )
    version = how.get("version")
    return server_context(
        cert,
        include_chain=how.get("include_chain", True),
        min_version=version,
        max_version=version,
    )


@pytest.fixture(scope="module")
def world_dns():
    with DnsServer({"launch.test": {"*": [("A", "127.0.0.1")]}}) as server:
        yield server


def _host(subdomain: str, how: dict) -> str:
    if "fixture" in how:
        return f"{how['fixture']}.launch.test"  # the static fixtures name themselves
    return f"{subdomain.replace('.', '-')}.launch.test"


def test_the_scenario_table_matches_the_conformance_data():
    for name in [*REPRODUCED, *NOT_REPRODUCED]:
        assert name in SCENARIOS, name
    verdicts = [expected(n) for n in REPRODUCED]
    assert len(REPRODUCED) == 20
    assert (verdicts.count("bad"), verdicts.count("dubious"), verdicts.count("good")) == (10, 4, 6)


@pytest.mark.parametrize("subdomain", sorted(REPRODUCED))
def test_badssl_scenario(subdomain, ca, bundle, world_dns):
    how, check_id, status = REPRODUCED[subdomain]
    host = _host(subdomain, how)
    if how.get("plain"):
        server = serve(reply(200, b"<html>plain</html>"))
        routes = lambda port: [":443:127.0.0.1:1", f":80:127.0.0.1:{port}"]  # noqa: E731
    else:
        server = serve(reply(200, b"<html>ok</html>"), _serve_context(ca, host, how))
        routes = lambda port: [f":443:127.0.0.1:{port}", ":80:127.0.0.1:1"]  # noqa: E731
    with server as port:
        cfg = make_config(
            world_dns.port, url=f"https://{host}", connect_to=routes(port), ca_file=bundle
        )
        report = audit(cfg, "tls")
    problems = {(f.id, str(f.status)) for f in report.findings if str(f.status) in ("fail", "warn")}
    tls_problems = {p for p in problems if p[0].startswith("tls.")}
    if check_id is None:
        assert expected(subdomain) == "good"
        assert not tls_problems, tls_problems
        assert any(
            f.id == "tls.protocol.legacy" and str(f.status) == "pass" for f in report.findings
        )
    else:
        assert (check_id, status) in problems, problems
        wanted = "warn" if expected(subdomain) == "dubious" else "fail"
        assert status == wanted or subdomain in ("sha1-2016", "tls-v1-0", "tls-v1-1")


# badssl's mixed-content group: pages with the same kind of http:// subresource as upstream's
# (the page bodies themselves are not in the conformance data, so they are written here).
MIXED_PAGES = {
    "mixed-script": '<script src="http://mixed-script.launch.test/nonsecure.js"></script>',
    "very": (
        '<link rel="stylesheet" href="http://very.launch.test/style.css">'
        '<script src="http://very.launch.test/script.js"></script>'
        '<img src="http://very.launch.test/image.jpg">'
        '<iframe src="http://very.launch.test/frame"></iframe>'
    ),
    "mixed": '<img src="http://mixed.launch.test/image.jpg">',
    "mixed-favicon": '<link rel="icon" href="http://mixed-favicon.launch.test/favicon.ico">',
    "mixed-form": '<form action="http://mixed-form.launch.test/submit"><input name=q></form>',
}


@pytest.mark.parametrize("subdomain", sorted(MIXED_PAGES))
def test_badssl_mixed_content(subdomain, ca, bundle, world_dns):
    host = f"{subdomain}.launch.test"
    page = f"<!doctype html><html><body>{MIXED_PAGES[subdomain]}</body></html>".encode()
    ctx = server_context(ca.issue([host]))
    with serve(reply(200, page, {"Content-Type": "text/html"}), ctx) as port:
        cfg = make_config(
            world_dns.port,
            url=f"https://{host}",
            connect_to=[f":443:127.0.0.1:{port}", ":80:127.0.0.1:1"],
            ca_file=bundle,
        )
        findings = audit(cfg, "http").findings
    mixed = [f for f in findings if f.id == "http.mixed-content"]
    assert len(mixed) == 1
    wanted = "fail" if SCENARIOS[subdomain]["expected"] == "bad" else "warn"
    assert str(mixed[0].status) == wanted
