"""cors.*: reflected, null, look-alike and wildcard origins; credentials decide severity."""

from __future__ import annotations

from support.web_builders import ex

from launchready.checks import cors
from launchready.web.observations import CorsObservation, CorsProbe

URL = "https://api.example.com/"
ORIGINS = {
    "arbitrary": "https://r4nd0m-origin.test",
    "null": "null",
    "prefix": "https://api.example.com.evil.test",
    "suffix": "https://evilexample.com",
    "http-twin": "http://api.example.com",
    "sibling": "https://evil.example.com",
}


def server(policy):
    """Probes against a server whose CORS answer is `policy(origin) -> headers`."""
    probes = []
    for kind, origin in ORIGINS.items():
        headers = policy(origin)
        exchange = ex(URL, 200, headers, request_headers={"Origin": origin})
        probes.append(CorsProbe(URL, origin, kind, exchange))
    return CorsObservation(targets=(URL,), probes=tuple(probes))


def by_id(findings):
    return {f.id: f for f in findings}


def test_reflect_everything_with_credentials_is_critical():
    found = by_id(
        cors.judge(
            server(
                lambda o: {
                    "Access-Control-Allow-Origin": o,
                    "Access-Control-Allow-Credentials": "true",
                    "Vary": "Origin",
                }
            )
        )
    )
    assert found["cors.origin-reflected"].status == "fail"
    assert found["cors.origin-reflected"].severity == "critical"
    assert found["cors.null-origin"].status == "fail"
    assert found["cors.null-origin"].severity == "high"
    assert found["cors.wildcard-credentials"].severity == "high"  # look-alikes beat the twin
    assert found["cors.vary-missing"].status == "pass"


def test_reflection_without_credentials_is_only_low():
    found = by_id(cors.judge(server(lambda o: {"Access-Control-Allow-Origin": o})))
    f = found["cors.origin-reflected"]
    assert f.status == "fail" and f.severity == "low" and not f.extra["credentials"]
    assert found["cors.vary-missing"].status == "warn"


def test_clean_allow_list_passes():
    def policy(origin):
        if origin == "https://portal.example.com":
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
        return {}

    found = cors.judge(server(policy))
    assert {f.status for f in found} == {"pass"}


def test_public_wildcard_without_credentials_passes():
    found = cors.judge(server(lambda o: {"Access-Control-Allow-Origin": "*"}))
    assert {f.status for f in found} == {"pass"}


def test_wildcard_with_credentials_is_reported():
    found = by_id(
        cors.judge(
            server(
                lambda o: {
                    "Access-Control-Allow-Origin": "*",
                    "Access-Control-Allow-Credentials": "true",
                }
            )
        )
    )
    assert found["cors.wildcard-credentials"].status == "fail"
    assert found["cors.origin-reflected"].status == "pass"


def test_suffix_regex_without_anchor_is_a_lookalike():
    # A server that trusts anything ending in "example.com" (the classic missing-dot bug).
    def policy(origin):
        if origin.endswith("example.com"):
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin",
            }
        return {}

    found = by_id(cors.judge(server(policy)))
    f = found["cors.wildcard-credentials"]
    assert f.status == "fail" and f.extra["kind"] == "suffix" and f.severity == "high"
    assert found["cors.origin-reflected"].status == "pass"


def test_http_twin_and_sibling_are_medium_with_credentials():
    def policy(origin):
        if origin in ("http://api.example.com", "https://evil.example.com"):
            return {
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin",
            }
        return {}

    f = by_id(cors.judge(server(policy)))["cors.wildcard-credentials"]
    assert f.status == "fail" and f.severity == "medium"


def test_permissive_cors_on_404_still_counts_and_records_status():
    probe = CorsProbe(
        URL,
        ORIGINS["arbitrary"],
        "arbitrary",
        ex(
            URL,
            404,
            {
                "Access-Control-Allow-Origin": ORIGINS["arbitrary"],
                "Access-Control-Allow-Credentials": "true",
            },
        ),
    )
    f = by_id(cors.judge(CorsObservation((URL,), (probe,))))["cors.origin-reflected"]
    assert f.status == "fail" and f.extra["status_code"] == 404


def test_unanswered_probes_are_error_and_no_targets_skipped():
    probe = CorsProbe(URL, "null", "null", ex(URL, error="timeout: 5s"))
    found = cors.judge(CorsObservation((URL,), (probe,)))
    assert {f.status for f in found} == {"error"}
    assert {f.status for f in cors.judge(CorsObservation())} == {"skipped"}


def test_preflight_granting_writes_to_a_foreign_origin_warns():
    origin = ORIGINS["arbitrary"]
    pre = ex(
        URL,
        204,
        {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "GET, PUT, DELETE",
            "Access-Control-Max-Age": "31536000",
            "Vary": "Origin",
        },
        method="OPTIONS",
        request_headers={"Origin": origin},
    )
    probe = CorsProbe(URL, origin, "arbitrary", pre, preflight=True)
    f = by_id(cors.judge(CorsObservation((URL,), (probe,))))["cors.preflight-permissive"]
    assert f.status == "warn" and len(f.extra["issues"]) == 2


def test_preflight_for_own_origin_only_passes():
    pre = ex(URL, 204, {}, method="OPTIONS")
    probe = CorsProbe(URL, ORIGINS["arbitrary"], "arbitrary", pre, preflight=True)
    f = by_id(cors.judge(CorsObservation((URL,), (probe,))))["cors.preflight-permissive"]
    assert f.status == "pass"


def test_probe_origins_cover_the_classes():
    from launchready.observe.web import probe_origins

    kinds = dict(probe_origins("https://portal.example.com/"))
    assert kinds["prefix"] == "https://portal.example.com.launchready.invalid"
    assert kinds["suffix"] == "https://launchreadyexample.com"
    assert kinds["substring"] == "https://xample.com"
    assert kinds["unescaped-dot"] == "https://portalxexample.com"
    assert kinds["http-twin"] == "http://portal.example.com"
    assert kinds["sibling"] == "https://launchready-probe.example.com"
    assert set(dict(probe_origins("http://127.0.0.1:8000/"))) == {"arbitrary", "null", "http-twin"}
