"""Plots, the baseline comparison and the text table: pure functions over hand-made values."""

from __future__ import annotations

import base64

from launchready.perf.baseline import compare
from launchready.perf.plots import plots_for
from launchready.perf.table import perf_text
from launchready.perf.types import LatencyMeasurement
from launchready.report import Report
from launchready.report.catalogue import spec_for


def measurement() -> LatencyMeasurement:
    timeline = [(i * 0.01, 5.0 if i % 200 else 300.0, int(i == 7)) for i in range(1000)]
    return LatencyMeasurement(
        rate=100.0,
        samples=1000,
        duration_s=10.0,
        window_s=10.0,
        p50_ms=5.0,
        p95_ms=5.0,
        p99_ms=300.0,
        max_ms=300.0,
        lag_p99_ms=0.5,
        lag_max_ms=1.0,
        spectrum=[(0.0, 5.0), (50.0, 5.0), (99.0, 5.0), (99.5, 300.0), (100.0, 300.0)],
        timeline=timeline,
    )


def test_plots_are_embeddable_png_or_svg_data_uris():
    png = plots_for(measurement(), 300.0, "tickets")
    assert set(png) == {"spectrum", "timeline"}
    for uri in png.values():
        head, _, data = uri.partition(",")
        assert head == "data:image/png;base64"
        assert base64.b64decode(data).startswith(b"\x89PNG")
    svg = plots_for(measurement(), 300.0, "tickets", fmt="svg")
    assert svg["spectrum"].startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(svg["timeline"].partition(",")[2])


def test_no_plots_without_samples():
    empty = measurement()
    empty.timeline, empty.spectrum = [], []
    assert plots_for(empty, 300.0, "x") == {}


def latency(subject: str, p95: float | None, status: str = "pass"):
    spec = spec_for("perf.latency")
    return spec.finding(
        status,
        subject,
        "t",
        p95_ms=p95,
        p50_ms=1.0,
        p99_ms=None,
        max_ms=2.0,
        achieved_rate=100.0,
        errors=0,
        target_ms=300.0,
        rate=100.0,
        requests=1000,
    )


def test_baseline_change_per_endpoint_and_per_query():
    import launchready.checks.perf  # noqa: F401 - registers the perf specs

    old = Report("perf", "http://x.test", [latency("GET /a", 100.0), latency("GET /gone", 5.0)])
    old.extra["perf"] = {
        "queries": {
            "GET /a": [
                {
                    "statement": "SELECT ? FROM t WHERE id = ?",
                    "calls": 1000,
                    "per_request": 10.0,
                    "mean_ms": 2.0,
                },
                {"statement": "SELECT old", "calls": 10, "per_request": 0.1, "mean_ms": 1.0},
            ]
        }
    }
    new = Report("perf", "http://x.test", [latency("GET /a", 150.0), latency("GET /new", 7.0)])
    new.extra["perf"] = {
        "queries": {
            "GET /a": [
                {
                    "statement": "SELECT ? FROM t WHERE id IN (?...)",
                    "calls": 100,
                    "per_request": 1.0,
                    "mean_ms": 3.0,
                },
                {
                    "statement": "SELECT ? FROM t WHERE id = ?",
                    "calls": 100,
                    "per_request": 1.0,
                    "mean_ms": 2.5,
                },
            ]
        }
    }
    result = compare(old.to_dict(), new)
    a = next(e for e in result["endpoints"] if e["endpoint"] == "GET /a")
    assert a["p95_ms"] == {"before": 100.0, "after": 150.0, "delta": 50.0, "change_pct": 50.0}
    assert next(e for e in result["endpoints"] if e["endpoint"] == "GET /new")["new"] is True
    rows = {q["statement"]: q for q in result["queries"]}
    assert rows["SELECT ? FROM t WHERE id = ?"]["per_request"]["change_pct"] == -90.0
    assert rows["SELECT ? FROM t WHERE id IN (?...)"]["new"] is True
    assert rows["SELECT old"]["gone"] is True


def test_text_table_shows_value_beside_target_and_inconclusive_without_numbers():
    import launchready.checks.perf  # noqa: F401

    spec = spec_for("perf.latency")
    findings = [
        spec.finding(
            "fail",
            "GET /slow",
            "p95 420.0 ms is over the 300 ms target at 20/s",
            p50_ms=80.0,
            p95_ms=420.0,
            p99_ms=None,
            max_ms=900.0,
            target_ms=300.0,
            requests=600,
            rate=20.0,
            achieved_rate=20.0,
            errors=0,
            lag_p99_ms=0.4,
        ),
        spec.error(
            "GET /shaky",
            "measurement invalid: schedule lag",
            inconclusive=True,
            p50_ms=None,
            p95_ms=None,
            p99_ms=None,
            max_ms=None,
            target_ms=300.0,
            requests=600,
            rate=20.0,
            achieved_rate=19.0,
            errors=0,
            lag_p99_ms=30.0,
        ),
    ]
    text = perf_text(Report("perf", "http://x.test", findings).to_dict())
    slow = next(line for line in text.splitlines() if line.startswith("GET /slow"))
    assert "420.0" in slow and " 300 " in slow and slow.endswith("FAIL")
    shaky = next(line for line in text.splitlines() if line.startswith("GET /shaky"))
    assert shaky.endswith("INCONCLUSIVE") and "420" not in shaky and " - " in shaky
