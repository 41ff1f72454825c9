"""cache.*: httplint reads the semantics; our policy judges personal and static responses."""

from __future__ import annotations

from support.web_builders import ex

from launchready.checks import cache
from launchready.web.observations import CachedPage, CacheObservation

PAGE = "https://portal.example.com/"


def private(headers, authenticated=False):
    obs = CacheObservation(
        pages=(CachedPage(ex(PAGE, 200, headers), authenticated),), page_url=PAGE
    )
    (f,) = [f for f in cache.judge(obs) if f.id == "cache.private-cacheable"]
    return f


def test_cookie_setting_page_with_public_max_age_fails():
    f = private(
        [("Cache-Control", "public, max-age=600"), ("Set-Cookie", "sessionid=x; Secure; HttpOnly")]
    )
    assert f.status == "fail" and f.severity == "high"
    assert "sessionid" in f.extra["personal_because"]


def test_logged_in_page_with_s_maxage_fails():
    assert private([("Cache-Control", "s-maxage=60")], authenticated=True).status == "fail"


def test_logged_in_page_with_bare_max_age_fails():
    # no `private`: a shared cache may keep it for 300 s
    assert private([("Cache-Control", "max-age=300")], authenticated=True).status == "fail"


def test_logged_in_page_without_cache_control_warns():
    f = private([("Content-Type", "text/html")], authenticated=True)
    assert f.status == "warn" and f.severity == "medium"


def test_private_and_no_store_pass():
    assert private([("Cache-Control", "private, max-age=60")], authenticated=True).status == "pass"
    assert private([("Cache-Control", "no-store"), ("Set-Cookie", "s=1")]).status == "pass"


def test_authorization_request_is_not_shared_cacheable_per_httplint():
    exchange = ex(
        PAGE, 200, {"Cache-Control": "max-age=600"}, request_headers={"Authorization": "Bearer t"}
    )
    obs = CacheObservation(pages=(CachedPage(exchange, True),), page_url=PAGE)
    (f,) = [f for f in cache.judge(obs) if f.id == "cache.private-cacheable"]
    assert f.status == "pass"


def test_trap_public_static_page_without_cookies_passes():
    f = private([("Cache-Control", "public, max-age=3600")])
    assert f.status == "pass"


def test_trap_cdn_cookie_does_not_make_a_page_personal():
    f = private([("Cache-Control", "public, max-age=3600"), ("Set-Cookie", "__cf_bm=x; Path=/")])
    assert f.status == "pass"


def static(*assets):
    obs = CacheObservation(page_url=PAGE, assets=tuple(assets))
    (f,) = [f for f in cache.judge(obs) if f.id == "cache.static-uncached"]
    return f


def test_static_assets_without_caching_or_validators_warn():
    f = static(
        ex(PAGE + "app.js", 200, {"Cache-Control": "no-cache"}),
        ex(PAGE + "app.css", 200, {"Content-Type": "text/css"}),
    )
    assert f.status == "warn" and len(f.extra["assets"]) == 2


def test_static_assets_long_lived_or_validated_pass():
    f = static(
        ex(PAGE + "app.3f2a.js", 200, {"Cache-Control": "public, max-age=31536000, immutable"}),
        ex(PAGE + "logo.png", 200, {"ETag": '"abc"'}),
    )
    assert f.status == "pass"


def test_no_store_asset_warns_even_with_validator():
    f = static(ex(PAGE + "app.js", 200, {"Cache-Control": "no-store", "ETag": '"x"'}))
    assert f.status == "warn"


def test_nothing_to_judge_is_skipped():
    found = cache.judge(CacheObservation())
    assert {f.status for f in found} == {"skipped"}


def test_csrf_cookie_only_page_without_cache_control_is_a_low_warning():
    f = private([("Set-Cookie", "csrftoken=t; Path=/; SameSite=Lax")])
    assert f.status == "warn" and f.severity == "low"
