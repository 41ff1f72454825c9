"""The Observatory input built from network types, and the cookie parser against tough-cookie."""

from __future__ import annotations

import pytest
from support.web_builders import ex
from support.web_observatory_vectors import load_vectors, stub_preload

from launchready.checks import observatory
from launchready.net.types import RedirectChain
from launchready.web.cookies import is_session_cookie, jar_from_set_cookie, parse_set_cookie
from launchready.web.exchange import from_net
from launchready.web.preload import PackagePreload, SnapshotPreload

COOKIE_VECTORS = [v for v in load_vectors() if v["analyzer"] == "cookiesTest" and v["cookies"]]


@pytest.mark.parametrize("v", COOKIE_VECTORS, ids=lambda v: str(v["id"]))
def test_set_cookie_parser_agrees_with_tough_cookie_jar(v):
    lines = v["auto"]["headers"]["Set-Cookie"]
    jar = jar_from_set_cookie(("https://mozilla.org/", line) for line in lines)
    got = [(c.key, c.secure, c.http_only, c.same_site, c.domain) for c in jar]
    want = [
        (c["key"], c["secure"], c["httpOnly"], c["sameSite"], c["domain"]) for c in v["cookies"]
    ]
    assert got == want


def test_invalid_samesite_keeps_raw_value():
    c = parse_set_cookie("sid=1; SameSite=True; Secure")
    assert c.same_site is None and c.raw_same_site == "True"


def test_session_cookie_names():
    for name in (
        "sessionid",
        "PHPSESSID",
        "JSESSIONID",
        "connect.sid",
        "laravel_session",
        "_myapp_session",
        "auth_token",
        "__Host-session",
        "remember_token",
    ):
        assert is_session_cookie(name), name
    for name in (
        "__cf_bm",
        "AWSALB",
        "AWSALBCORS",
        "heroku-session-affinity",
        "_ga",
        "csrftoken",
        "theme",
        "_hjSessionUser_123",
        "BIGipServerpool",
    ):
        assert not is_session_cookie(name), name


def _chains(page_headers, *, http_to_https=True, verified=True):
    page = ex("https://portal.example.com/", 200, page_headers, "<html></html>", verified=verified)
    https_chain = RedirectChain(page.url, (page,))
    if http_to_https:
        hop = ex("http://portal.example.com/", 301, {"Location": page.url})
        http_chain = RedirectChain(hop.url, (hop, page))
    else:
        http_chain = RedirectChain(
            "http://portal.example.com/",
            (ex("http://portal.example.com/", 200, page_headers, "<html></html>"),),
        )
    return http_chain, https_chain


def test_from_net_joins_repeated_headers_like_node():
    http_chain, https_chain = _chains(
        [
            ("Strict-Transport-Security", "max-age=31536000"),
            ("Strict-Transport-Security", "max-age=31536000"),
            ("Set-Cookie", "a=1; Secure"),
            ("Set-Cookie", "b=2; Secure"),
        ]
    )
    site = from_net("portal.example.com", http_chain=http_chain, https_chain=https_chain)
    assert site.https.values("strict-transport-security") == ["max-age=31536000, max-age=31536000"]
    assert len(site.auto.values("set-cookie")) == 2
    outcome = observatory.strict_transport_security(site, SnapshotPreload())
    assert outcome.result == "hsts-header-invalid"  # as the Observatory sees a doubled header


def test_from_net_redirection_and_invalid_certificate():
    http_chain, https_chain = _chains({})
    site = from_net("portal.example.com", http_chain=http_chain, https_chain=https_chain)
    assert observatory.redirection(site, SnapshotPreload()).result == "redirection-to-https"
    http_chain, https_chain = _chains({}, verified=False)
    site = from_net("portal.example.com", http_chain=http_chain, https_chain=https_chain)
    assert observatory.redirection(site, SnapshotPreload()).result == "redirection-invalid-cert"
    assert observatory.strict_transport_security(site, SnapshotPreload()).result == (
        "hsts-invalid-cert"
    )
    http_chain, https_chain = _chains({}, http_to_https=False)
    site = from_net("portal.example.com", http_chain=http_chain, https_chain=https_chain)
    assert observatory.redirection(site, SnapshotPreload()).result == "redirection-missing"


def test_grade_table_and_arithmetic():
    assert [
        observatory.grade_for(s) for s in (135, 100, 94, 85, 79, 65, 60, 50, 45, 40, 30, 25, 24, 0)
    ] == ["A+", "A+", "A", "A-", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F", "F"]


def test_preload_snapshot_and_package():
    stub = stub_preload()
    assert stub.is_preloaded("bugzilla.mozilla.org")
    assert stub.is_preloaded("baz.cloudflare.com")  # includeSubDomains
    assert not stub.is_preloaded("dropboxusercontent.com")  # pinning only, no force-https
    assert not stub.is_preloaded("mozilla.org")
    package = PackagePreload()
    assert package.as_of and package.is_preloaded("bugzilla.mozilla.org")
