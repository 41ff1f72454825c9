"""edge.none, edge.origin-exposed and http.mixed-content on real HTTPS servers on loopback."""

from __future__ import annotations

import pytest
from support.loopback import reply, serve
from support.transport import audit, make_config, status_of

from launchready.checks.edge import range_matches
from launchready.checks.http import insecure_subresources
from launchready.world.ca import server_context
from launchready.world.dns import DnsServer

HOST = "portal.launch.test"
ORIGIN = "127.0.0.9"


@pytest.fixture(scope="module")
def world_dns():
    with DnsServer({"launch.test": {HOST: [("A", "127.0.0.1")]}}) as server:
        yield server


@pytest.fixture(scope="module")
def tls_ctx(ca):
    return server_context(ca.issue([HOST]))


def _edge_audit(world_dns, bundle, edge_port, origin_port=1, origin=ORIGIN):
    cfg = make_config(
        world_dns.port,
        site={"origin": origin},
        connect_to=[
            f"{ORIGIN}:443:127.0.0.1:{origin_port}",
            f"{ORIGIN}:80:127.0.0.1:1",
            f":443:127.0.0.1:{edge_port}",
            ":80:127.0.0.1:1",
        ],
        ca_file=bundle,
    )
    return audit(cfg, "edge").findings


def test_cloudflare_headers_and_open_origin(world_dns, bundle, tls_ctx):
    seen_hosts = []

    def origin_handler(req):
        seen_hosts.append(req.headers["Host"])
        reply(200, b"origin")(req)

    with (
        serve(reply(200, b"hi", {"cf-ray": "8a1b2c3d-AMS"}), tls_ctx) as edge,
        serve(origin_handler, tls_ctx) as origin,
    ):
        findings = _edge_audit(world_dns, bundle, edge, origin)
    assert status_of(findings, "edge.none", HOST) == "pass"
    assert status_of(findings, "edge.origin-exposed", f"{HOST}@{ORIGIN}") == "fail"
    # The origin was asked for the public name (SNI/Host kept); the report names the public URL.
    assert seen_hosts and set(seen_hosts) == {HOST}
    exposed = next(f for f in findings if f.id == "edge.origin-exposed")
    assert f"https://{HOST}/" in exposed.evidence and "127.0.0.1" not in exposed.evidence


def test_no_edge_and_closed_origin(world_dns, bundle, tls_ctx):
    with serve(reply(200, b"hi", {"Server": "nginx/1.25"}), tls_ctx) as edge:
        findings = _edge_audit(world_dns, bundle, edge)
    assert status_of(findings, "edge.none", HOST) == "warn"
    assert status_of(findings, "edge.origin-exposed", f"{HOST}@{ORIGIN}") == "pass"


def test_origin_answering_4xx_is_not_exposed(world_dns, bundle, tls_ctx):
    with (
        serve(reply(200, b"hi", {"x-vercel-id": "fra1::abc"}), tls_ctx) as edge,
        serve(reply(421, b"misdirected"), tls_ctx) as origin,
    ):
        findings = _edge_audit(world_dns, bundle, edge, origin)
    assert status_of(findings, "edge.none", HOST) == "pass"
    assert status_of(findings, "edge.origin-exposed", f"{HOST}@{ORIGIN}") == "pass"


def test_a_cache_or_load_balancer_is_not_edge_protection(world_dns, bundle, tls_ctx):
    headers = {"x-varnish": "1234", "Via": "1.1 varnish (Varnish/7.4)"}  # "1.1 google" trap
    with serve(reply(200, b"hi", headers), tls_ctx) as edge:
        findings = _edge_audit(world_dns, bundle, edge)
    edge_none = next(f for f in findings if f.id == "edge.none")
    assert str(edge_none.status) == "warn" and "Varnish" in edge_none.evidence
    assert "Google" not in edge_none.evidence


def test_origin_that_is_the_public_address_is_skipped(world_dns, bundle, tls_ctx):
    with serve(reply(200, b"hi"), tls_ctx) as edge:
        findings = _edge_audit(world_dns, bundle, edge, origin="127.0.0.1")
    assert status_of(findings, "edge.origin-exposed", f"{HOST}@127.0.0.1") == "skipped"


def test_published_ranges_snapshot():
    assert range_matches(["104.16.1.1"])[0][0] == "Cloudflare"
    assert range_matches(["2606:4700::1111"])[0][0] == "Cloudflare"
    assert range_matches(["151.101.1.69"])[0][0] == "Fastly"
    assert range_matches(["127.0.0.1", "192.0.2.1", "not-an-ip"]) == []


PAGE_CLEAN = b"""<html><head><link rel=stylesheet href="/s.css"><script src="https://cdn.x/a.js">
</script></head><body><a href="http://example.org/">a plain link is not a subresource</a>
<img src="//cdn.x/i.png"><form action="/login"></form></body></html>"""
PAGE_SCRIPT = b'<html><script src="http://cdn.example/a.js"></script></html>'
PAGE_IMAGE = b'<html><img src="http://cdn.example/i.png"><form action="http://x/f"></form></html>'


@pytest.mark.parametrize(
    ("page", "expected"),
    [(PAGE_CLEAN, "pass"), (PAGE_SCRIPT, "fail"), (PAGE_IMAGE, "warn")],
)
def test_mixed_content_on_the_canonical_page(world_dns, bundle, tls_ctx, page, expected):
    html = {"Content-Type": "text/html; charset=utf-8"}
    with serve(reply(200, page, html), tls_ctx) as port:
        cfg = make_config(
            world_dns.port, connect_to=[f":443:127.0.0.1:{port}", ":80:127.0.0.1:1"], ca_file=bundle
        )
        findings = audit(cfg, "http").findings
    assert status_of(findings, "http.mixed-content", f"https://{HOST}/") == expected


def test_mixed_content_traps():
    url = "https://portal.launch.test/app/"
    # <base> makes relative URLs insecure; favicons are passive; preload of a script is active.
    html = (
        '<base href="http://cdn.example/"><script src="a.js"></script>'
        '<link rel="icon" href="http://x/f.ico"><link rel="canonical" href="http://x/">'
        '<iframe src="http://x/frame"></iframe>'
    )
    found = insecure_subresources(html, url)
    assert ("active", "script", "http://cdn.example/a.js") in found
    assert ("passive", "icon", "http://x/f.ico") in found
    assert ("active", "iframe", "http://x/frame") in found
    assert not any(u == "http://x/" for _, _, u in found)  # rel=canonical is not loaded
    assert insecure_subresources('<script src="https://a/b.js"></script><img src="/i">', url) == []


def test_cookie_and_header_marks():
    from launchready.checks.edge import header_matches
    from launchready.net import HttpExchange

    def providers(*headers):
        exchange = HttpExchange("GET", f"https://{HOST}/", status=200, headers=headers)
        return {sig.provider for sig, _ in header_matches(exchange)}

    assert providers(("Set-Cookie", "visid_incap_123=abc; path=/")) == {"Imperva Incapsula"}
    assert providers(("Server", "cloudflare"), ("CF-RAY", "1-AMS")) == {"Cloudflare"}
    assert providers(("Via", "1.1 abc.cloudfront.net (CloudFront)")) == {"Amazon CloudFront"}
    assert providers(("Server", "AkamaiGHost")) == {"Akamai"}
    # Traps: a product name inside an unrelated header value, a look-alike server name.
    assert providers(("X-Powered-By", "cloudflare-workers-fan-site")) == set()
    assert providers(("Server", "nginx (not cloudflare)")) == set()


def test_fetch_with_connect_address_keeps_the_public_name(world_dns, bundle, tls_ctx):
    import asyncio

    from launchready.net import Network

    seen = []

    def handler(req):
        seen.append(req.headers["Host"])
        reply(200, b"origin")(req)

    with serve(handler, tls_ctx) as origin, serve(reply(200, b"edge"), tls_ctx) as edge:
        cfg = make_config(
            world_dns.port,
            connect_to=[f"{ORIGIN}:443:127.0.0.1:{origin}", f":443:127.0.0.1:{edge}"],
            ca_file=bundle,
        )

        async def go():
            async with Network(cfg.network) as net:
                pinned = await net.fetch(f"https://{HOST}/", connect_address=ORIGIN)
                normal = await net.fetch(f"https://{HOST}/")
                return pinned, normal

        pinned, normal = asyncio.run(go())
    assert pinned.body == b"origin" and normal.body == b"edge"
    # Certificate checked against the public name; the recorded URL and peer are public.
    assert pinned.verified is True and pinned.url == f"https://{HOST}/"
    assert pinned.peer == f"{HOST}:443" and seen == [HOST]
