"""site.login_flow: the session cookie the login sets and the pages seen logged in."""

from __future__ import annotations

from support.web_server import Recorder, serve

from launchready.audit import run_audit
from launchready.world.ca import server_context

FLOW = """name = "login"
base_url = "https://portal.launch.test"

[[step]]
id = "login-page"
request = { method = "GET", url = "/login/" }
expect = ["status == 200"]
capture = { csrf = "css input[name=csrf] @value" }

[[step]]
id = "login"
request = { method = "POST", url = "/login/", form = { csrf = "{{csrf}}", username = "u", \
password = "p" } }
expect = ["status == 302"]

[[step]]
id = "dashboard"
request = { method = "GET", url = "/dashboard/" }
expect = ["status == 200"]
"""


def portal(cache_control: str, cookie_flags: str) -> Recorder:
    def login(seen):
        if seen.method == "POST":
            cookie = f"sessionid=s3ss10n-{len(seen.body)}-abcdef; Path=/{cookie_flags}"
            return 302, {"Location": "/dashboard/", "Set-Cookie": cookie}, b""
        form = "<form method=post><input type=hidden name=csrf value=tok3n></form>"
        return 200, {"Content-Type": "text/html", "Cache-Control": "no-store"}, form

    def dashboard(seen):
        if "sessionid=" not in seen.headers.get("Cookie", ""):
            return 302, {"Location": "/login/"}, b""
        headers = {"Content-Type": "text/html", "Cache-Control": cache_control}
        return 200, headers, "<h1>Your records</h1>"

    home = (200, {"Cache-Control": cache_control}, "<h1>hi</h1>")
    return Recorder({"/login/": login, "/dashboard/": dashboard, "/": home})


def audit(tmp_path, ca, make_config, site: Recorder):
    (tmp_path / "login.toml").write_text(FLOW)
    cert = ca.issue(["portal.launch.test"])
    with serve(site, server_context(cert)) as port:
        cfg = make_config(
            '[site]\nurl = "https://portal.launch.test"\nlogin_flow = "login.toml"',
            https_port=port,
        )
        report = run_audit(cfg, only=["headers", "cache"])
    return report


def test_logged_in_session_cookie_and_cacheable_dashboard_are_found(tmp_path, ca, make_config):
    report = audit(tmp_path, ca, make_config, portal("public, max-age=300", ""))
    cookie = [f for f in report.findings if f.id == "headers.cookie.insecure"]
    assert [f.extra.get("cookie") for f in cookie if f.status == "fail"] == ["sessionid"]
    cache = {f.subject: f for f in report.findings if f.id == "cache.private-cacheable"}
    f = cache["https://portal.launch.test/dashboard/"]
    assert f.status == "fail" and f.extra["personal_because"] == "reached logged in"
    assert "s3ss10n" not in str(report.to_dict())


def test_clean_logged_in_view_passes(tmp_path, ca, make_config):
    site = portal("private, no-store", "; Secure; HttpOnly; SameSite=Lax")
    report = audit(tmp_path, ca, make_config, site)
    for f in report.findings:
        if f.id in ("headers.cookie.insecure", "cache.private-cacheable"):
            assert f.status == "pass", (f.id, f.subject, f.evidence)
    assert any(
        "/dashboard/" in f.subject for f in report.findings if f.id == "cache.private-cacheable"
    )


def test_failing_login_flow_is_said(tmp_path, ca, make_config):
    site = portal("no-store", "")
    site.routes["/login/"] = (500, {}, b"down")
    report = audit(tmp_path, ca, make_config, site)
    (f,) = [f for f in report.findings if f.id == "headers.cookie.insecure"]
    assert "login-page" in f.extra["login_flow_error"]
