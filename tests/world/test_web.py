"""Virtual-host HTTP/HTTPS serving over real sockets: Host routing, SNI, per-port TLS limits."""

from __future__ import annotations

import ssl
import threading
import warnings

import pytest
from aiohttp import web

from launchready.world.ca import LocalCA
from launchready.world.probe import http_get
from launchready.world.web import Route, WebServer


@pytest.fixture(scope="module")
def ca():
    return LocalCA()


@pytest.fixture
def server(ca):
    with WebServer(ca) as srv:
        yield srv


def test_routes_by_host_over_http_and_https(server, ca):
    server.add_host("a.launch.test", {"/": "page a"})
    server.add_host("b.launch.test", {"/": Route(200, {"X-Site": "b"}, "page b")})
    assert http_get(server.http_port, "a.launch.test").text == "page a"
    reply = http_get(server.https_port, "b.launch.test", tls=ca.client_context())
    assert reply.text == "page b"
    assert reply.headers["X-Site"] == "b"
    assert reply.headers["Server"] == "world"  # no aiohttp version leak by default


def test_sni_selects_certificate_per_host(server, ca):
    server.add_host("a.launch.test", {"/": "a"})
    server.add_host("b.launch.test", {"/": "b"})
    strict = ca.client_context()
    for host in ("a.launch.test", "b.launch.test"):
        assert http_get(server.https_port, host, tls=strict).status == 200
    # an unknown SNI name gets the default certificate, which matches nothing
    with pytest.raises(ssl.SSLCertVerificationError):
        http_get(server.https_port, "zzz.launch.test", tls=strict)


def test_unknown_host_is_421_and_unknown_path_404(server):
    server.add_host("a.launch.test", {"/": "a"})
    assert http_get(server.http_port, "nope.launch.test").status == 421
    assert http_get(server.http_port, "a.launch.test", "/missing").status == 404


def test_http_redirect_and_http_disabled(server, ca):
    server.add_host("r.launch.test", {"/": "secure"}, http="redirect")
    server.add_host("s.launch.test", {"/": "secure"}, http=False)
    reply = http_get(server.http_port, "r.launch.test", "/x?y=1")
    assert reply.status == 301
    assert reply.headers["Location"] == "https://r.launch.test/x?y=1"
    assert http_get(server.http_port, "s.launch.test").status == 421
    assert http_get(server.https_port, "s.launch.test", tls=ca.client_context()).text == "secure"


def test_http_only_host_has_no_https(server, ca):
    server.add_host("plain.launch.test", {"/": "plain"}, https=False)
    assert http_get(server.http_port, "plain.launch.test").text == "plain"
    with pytest.raises(ssl.SSLCertVerificationError):
        http_get(server.https_port, "plain.launch.test", tls=ca.client_context())


def test_repeated_set_cookie_and_prefix_routes(server):
    cookies = [("Set-Cookie", "a=1; Secure"), ("Set-Cookie", "b=2; HttpOnly")]
    server.add_host("c.launch.test", {"/v/*": Route(200, cookies, "v"), "*": (418, {}, "tea")})
    reply = http_get(server.http_port, "c.launch.test", "/v/12/")
    assert reply.header_list("Set-Cookie") == ["a=1; Secure", "b=2; HttpOnly"]
    assert http_get(server.http_port, "c.launch.test", "/other").status == 418


def test_wildcard_host_and_aiohttp_application(server, ca):
    app = web.Application()
    started = threading.Event()

    async def on_startup(_app):
        started.set()

    async def hello(request):
        return web.json_response({"host": request.host, "id": request.match_info["id"]})

    app.on_startup.append(on_startup)
    app.router.add_get("/items/{id}", hello)
    server.add_host("*.apps.launch.test", app)
    reply = http_get(server.https_port, "x.apps.launch.test", "/items/7", tls=ca.client_context())
    assert started.is_set()
    assert reply.status == 200 and '"id": "7"' in reply.text
    assert http_get(server.http_port, "x.y.apps.launch.test", "/nope").status == 404


def test_callable_handler_sees_request_headers(server):
    async def echo_origin(request):
        return web.Response(headers={"Access-Control-Allow-Origin": request.headers["Origin"]})

    server.add_host("cors.launch.test", {"/api": echo_origin})
    reply = http_get(
        server.http_port, "cors.launch.test", "/api", headers={"Origin": "https://evil.test"}
    )
    assert reply.headers["Access-Control-Allow-Origin"] == "https://evil.test"


def _legacy_client():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def test_dedicated_tls_port_with_version_limits(server, ca):
    server.add_host("tls10.launch.test", {"/": "old"})
    port = server.add_tls_port("tls10.launch.test", min_version="TLSv1", max_version="TLSv1")
    reply = http_get(port, "tls10.launch.test", tls=_legacy_client())
    assert reply.tls_version == "TLSv1" and reply.text == "old"
    with pytest.raises(ssl.SSLError):
        http_get(port, "tls10.launch.test", tls=ca.client_context())
    # the shared HTTPS port is unaffected
    assert (
        http_get(server.https_port, "tls10.launch.test", tls=ca.client_context()).tls_version
        == "TLSv1.3"
    )


def test_dedicated_port_without_chain(server, ca):
    port = server.add_tls_port("chainless.launch.test", include_chain=False)
    with pytest.raises(ssl.SSLCertVerificationError, match="local issuer"):
        http_get(port, "chainless.launch.test", tls=ca.client_context())


def test_stop_is_idempotent_and_closes_ports(ca):
    srv = WebServer(ca).start()
    thread = srv._loop._thread
    srv.add_host("a.launch.test", {"/": "a"})
    port = srv.http_port
    assert http_get(port, "a.launch.test").status == 200
    srv.stop()
    srv.stop()
    with pytest.raises(OSError):
        http_get(port, "a.launch.test", timeout=1)
    assert not thread.is_alive()


def test_application_added_before_start_is_started_with_the_server(ca):
    app = web.Application()
    events = []

    async def on_startup(_app):
        events.append("startup")

    async def on_cleanup(_app):
        events.append("cleanup")

    async def hello(_request):
        return web.Response(text="early")

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    app.router.add_get("/", hello)
    srv = WebServer(ca)
    srv.add_host("early.launch.test", app)
    srv.add_host("again.launch.test", app)  # one app on two hosts: started and cleaned once
    with srv:
        assert http_get(srv.http_port, "early.launch.test").text == "early"
        assert http_get(srv.http_port, "again.launch.test").text == "early"
    assert events == ["startup", "cleanup"]
