"""Raw generator samples -> a `LatencyMeasurement`: HdrHistogram percentiles and counters.

Percentiles come from HdrHistograms (1 µs .. 60 s, 3 significant digits), never from averaging;
the encoded histograms travel in the report so runs can be merged or re-read later. This module
is pure: it turns numbers into numbers, so the judging can be tested with hand-made values.
"""

from __future__ import annotations

import math

from hdrh.histogram import HdrHistogram

from launchready.perf.generator import RawRun
from launchready.perf.types import LatencyMeasurement

LOWEST_US = 1
HIGHEST_US = 60_000_000
DIGITS = 3
SPECTRUM = (0.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0)


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)


def histogram_of(seconds) -> HdrHistogram:
    hist = new_histogram()
    for value in seconds:
        hist.record_value(min(max(round(value * 1e6), LOWEST_US), HIGHEST_US))
    return hist


def summarize(
    raw: RawRun, rate: float, duration: float, timeline_cap: int = 20_000
) -> LatencyMeasurement:
    """Build the measurement of one window. The timeline keeps every sample up to `timeline_cap`
    and then the slowest of each bucket, so a stall is never thinned away."""
    latency = histogram_of(raw.latency)
    lag = histogram_of(raw.lag)
    service = histogram_of(raw.service)

    def pct(hist: HdrHistogram, q: float) -> float:
        return hist.get_value_at_percentile(q) / 1000.0 if hist.get_total_count() else 0.0

    spectrum = []
    if latency.get_total_count():
        for item in latency.get_percentile_iterator(5):
            spectrum.append(
                (round(item.percentile_level_iterated_to, 5), item.value_iterated_to / 1000)
            )
    return LatencyMeasurement(
        rate=rate,
        samples=len(raw.latency),
        duration_s=duration,
        window_s=raw.window_s,
        p50_ms=pct(latency, 50),
        p95_ms=pct(latency, 95),
        p99_ms=pct(latency, 99),
        max_ms=latency.get_max_value() / 1000.0 if latency.get_total_count() else 0.0,
        lag_p99_ms=pct(lag, 99),
        lag_max_ms=lag.get_max_value() / 1000.0 if lag.get_total_count() else 0.0,
        errors=raw.errors,
        timeouts=raw.timeouts,
        cap_hits=raw.cap_hits,
        cpu_share=raw.cpu_s / raw.wall_s if raw.wall_s > 0 else 0.0,
        statuses=dict(raw.statuses),
        error_samples=list(raw.error_samples),
        service_p95_ms=pct(service, 95),
        spectrum=spectrum,
        timeline=_timeline(raw, timeline_cap),
        histogram=latency.encode().decode("ascii") if latency.get_total_count() else "",
        p95_ci_ms=order_statistic_interval(latency, 95.0),
        fatal=raw.fatal,
    )


def order_statistic_interval(
    hist: HdrHistogram, q: float, z: float = 1.96
) -> tuple[float, float] | None:
    """A distribution-free 95 % interval of the q-th percentile: the sample values at the ranks
    n*p -/+ z*sqrt(n*p*(1-p)) (binomial normal approximation). None below 20 samples."""
    n = hist.get_total_count()
    if n < 20:
        return None
    p = q / 100.0
    spread = z * math.sqrt(n * p * (1 - p))
    lo = max(0.0, (n * p - spread) / n * 100)
    hi = min(100.0, (n * p + spread + 1) / n * 100)
    return (hist.get_value_at_percentile(lo) / 1000.0, hist.get_value_at_percentile(hi) / 1000.0)


def _timeline(raw: RawRun, cap: int) -> list[tuple[float, float, int]]:
    points = [
        (round(t, 4), round(lat * 1000, 3), int(bad))
        for t, lat, bad in zip(raw.planned_offset, raw.latency, raw.failed, strict=True)
    ]
    if len(points) <= cap:
        return points
    step = max(p[0] for p in points) / cap or 1.0
    slowest: dict[int, tuple[float, float, int]] = {}
    for point in points:
        bucket = int(point[0] / step)
        if bucket not in slowest or point[1] > slowest[bucket][1]:
            slowest[bucket] = point
    return sorted(slowest.values())
