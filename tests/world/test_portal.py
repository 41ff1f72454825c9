"""The demo portal over real HTTPS: the user journey works, and each flaw has a clean control."""

from __future__ import annotations

import asyncio
import re

import pytest

from launchready.world.ca import LocalCA
from launchready.world.portal import FAKE_ENV, SECURITY_HEADERS, Portal
from launchready.world.probe import loopback_session
from launchready.world.web import WebServer

HOST_FLAWED = "portal.launch.test"
HOST_CLEAN = "clean.launch.test"


@pytest.fixture(scope="module")
def served():
    ca = LocalCA()
    flawed, clean = Portal(), Portal.clean()
    with WebServer(ca) as web:
        web.add_host(HOST_FLAWED, flawed.app)
        web.add_host(HOST_CLEAN, clean.app)
        yield web, ca, flawed, clean


def run(served, host, steps):
    """Run ``steps(session, base)`` against ``host`` over HTTPS on loopback."""
    web, ca, *_ = served

    async def main():
        async with loopback_session(ca.client_context()) as session:
            return await steps(session, f"https://{host}:{web.https_port}")

    return asyncio.run(main())


async def login(session, base, password="demo-password"):
    async with session.get(f"{base}/login/") as r:
        page = await r.text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = {"csrfmiddlewaretoken": token, "username": "demo", "password": password}
    async with session.post(f"{base}/login/", data=data, allow_redirects=False) as r:
        return r.status, r.headers.get("Location"), r.headers.getall("Set-Cookie", []), token


@pytest.mark.parametrize("host", [HOST_FLAWED, HOST_CLEAN])
def test_login_journey_and_crud(served, host):
    async def steps(s, base):
        async with s.get(f"{base}/dashboard/", allow_redirects=False) as r:
            assert r.status == 302 and r.headers["Location"].startswith("/login/")
        status, location, _, token = await login(s, base)
        assert (status, location) == (302, "/dashboard/")
        async with s.get(f"{base}/dashboard/") as r:
            assert r.status == 200 and '<strong id="user">demo</strong>' in await r.text()
        form = {"csrfmiddlewaretoken": token, "title": "Launch checklist", "status": "open"}
        async with s.post(f"{base}/records/new/", data=form) as r:
            assert r.status == 200 and "Launch checklist" in await r.text()
        async with s.get(f"{base}/api/records") as r:
            records = (await r.json())["records"]
        new_id = records[-1]["id"]
        edit = {"csrfmiddlewaretoken": token, "title": "Launch checklist v2", "status": "done"}
        async with s.post(f"{base}/records/{new_id}/edit/", data=edit) as r:
            assert "Launch checklist v2" in await r.text()
        async with s.post(f"{base}/records/new/", data={"title": "x"}) as r:
            assert r.status == 403  # no CSRF token
        async with s.get(f"{base}/logout/") as r:
            assert r.status == 405  # logout is POST-only
        async with s.post(
            f"{base}/logout/", data={"csrfmiddlewaretoken": token}, allow_redirects=False
        ) as r:
            assert r.status == 302
        async with s.get(f"{base}/dashboard/", allow_redirects=False) as r:
            assert r.status == 302

    run(served, host, steps)


def test_wrong_password_shows_form_again(served):
    async def steps(s, base):
        status, _, cookies, _ = await login(s, base, password="nope")
        assert status == 200
        assert not any(c.startswith("sessionid=") for c in cookies)

    run(served, HOST_FLAWED, steps)


def test_health_and_version_are_settable(served):
    _, _, flawed, _ = served

    async def steps(s, base):
        async with s.get(f"{base}/healthz") as r:
            first = (r.status, await r.text())
        flawed.version = "abc123"
        flawed.healthy = False
        async with s.get(f"{base}/version") as r:
            version = await r.json()
        async with s.get(f"{base}/healthz") as r:
            second = r.status
        flawed.healthy = True
        flawed.version = "v1.0.0"
        return first, version, second

    assert run(served, HOST_FLAWED, steps) == ((200, "ok"), {"version": "abc123"}, 503)


async def _get(s, url, **kw):
    async with s.get(url, allow_redirects=False, **kw) as r:
        return r.status, r.headers, await r.text()


def both(served, path, **kw):
    out = {}
    for host in (HOST_FLAWED, HOST_CLEAN):

        async def steps(s, base):
            return await _get(s, base + path, **kw)

        out[host] = run(served, host, steps)
    return out[HOST_FLAWED], out[HOST_CLEAN]


def test_env_file_exposed_only_when_flawed(served):
    flawed, clean = both(served, "/.env")
    assert flawed[0] == 200 and "APP_KEY=" in flawed[2] and "DB_PASSWORD=" in flawed[2]
    assert flawed[2] == FAKE_ENV
    assert clean[0] == 404 and "APP_KEY" not in clean[2]


def test_open_admin(served):
    flawed, clean = both(served, "/admin/")
    assert flawed[0] == 200 and "Site administration" in flawed[2]
    assert clean[0] == 302


def test_debug_404_page(served):
    flawed, clean = both(served, "/no/such/page")
    assert flawed[0] == clean[0] == 404
    assert "Traceback (most recent call last)" in flawed[2] and "DEBUG = True" in flawed[2]
    assert "Traceback" not in clean[2]


def test_security_headers_and_server_version(served):
    flawed, clean = both(served, "/")
    for name in SECURITY_HEADERS:
        assert name not in flawed[1]
        assert clean[1][name] == SECURITY_HEADERS[name]
    assert flawed[1]["Server"] == "DemoPortal/1.2.3"
    assert clean[1]["Server"] == "portal"


def test_session_cookie_flags(served):
    def cookies(host):
        async def steps(s, base):
            return (await login(s, base))[2]

        return next(c for c in run(served, host, steps) if c.startswith("sessionid="))

    flawed, clean = cookies(HOST_FLAWED), cookies(HOST_CLEAN)
    assert "secure" not in flawed.lower() and "httponly" not in flawed.lower()
    assert "Secure" in clean and "HttpOnly" in clean and "SameSite=Lax" in clean


def test_login_rate_limit(served):
    def statuses(host):
        async def steps(s, base):
            return [(await login(s, base, password="wrong"))[0] for _ in range(7)]

        return run(served, host, steps)

    assert set(statuses(HOST_FLAWED)) == {200}
    assert statuses(HOST_CLEAN)[-1] == 429


def test_cors_reflection(served):
    origin = {"Origin": "https://evil.example"}
    flawed, clean = both(served, "/api/records", headers=origin)
    assert flawed[1]["Access-Control-Allow-Origin"] == "https://evil.example"
    assert flawed[1]["Access-Control-Allow-Credentials"] == "true"
    assert "Access-Control-Allow-Origin" not in clean[1]
    assert flawed[0] == clean[0] == 401  # not logged in


def test_static_caching(served):
    flawed, clean = both(served, "/static/app.css")
    assert flawed[0] == clean[0] == 200
    assert "Cache-Control" not in flawed[1] and "ETag" not in flawed[1]
    assert "max-age=31536000" in clean[1]["Cache-Control"]
    assert both(served, "/static/app.js")[0][1]["Content-Type"].startswith("application/javascript")


def test_flags_switch_flaws_individually():
    portal = Portal(env_file=False)
    assert not portal.flaws.env_file and portal.flaws.open_admin
