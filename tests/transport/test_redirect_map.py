"""The redirect map of every variant (http/https x apex/www/canonical) must converge on
site.url: one virtual-host server per scheme on loopback, answering by Host header."""

from __future__ import annotations

import pytest
from support.loopback import reply, serve
from support.transport import audit, by_id, make_config, status_of

from launchready.world.ca import server_context
from launchready.world.dns import DnsServer

APEX = "launch.test"
WWW = f"www.{APEX}"
PORTAL = f"portal.{APEX}"
CANONICAL = f"https://{PORTAL}/"


@pytest.fixture(scope="module")
def world_dns():
    records = {name: [("A", "127.0.0.1")] for name in (APEX, WWW, PORTAL)}
    with DnsServer({APEX: records}) as server:
        yield server


@pytest.fixture(scope="module")
def tls_ctx(ca):
    return server_context(ca.issue([PORTAL, APEX, WWW]))


def _to(location: str):
    return reply(301, b"", {"Location": location})


GOOD = {
    ("http", PORTAL): _to(CANONICAL),
    ("http", APEX): _to(CANONICAL),
    ("http", WWW): _to(CANONICAL),
    ("https", APEX): _to(CANONICAL),
    ("https", WWW): _to(CANONICAL),
    ("https", PORTAL): reply(200, b"<html>portal</html>", {"Content-Type": "text/html"}),
}


def _audit(world_dns, bundle, tls_ctx, routes):
    def vhost(scheme):
        def handle(req):
            host = req.headers["Host"].split(":")[0]
            routes.get((scheme, host), reply(404, b"no such vhost"))(req)

        return handle

    with serve(vhost("http")) as http_port, serve(vhost("https"), tls_ctx) as https_port:
        cfg = make_config(
            world_dns.port,
            site={"apex": APEX},
            connect_to=[f":80:127.0.0.1:{http_port}", f":443:127.0.0.1:{https_port}"],
            ca_file=bundle,
        )
        return audit(cfg, "http").findings


def test_every_variant_converges(world_dns, bundle, tls_ctx):
    findings = _audit(world_dns, bundle, tls_ctx, dict(GOOD))
    problems = [(f.id, f.subject) for f in findings if f.is_problem]
    assert problems == []
    for host in (APEX, WWW):
        for scheme in ("http", "https"):
            assert status_of(findings, "http.canonical.split", f"{scheme}://{host}/") == "pass"
    assert status_of(findings, "http.https.no-redirect", f"http://{PORTAL}/") == "pass"


def test_www_serving_content_is_a_split(world_dns, bundle, tls_ctx):
    routes = dict(GOOD) | {("https", WWW): reply(200, b"<html>copy</html>")}
    findings = _audit(world_dns, bundle, tls_ctx, routes)
    assert status_of(findings, "http.canonical.split", f"https://{WWW}/") == "fail"
    # http://www redirects straight to the canonical URL, so that variant is fine.
    assert status_of(findings, "http.canonical.split", f"http://{WWW}/") == "pass"


def test_variant_ending_in_an_error_is_a_split(world_dns, bundle, tls_ctx):
    routes = dict(GOOD) | {("https", APEX): reply(404, b"not here")}
    findings = _audit(world_dns, bundle, tls_ctx, routes)
    finding = by_id(findings, "http.canonical.split", f"https://{APEX}/")[0]
    assert str(finding.status) == "fail" and "404" in finding.title


def test_plain_http_serving_content(world_dns, bundle, tls_ctx):
    routes = dict(GOOD) | {("http", PORTAL): reply(200, b"<html>plain</html>")}
    findings = _audit(world_dns, bundle, tls_ctx, routes)
    assert status_of(findings, "http.https.no-redirect", f"http://{PORTAL}/") == "fail"
    assert status_of(findings, "http.canonical.split", f"http://{PORTAL}/") == "fail"


def test_redirect_loop(world_dns, bundle, tls_ctx):
    routes = dict(GOOD) | {
        ("https", WWW): _to(f"https://{APEX}/"),
        ("https", APEX): _to(f"https://{WWW}/"),
    }
    findings = _audit(world_dns, bundle, tls_ctx, routes)
    assert status_of(findings, "http.redirect.loop", f"https://{WWW}/") == "fail"
    assert status_of(findings, "http.redirect.loop", f"https://{PORTAL}/") == "pass"


def test_long_chain_warns_and_two_hops_do_not(world_dns, bundle, tls_ctx):
    routes = dict(GOOD) | {
        ("http", APEX): _to(f"https://{APEX}/"),  # http apex -> https apex -> www -> portal
        ("https", APEX): _to(f"https://{WWW}/"),
    }
    findings = _audit(world_dns, bundle, tls_ctx, routes)
    long = by_id(findings, "http.redirect.chain", f"http://{APEX}/")[0]
    assert str(long.status) == "warn" and long.extra["hops"] == 3
    assert status_of(findings, "http.redirect.chain", f"https://{APEX}/") == "pass"  # 2 hops


def test_canonical_with_query_is_fine_but_lookalike_host_is_not(world_dns, bundle, tls_ctx):
    routes = dict(GOOD) | {
        ("http", WWW): _to(f"{CANONICAL}?utm_source=www"),
        ("https", WWW): _to(f"https://{PORTAL}.{APEX}/"),  # portal.launch.test.launch.test
    }
    findings = _audit(world_dns, bundle, tls_ctx, routes)
    assert status_of(findings, "http.canonical.split", f"http://{WWW}/") == "pass"
    lookalike = by_id(findings, "http.canonical.split", f"https://{WWW}/")[0]
    assert str(lookalike.status) == "fail" and f"{PORTAL}.{APEX}" in lookalike.title
