"""headers.*: each id's condition, its clean control and its known traps."""

from __future__ import annotations

from support.web_builders import GOOD_HEADERS, ex, site

from launchready.checks import headers
from launchready.redact import REDACTOR
from launchready.web.observations import HeadersObservation
from launchready.web.preload import SnapshotPreload

NO_PRELOAD = SnapshotPreload()


def judge(headers_: dict | list | None = None, **kw):
    s = site(headers_, **kw.pop("site_kw", {}))
    obs = HeadersObservation(url="https://portal.example.com", site=s, **kw)
    return {(f.id, f.subject): f for f in headers.judge(obs, None, preload=NO_PRELOAD)}


def by_id(found: dict, check_id: str):
    matches = [f for (i, _), f in found.items() if i == check_id]
    assert matches, f"{check_id} not reported"
    return matches


def one(found: dict, check_id: str):
    (f,) = by_id(found, check_id)
    return f


def test_grade_clean_site_is_a_plus_and_shows_arithmetic():
    f = one(judge(GOOD_HEADERS), "headers.grade")
    assert f.status == "pass"
    assert f.extra["grade"] == "A+" and f.extra["score"] >= 100
    assert f.extra["algorithm_version"] == 6
    assert len(f.extra["tests"]) == 12 and f.extra["bonuses_counted"]


def test_grade_bare_site_fails_and_bonuses_do_not_count_under_90():
    # nosniff missing (-5), CSP missing (-25), frame missing (-20), HSTS missing (-20)
    # but COOP same-origin (+10): the bonus must not count (interim 30 < 90).
    f = one(judge({"Cross-Origin-Opener-Policy": "same-origin"}), "headers.grade")
    assert f.status == "fail"
    assert f.extra["interim_score"] == 30 and f.extra["bonuses"] == 10
    assert f.extra["score"] == 30 and f.extra["grade"] == "D"
    assert not f.extra["bonuses_counted"]
    assert "not counted" in f.evidence


def test_grade_error_on_ungradable_status():
    s = site(GOOD_HEADERS)
    from dataclasses import replace

    bad = replace(s, auto=replace(s.auto, status=500))
    (f,) = [
        f
        for f in headers.judge(HeadersObservation("https://x", bad), None, preload=NO_PRELOAD)
        if f.id == "headers.grade"
    ]
    assert f.status == "error"


def test_unreachable_site_is_error_not_fail():
    found = headers.judge(HeadersObservation("https://x", None, error="connect: refused"))
    assert {f.status for f in found} == {"error"}
    assert all("refused" in f.title for f in found)


def test_hsts_missing_weak_invalid_and_clean():
    assert one(judge({}), "headers.hsts.missing").status == "fail"
    weak = judge({"Strict-Transport-Security": "max-age=86400"})
    assert one(weak, "headers.hsts.missing").status == "pass"
    assert one(weak, "headers.hsts.weak").status == "fail"
    assert one(weak, "headers.hsts.weak").extra["max_age"] == 86400
    bad = judge({"Strict-Transport-Security": "includeSubDomains"})
    assert one(bad, "headers.hsts.missing").status == "fail"
    good = judge({"Strict-Transport-Security": "max-age=31536000"})
    assert one(good, "headers.hsts.weak").status == "pass"


def test_hsts_skipped_without_https():
    found = judge({}, site_kw={"https": False})
    assert one(found, "headers.hsts.missing").status == "skipped"


def test_csp_missing_and_report_only_counts_as_missing():
    assert one(judge({}), "headers.csp.missing").status == "fail"
    ro = judge({"Content-Security-Policy-Report-Only": "default-src 'self'"})
    f = one(ro, "headers.csp.missing")
    assert f.status == "fail" and "Report-Only" in f.evidence


def test_csp_in_meta_counts():
    html = (
        '<html><head><meta http-equiv="Content-Security-Policy" content="default-src '
        "'self'; object-src 'none'; base-uri 'self'\"></head></html>"
    )
    found = judge({}, site_kw={"html": html})
    assert one(found, "headers.csp.missing").status == "pass"
    assert one(found, "headers.csp.unsafe").status == "pass"


def test_csp_unsafe_inline_fails_and_names_clause():
    f = one(
        judge({"Content-Security-Policy": "script-src 'self' 'unsafe-inline'"}),
        "headers.csp.unsafe",
    )
    assert f.status == "fail" and "unsafe-inline" in f.title and f.severity == "high"


def test_csp_wildcard_scheme_and_data_fail():
    for src in ("*", "https:", "http:", "data:"):
        f = one(
            judge({"Content-Security-Policy": f"script-src {src}; object-src 'none'"}),
            "headers.csp.unsafe",
        )
        assert f.status == "fail", src


def test_csp_trap_nonce_with_strict_dynamic_is_safe():
    # CSP3 browsers ignore 'unsafe-inline' and host/scheme allow-lists when a nonce is present
    # with 'strict-dynamic': this is Google's recommended strict CSP with fallbacks.
    policy = (
        "script-src 'nonce-r4nd0m' 'strict-dynamic' 'unsafe-inline' https: http:; "
        "object-src 'none'; base-uri 'none'"
    )
    found = judge({"Content-Security-Policy": policy})
    assert one(found, "headers.csp.unsafe").status == "pass"
    assert one(found, "headers.csp.unsafe").extra["strict_dynamic"]


def test_csp_hash_neutralises_unsafe_inline_but_not_unsafe_eval():
    policy = (
        "script-src 'sha256-abc=' 'unsafe-inline' 'unsafe-eval'; object-src 'none'; base-uri 'none'"
    )
    f = one(judge({"Content-Security-Policy": policy}), "headers.csp.unsafe")
    assert f.status == "fail" and f.extra["issues"] == ["unsafe-eval"]


def test_csp_missing_object_src_and_base_uri_is_a_low_note():
    f = one(judge({"Content-Security-Policy": "script-src 'self'"}), "headers.csp.unsafe")
    assert f.status == "warn" and f.severity == "low"
    assert set(f.extra["notes"]) == {"missing-object-src", "missing-base-uri"}


def test_strict_dynamic_without_nonce_is_noted_not_invalid():
    f = one(
        judge(
            {
                "Content-Security-Policy": "script-src 'self' 'strict-dynamic'; "
                "object-src 'none'; base-uri 'none'"
            }
        ),
        "headers.csp.unsafe",
    )
    assert f.status == "warn" and "strict-dynamic-ineffective" in f.extra["notes"]


def test_xcto():
    assert one(judge({}), "headers.xcto.missing").status == "fail"
    assert (
        one(judge({"X-Content-Type-Options": "nosniff"}), "headers.xcto.missing").status == "pass"
    )
    assert one(judge({"X-Content-Type-Options": "sniff"}), "headers.xcto.missing").status == "fail"


def test_frame_via_xfo_or_frame_ancestors_but_not_meta():
    assert one(judge({}), "headers.frame.missing").status == "fail"
    assert one(judge({"X-Frame-Options": "SAMEORIGIN"}), "headers.frame.missing").status == "pass"
    fa = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'"}
    assert one(judge(fa), "headers.frame.missing").status == "pass"
    meta = (
        '<html><head><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'self'; frame-ancestors 'none'\"></head></html>"
    )
    assert one(judge({}, site_kw={"html": meta}), "headers.frame.missing").status == "fail"


def test_referrer_policy():
    assert (
        one(
            judge({"Referrer-Policy": "strict-origin-when-cross-origin"}),
            "headers.referrer.missing",
        ).status
        == "pass"
    )
    unsafe = one(judge({"Referrer-Policy": "unsafe-url"}), "headers.referrer.missing")
    assert unsafe.status == "fail" and unsafe.extra["policy"] == "unsafe-url"
    absent = one(judge({}), "headers.referrer.missing")
    assert absent.status == "warn" and absent.severity == "info"
    # the last valid value wins, as in browsers
    assert (
        one(
            judge({"Referrer-Policy": "unsafe-url, no-referrer"}), "headers.referrer.missing"
        ).status
        == "pass"
    )


def test_session_cookie_without_secure_is_critical():
    found = judge([("Set-Cookie", "sessionid=abc123; Path=/; HttpOnly; SameSite=Lax")])
    (f,) = by_id(found, "headers.cookie.insecure")
    assert f.status == "fail" and f.severity == "critical" and f.extra["missing"] == ["Secure"]
    assert "abc123" not in f.evidence
    assert "abc123" not in REDACTOR.scrub("leaked sessionid=abc123 in a log")


def test_session_cookie_without_httponly_or_samesite():
    found = judge([("Set-Cookie", "laravel_session=x; Path=/; Secure")])
    (f,) = by_id(found, "headers.cookie.insecure")
    assert f.status == "fail" and f.severity == "high"
    assert f.extra["missing"] == ["HttpOnly", "SameSite"]


def test_clean_session_cookie_passes():
    found = judge([("Set-Cookie", "__Host-session=x; Path=/; Secure; HttpOnly; SameSite=Lax")])
    (f,) = by_id(found, "headers.cookie.insecure")
    assert f.status == "pass"


def test_trap_cdn_and_lb_cookies_are_not_session_cookies():
    found = judge(
        [
            ("Set-Cookie", "__cf_bm=x; path=/; expires=Fri, 27-Nov-26 19:00:00 GMT"),
            ("Set-Cookie", "AWSALB=y; Expires=Fri, 04 Dec 2026 18:00:00 GMT; Path=/"),
            ("Set-Cookie", "heroku-session-affinity=z; Path=/"),
            ("Set-Cookie", "_ga=GA1.1.1; Path=/"),
        ]
    )
    (f,) = by_id(found, "headers.cookie.insecure")
    assert f.status == "pass"
    assert "__cf_bm" in f.extra["platform_cookies_ignored"]


def test_cookie_set_by_login_page_is_judged():
    login = ex(
        "https://portal.example.com/login/",
        200,
        [
            ("Set-Cookie", "csrftoken=t; Path=/; SameSite=Lax"),
            ("Set-Cookie", "JSESSIONID=s; Path=/"),
        ],
    )
    found = judge(GOOD_HEADERS, cookie_sources=(login,))
    (f,) = by_id(found, "headers.cookie.insecure")
    assert f.status == "fail" and f.subject.endswith("/login/ cookie JSESSIONID")


def test_version_leak_only_for_versioned_values():
    leak = one(
        judge({"Server": "nginx/1.18.0 (Ubuntu)", "X-Powered-By": "PHP/8.1.2"}),
        "headers.version-leak",
    )
    assert leak.status == "fail" and len(leak.extra["headers"]) == 2
    clean = judge({"Server": "nginx", "X-Powered-By": "Express", "Via": "1.1 varnish"})
    assert one(clean, "headers.version-leak").status == "pass"
