"""access.*: admin routes and the login burst."""

from __future__ import annotations

from support.web_builders import ex

from launchready.checks import access
from launchready.net.types import RedirectChain
from launchready.web.observations import AccessObservation, BurstResult

BASE = "https://portal.example.com"
LOGIN = BASE + "/login/"


def admin(*hops, baseline=()):
    chain = RedirectChain(hops[0].url, tuple(hops))
    found = access.judge(AccessObservation(admin=(chain,), baseline=tuple(baseline)))
    return [f for f in found if f.id == "access.admin-open"]


def test_open_admin_fails():
    (f,) = admin(
        ex(
            BASE + "/admin/",
            200,
            {"Content-Type": "text/html"},
            "<h1>Site administration</h1><a href=/admin/users/>Users</a>",
        )
    )
    assert f.status == "fail" and f.severity == "critical"


def test_login_redirect_401_403_and_login_form_are_protected():
    redirect = admin(
        ex(BASE + "/admin/", 302, {"Location": "/admin/login/?next=/admin/"}),
        ex(BASE + "/admin/login/?next=/admin/", 200, {}, "<form><input type=password></form>"),
    )
    assert [f.status for f in redirect] == ["pass"]
    for status in (401, 403):
        assert [f.status for f in admin(ex(BASE + "/admin", status))] == ["pass"]
    form = admin(
        ex(
            BASE + "/wp-admin/",
            200,
            {"Content-Type": "text/html"},
            '<form method=post><input name=pwd type="password"></form>',
        )
    )
    assert [f.status for f in form] == ["pass"]


def test_missing_admin_route_passes():
    (f,) = admin(ex(BASE + "/admin/", 404))
    assert f.status == "pass" and "no admin route" in f.title


def test_trap_spa_catch_all_is_not_an_open_admin():
    page = "<html><body><div id=root></div><script src=/app.js></script></body></html>"
    base = ex(BASE + "/x7y8z9", 200, {"Content-Type": "text/html"}, page)
    (f,) = admin(ex(BASE + "/admin", 200, {"Content-Type": "text/html"}, page), baseline=[base])
    assert f.status == "pass"


def burst(responses, seconds=2.0):
    obs = AccessObservation(
        login_url=LOGIN, burst=BurstResult(LOGIN, tuple(responses), seconds, len(responses))
    )
    (f,) = [f for f in access.judge(obs) if f.id == "access.ratelimit.missing"]
    return f


def test_unthrottled_login_fails():
    f = burst(
        [ex(LOGIN, 200, {}, "<p>Please enter a correct username and password.</p>", method="POST")]
        * 30
    )
    assert f.status == "fail" and f.extra["attempts"] == 30


def test_429_retry_after_ratelimit_headers_and_lockout_pass():
    fail = ex(LOGIN, 200, {}, "wrong password", method="POST")
    assert burst([fail] * 10 + [ex(LOGIN, 429, method="POST")]).status == "pass"
    assert (
        burst([fail] * 5 + [ex(LOGIN, 403, {"Retry-After": "60"}, method="POST")]).status == "pass"
    )
    assert burst([ex(LOGIN, 200, {"RateLimit-Remaining": "3"}, method="POST")]).status == "pass"
    locked = ex(LOGIN, 403, {}, "Account locked: too many login attempts.", method="POST")
    assert burst([fail] * 5 + [locked]).status == "pass"


def test_no_login_url_is_skipped_and_dead_login_is_error():
    (f,) = [f for f in access.judge(AccessObservation()) if f.id == "access.ratelimit.missing"]
    assert f.status == "skipped"
    assert burst([ex(LOGIN, error="connect: refused", method="POST")] * 30).status == "error"


def test_too_few_attempts_in_the_time_bound_is_error_not_fail():
    slow = [ex(LOGIN, 200, {}, "wrong password", method="POST")] * 4
    obs = AccessObservation(login_url=LOGIN, burst=BurstResult(LOGIN, tuple(slow), 10.0, 30))
    (f,) = [f for f in access.judge(obs) if f.id == "access.ratelimit.missing"]
    assert f.status == "error" and "only 4 attempts" in f.title
