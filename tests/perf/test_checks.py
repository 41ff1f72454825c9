"""The pure perf judges, on hand-made measurements: each condition, its clean control, its traps."""

from __future__ import annotations

import pytest

from launchready.checks import perf as checks
from launchready.net import HttpExchange
from launchready.perf.types import EndpointObservation, LatencyMeasurement, QueryStat, QueryWindow


def measurement(**kw) -> LatencyMeasurement:
    base = dict(
        rate=100.0,
        samples=1000,
        duration_s=10.0,
        window_s=10.0,
        p50_ms=20.0,
        p95_ms=120.0,
        p99_ms=180.0,
        max_ms=250.0,
        lag_p99_ms=0.8,
        lag_max_ms=2.0,
        spectrum=[(50.0, 20.0), (95.0, 120.0)],
        timeline=[(0.01 * i, 20.0, 0) for i in range(1000)],
    )
    base.update(kw)
    return LatencyMeasurement(**base)


def endpoint(m=None, **kw) -> EndpointObservation:
    base = dict(
        name="tickets",
        method="GET",
        path="/api/tickets",
        url="https://portal.launch.test/api/tickets",
        target_ms=300.0,
        latency=m,
    )
    base.update(kw)
    return EndpointObservation(**base)


def test_latency_within_target_passes_with_contract_fields():
    f = checks.judge_latency(endpoint(measurement()))
    assert f.status == "pass"
    assert f.subject == "GET /api/tickets"
    d = f.to_dict()
    for key in ("p50_ms", "p95_ms", "p99_ms", "target_ms", "requests", "rate", "achieved_rate"):
        assert d[key] is not None, key
    assert d["p95_ms"] == 120.0 and d["target_ms"] == 300.0 and d["requests"] == 1000
    assert d["rate"] == 100.0 and d["achieved_rate"] == 100.0
    assert d["max_ms"] == 250.0 and d["errors"] == 0 and d["lag_p99_ms"] == 0.8


def test_latency_over_target_fails_and_shows_value_beside_threshold():
    f = checks.judge_latency(endpoint(measurement(p95_ms=301.0)))
    assert f.status == "fail"
    assert f.title == "p95 301.0 ms is over the 300 ms target at 100/s"
    assert "open loop @ 100/s" in f.evidence


def test_p95_equal_to_target_is_not_over_it():
    assert checks.judge_latency(endpoint(measurement(p95_ms=300.0))).status == "pass"


def test_write_default_target_comes_from_config_not_judge():
    f = checks.judge_latency(endpoint(measurement(p95_ms=500.0), method="POST", target_ms=700.0))
    assert f.status == "pass" and f.subject == "POST /api/tickets"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"samples": 199, "window_s": 1.99}, "fewer than the 200"),
        ({"window_s": 10.4}, "achieved 96.2/s"),  # 1000 / 10.4 s is 96 % of 100/s
        ({"lag_p99_ms": 6.1}, "schedule lag p99 6.1 ms > 6 ms"),
        ({"cap_hits": 3}, "in-flight cap was reached 3 times"),
        ({"fatal": "the load generator did not finish within 60s"}, "did not finish"),
    ],
)
def test_validity_gates_make_the_run_inconclusive_without_numbers(change, words):
    f = checks.judge_latency(endpoint(measurement(**change)))
    assert f.status == "error"
    assert checks.is_inconclusive(f)
    assert words in f.title
    d = f.to_dict()
    assert d["p95_ms"] is None and d["p50_ms"] is None and d["p99_ms"] is None


def test_gate_controls_just_inside_the_limits_pass():
    m = measurement(samples=200, window_s=2.0 / 0.97 * 0.9999, lag_p99_ms=6.0, cap_hits=0)
    f = checks.judge_latency(endpoint(m))
    assert f.status == "pass", f.title


def test_lag_limit_scales_with_target():
    assert checks.lag_limit_ms(300) == 6.0
    assert checks.lag_limit_ms(100) == 5.0
    f = checks.judge_latency(endpoint(measurement(lag_p99_ms=5.5), target_ms=300))
    assert f.status == "pass"


def test_p99_is_withheld_below_1000_samples():
    f = checks.judge_latency(endpoint(measurement(samples=600, window_s=6.0)))
    assert f.status == "pass"
    assert f.to_dict()["p99_ms"] is None
    assert f.to_dict()["p95_ms"] == 120.0


def test_error_share_over_one_percent_fails_even_when_fast():
    m = measurement(errors=11, statuses={200: 989, 503: 11}, error_samples=["HTTP 503"])
    f = checks.judge_latency(endpoint(m))
    assert f.status == "fail"
    assert f.tier == 0
    assert "1.1%" in f.title and "HTTP 503" in f.evidence


def test_error_share_of_exactly_one_percent_is_tolerated():
    assert checks.judge_latency(endpoint(measurement(errors=10))).status == "pass"


def test_errors_fail_before_validity_gates():
    """A server failing under load is the finding, even if the run was also shaky."""
    f = checks.judge_latency(endpoint(measurement(errors=500, lag_p99_ms=50.0)))
    assert f.status == "fail" and not checks.is_inconclusive(f)


def test_unmeasured_endpoint_is_inconclusive():
    f = checks.judge_latency(endpoint(None, error="refusing an active GET to evil.test"))
    assert f.status == "error" and checks.is_inconclusive(f)
    assert "evil.test" in f.title


def test_timeline_is_thinned_but_keeps_the_stall():
    points = [(i * 0.001, 5.0, 0) for i in range(30_000)]
    points[12_345] = (12.345, 300.0, 0)
    thin = checks.thin(points, 1000)
    assert len(thin) <= 1000
    assert max(p[1] for p in thin) == 300.0


def exchange(body: bytes, ctype: str, encoding: str | None = None, **kw) -> HttpExchange:
    headers = [("Content-Type", ctype)]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return HttpExchange(
        "GET", "https://portal.launch.test/x", status=200, headers=tuple(headers), body=body, **kw
    )


def by_id(findings):
    return {f.id: f for f in findings}


def test_large_json_payload_warns():
    obs = endpoint(payload=exchange(b"[" + b"1," * 600_000 + b"1]", "application/json", "gzip"))
    got = by_id(checks.judge_payload(obs))
    assert got["perf.payload.large"].status == "warn"
    assert got["perf.payload.large"].extra["bytes"] > 1_000_000
    assert got["perf.payload.uncompressed"].status == "pass"


def test_large_image_is_not_a_large_html_or_json_payload():
    obs = endpoint(payload=exchange(b"\0" * 2_000_000, "image/png"))
    got = by_id(checks.judge_payload(obs))
    assert got["perf.payload.large"].status == "pass"
    assert got["perf.payload.uncompressed"].status == "pass"  # not text


def test_uncompressed_text_over_1kb_warns_and_compressed_or_small_passes():
    got = by_id(
        checks.judge_payload(endpoint(payload=exchange(b"a" * 2000, "text/html; charset=utf-8")))
    )
    assert got["perf.payload.uncompressed"].status == "warn"
    assert "Accept-Encoding: gzip, br" in got["perf.payload.uncompressed"].evidence
    got = by_id(checks.judge_payload(endpoint(payload=exchange(b"a" * 2000, "text/html", "br"))))
    assert got["perf.payload.uncompressed"].status == "pass"
    got = by_id(checks.judge_payload(endpoint(payload=exchange(b"a" * 1024, "text/html"))))
    assert got["perf.payload.uncompressed"].status == "pass"


def test_payload_of_a_write_is_skipped_and_of_a_dead_endpoint_is_error():
    got = by_id(checks.judge_payload(endpoint(method="POST")))
    assert got["perf.payload.large"].status == "skipped"
    dead = HttpExchange("GET", "https://portal.launch.test/x", error="connect: refused")
    got = by_id(checks.judge_payload(endpoint(payload=dead)))
    assert got["perf.payload.large"].status == "error"
    assert "refused" in got["perf.payload.large"].title


def window(*stats, requests=100, **kw) -> QueryWindow:
    return QueryWindow("postgresql", list(stats), requests=requests, **kw)


def test_slow_query_by_mean_names_the_normalized_statement():
    slow = QueryStat("SELECT pg_sleep($1)", calls=100, total_ms=25_000.0)
    got = checks.judge_queries(endpoint(queries=window(slow)), 200, True)
    f = by_id(got)["perf.query.slow"]
    assert f.status == "warn"
    d = f.to_dict()
    assert d["statement"] == "SELECT pg_sleep($1)" and d["calls"] == 100
    assert d["mean_ms"] == 250.0 and d["max_ms"] is None and d["basis"] == "mean"
    assert "mean-based" in f.evidence


def test_slow_query_by_max_when_backend_knows_the_window_max():
    spiky = QueryStat("SELECT * FROM t WHERE id = ?", calls=100, total_ms=1000.0, max_ms=450.0)
    f = by_id(checks.judge_queries(endpoint(queries=window(spiky)), 200, True))["perf.query.slow"]
    assert f.status == "warn" and f.extra["basis"] == "max"


def test_fast_queries_pass_slow_query_check():
    fast = QueryStat("SELECT 1", calls=100, total_ms=100.0, max_ms=2.0)
    f = by_id(checks.judge_queries(endpoint(queries=window(fast)), 200, True))["perf.query.slow"]
    assert f.status == "pass"


def test_n_plus_one_at_five_per_request_and_not_at_four():
    five = QueryStat("SELECT name FROM items WHERE id = $1", calls=500, total_ms=50.0)
    got = checks.judge_queries(endpoint(queries=window(five)), 200, True)
    f = by_id(got)["perf.query.n-plus-one"]
    assert f.status == "warn"
    assert f.subject == "GET /api/tickets"
    assert f.extra["statement"] == "SELECT name FROM items WHERE id = $1"
    assert f.extra["per_request"] == 5.0
    four = QueryStat("SELECT name FROM items WHERE id = $1", calls=400, total_ms=50.0)
    got = checks.judge_queries(endpoint(queries=window(four)), 200, True)
    assert by_id(got)["perf.query.n-plus-one"].status == "pass"


def test_repeated_unparameterised_statement_is_not_n_plus_one():
    """BEGIN/COMMIT or SET run many times per request are not per-item queries."""
    begin = QueryStat("BEGIN", calls=1000, total_ms=5.0)
    got = checks.judge_queries(endpoint(queries=window(begin)), 200, True)
    assert by_id(got)["perf.query.n-plus-one"].status == "pass"


def test_query_checks_skipped_without_database_and_when_backend_cannot_report():
    got = by_id(checks.judge_queries(endpoint(), 200, False))
    assert got["perf.query.slow"].status == "skipped"
    assert "database_url" in got["perf.query.slow"].title
    off = QueryWindow("mysql", skipped="performance_schema is off on this server")
    got = by_id(checks.judge_queries(endpoint(queries=off), 200, True))
    assert got["perf.query.n-plus-one"].status == "skipped"
    assert "performance_schema" in got["perf.query.n-plus-one"].title
    broken = QueryWindow("postgresql", error="snapshot failed: permission denied")
    got = by_id(checks.judge_queries(endpoint(queries=broken), 200, True))
    assert got["perf.query.slow"].status == "error"


def test_slow_and_n_plus_one_fingerprints_are_per_endpoint_and_statement():
    a = QueryStat("SELECT pg_sleep($1)", calls=10, total_ms=5000.0)
    f1 = by_id(checks.judge_queries(endpoint(queries=window(a)), 200, True))["perf.query.slow"]
    f2 = by_id(checks.judge_queries(endpoint(queries=window(a), path="/other"), 200, True))[
        "perf.query.slow"
    ]
    assert f1.fingerprint != f2.fingerprint
