"""Latency, query timing and payload verdicts, judged from `perf.types` observations. Pure.

A latency number is only reported when the measurement can be trusted (notes/performance.md §3):
a generator that fell behind its schedule, could not keep the arrival rate, hit its in-flight cap
or has too few samples for the percentile yields `inconclusive` (status `error`, field
`inconclusive: true`, no percentiles), which makes the report's gate inconclusive (exit 3).
An error or timeout share over 1 % is a failure of the endpoint, not of the measurement.
"""

from __future__ import annotations

from launchready.perf.types import EndpointObservation, LatencyMeasurement, QueryStat
from launchready.report import Finding, check

LATENCY = check(
    "perf.latency",
    "p95 latency under load is over the target",
    "high",
    3,
    "Profile the endpoint under the same load (database queries first: see perf.query.*), add "
    "indexes or caching, trim the payload, or scale out; then measure again.",
)
QUERY_SLOW = check(
    "perf.query.slow",
    "A database statement is slow",
    "medium",
    3,
    "EXPLAIN ANALYZE the statement: add the missing index, select fewer columns or rows, or "
    "cache the result.",
)
N_PLUS_ONE = check(
    "perf.query.n-plus-one",
    "A page repeats one query shape per item (N+1)",
    "medium",
    3,
    "Fetch the related rows in one query (Django select_related/prefetch_related, a JOIN or "
    "WHERE id IN (...)) instead of one query per item.",
)
PAYLOAD_LARGE = check(
    "perf.payload.large",
    "A response is over 1 MB of HTML or JSON",
    "medium",
    3,
    "Paginate the list, drop unused fields, or stream it; browsers parse every byte before "
    "the page is usable.",
)
PAYLOAD_UNCOMPRESSED = check(
    "perf.payload.uncompressed",
    "A text response is sent uncompressed to a client that accepts gzip or br",
    "low",
    4,
    "Turn on gzip/brotli for text types at the proxy or app (nginx `gzip on; gzip_types ...`, "
    "Django GZipMiddleware, WhiteNoise for static files).",
)

MAX_ERROR_SHARE = 0.01
MIN_ACHIEVED = 0.97
MIN_SAMPLES_P95 = 200
MIN_SAMPLES_P99 = 1000
N_PLUS_ONE_REPEATS = 5
LARGE_BYTES = 1_000_000
COMPRESS_MIN_BYTES = 1024
TIMELINE_POINTS = 1000
_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml", "+json")
_LARGE_TYPES = ("text/html", "application/json", "+json")


def lag_limit_ms(target_ms: float) -> float:
    """Schedule lag p99 must stay under max(5 ms, 2 % of the target)."""
    return max(5.0, 0.02 * target_ms)


def validity_problems(m: LatencyMeasurement, target_ms: float) -> list[str]:
    """Why this measurement cannot be trusted; empty when it can."""
    problems = []
    if m.fatal:
        problems.append(m.fatal)
    if m.samples < MIN_SAMPLES_P95:
        problems.append(
            f"{m.samples} samples, fewer than the {MIN_SAMPLES_P95} a p95 needs "
            f"(raise [perf] rate or duration)"
        )
    if m.samples and m.achieved_rate < MIN_ACHIEVED * m.rate:
        problems.append(
            f"achieved {m.achieved_rate:.1f}/s of the planned {m.rate:g}/s "
            f"(under {MIN_ACHIEVED:.0%}): the generator could not keep the schedule"
        )
    limit = lag_limit_ms(target_ms)
    if m.samples and m.lag_p99_ms > limit:
        problems.append(
            f"schedule lag p99 {m.lag_p99_ms:.1f} ms > {limit:g} ms: the generator itself was late"
        )
    if m.cap_hits:
        problems.append(
            f"the in-flight cap was reached {m.cap_hits} times: load shrank while the server "
            f"was slow"
        )
    return problems


def judge_latency(obs: EndpointObservation) -> Finding:
    m = obs.latency
    subject = obs.subject
    base = {"endpoint": obs.name, "url": obs.url, "target_ms": obs.target_ms}
    if obs.error.startswith("unreachable"):
        # A finding, not an invalid measurement: the run is inconclusive only when no endpoint
        # answered at all (CONTRACT §1, exit 3), which the caller decides.
        return LATENCY.finding(
            "fail",
            subject,
            f"{subject} does not answer",
            evidence=obs.error,
            tier=0,
            p50_ms=None,
            p95_ms=None,
            p99_ms=None,
            max_ms=None,
            requests=0,
            rate=None,
            achieved_rate=None,
            **base,
        )
    if obs.error:
        return LATENCY.error(subject, obs.error, inconclusive=True, **base)
    if m is None:
        return LATENCY.error(subject, "no measurement was made", inconclusive=True, **base)
    fields = {
        **base,
        "rate": m.rate,
        "achieved_rate": round(m.achieved_rate, 2),
        "requests": m.samples,
        "errors": m.errors,
        "timeouts": m.timeouts,
        "cap_hits": m.cap_hits,
        "lag_p99_ms": round(m.lag_p99_ms, 3),
        "lag_max_ms": round(m.lag_max_ms, 3),
        "statuses": {str(k): v for k, v in sorted(m.statuses.items())},
    }
    model = (
        f"open loop @ {m.rate:g}/s for {m.duration_s:g}s, latency from intended start; "
        f"lag p99 = {m.lag_p99_ms:.1f} ms"
    )
    numbers = {
        "p50_ms": round(m.p50_ms, 3),
        "p95_ms": round(m.p95_ms, 3),
        "p99_ms": round(m.p99_ms, 3) if m.samples >= MIN_SAMPLES_P99 else None,
        "max_ms": round(m.max_ms, 3),
        "p95_ci_ms": [round(v, 3) for v in m.p95_ci_ms] if m.p95_ci_ms else None,
        "histogram": m.histogram,
        "spectrum": [[q, round(v, 3)] for q, v in m.spectrum],
        "timeline": [list(p) for p in thin(m.timeline, TIMELINE_POINTS)],
    }
    if m.samples and m.error_share > MAX_ERROR_SHARE:
        first = "; ".join(m.error_samples[:3])
        return LATENCY.finding(
            "fail",
            subject,
            f"{m.error_share:.1%} of requests failed under {m.rate:g}/s (limit 1 %)",
            evidence=f"{m.errors} of {m.samples} failed ({first}); {model}",
            tier=0,
            **fields,
            **numbers,
        )
    problems = validity_problems(m, obs.target_ms)
    if problems:
        return LATENCY.error(
            subject,
            "measurement invalid: " + "; ".join(problems),
            evidence=model,
            inconclusive=True,
            validity=problems,
            p50_ms=None,
            p95_ms=None,
            p99_ms=None,
            max_ms=None,
            **fields,
        )
    verdict = f"p95 {m.p95_ms:.1f} ms vs target {obs.target_ms:g} ms"
    evidence = f"{verdict}; p50 {m.p50_ms:.1f} ms, max {m.max_ms:.1f} ms; {model}"
    if m.p95_ms > obs.target_ms:
        title = f"p95 {m.p95_ms:.1f} ms is over the {obs.target_ms:g} ms target at {m.rate:g}/s"
        return LATENCY.finding("fail", subject, title, evidence=evidence, **fields, **numbers)
    title = f"p95 {m.p95_ms:.1f} ms within the {obs.target_ms:g} ms target at {m.rate:g}/s"
    return LATENCY.passed(subject, title, evidence=evidence, **fields, **numbers)


def judge_payload(obs: EndpointObservation) -> list[Finding]:
    subject = obs.subject
    ex = obs.payload
    if obs.method != "GET":
        why = f"only GET responses are inspected, this endpoint is {obs.method}"
        return [PAYLOAD_LARGE.skipped(subject, why), PAYLOAD_UNCOMPRESSED.skipped(subject, why)]
    if ex is None or not ex.ok:
        why = (ex.error if ex is not None else obs.error) or "the endpoint gave no response"
        return [PAYLOAD_LARGE.error(subject, why), PAYLOAD_UNCOMPRESSED.error(subject, why)]
    ctype = (ex.header("Content-Type") or "").split(";")[0].strip().lower()
    encoding = (ex.header("Content-Encoding") or "identity").strip().lower()
    size = len(ex.body)
    shown = f"{size:,} bytes{' or more' if ex.truncated else ''} of {ctype or 'no type'}"
    fields = {"bytes": size, "content_type": ctype, "content_encoding": encoding}
    out = []
    if any(t in ctype for t in _LARGE_TYPES) and size > LARGE_BYTES:
        out.append(
            PAYLOAD_LARGE.finding(
                "warn",
                subject,
                f"{obs.subject} returns {size / 1e6:.1f} MB of {ctype}",
                evidence=f"{shown} (limit {LARGE_BYTES:,}, after decompression)",
                **fields,
            )
        )
    else:
        out.append(PAYLOAD_LARGE.passed(subject, evidence=shown, **fields))
    offered = "gzip, br"
    is_text = any(t in ctype for t in _TEXT_TYPES)
    if is_text and size > COMPRESS_MIN_BYTES and encoding in ("identity", ""):
        out.append(
            PAYLOAD_UNCOMPRESSED.finding(
                "warn",
                subject,
                f"{obs.subject} sends {size:,} bytes of {ctype} uncompressed",
                evidence=f"Accept-Encoding: {offered} -> no Content-Encoding; {shown}",
                **fields,
            )
        )
    else:
        out.append(
            PAYLOAD_UNCOMPRESSED.passed(
                subject, evidence=f"{shown}, Content-Encoding {encoding}", **fields
            )
        )
    return out


def is_parameterised(statement: str) -> bool:
    """A shape that takes a value per call (`$1`, `?`): the per-item query of an N+1."""
    return "$" in statement or "?" in statement


def judge_queries(obs: EndpointObservation, slow_ms: float, configured: bool) -> list[Finding]:
    subject = obs.subject
    window = obs.queries
    if not configured:
        why = "[perf] database_url is not set"
        return [QUERY_SLOW.skipped(subject, why), N_PLUS_ONE.skipped(subject, why)]
    if window is None:
        why = obs.error or "no query statistics were read"
        return [QUERY_SLOW.error(subject, why), N_PLUS_ONE.error(subject, why)]
    if window.skipped:
        return [
            QUERY_SLOW.skipped(subject, window.skipped),
            N_PLUS_ONE.skipped(subject, window.skipped),
        ]
    if window.error:
        return [QUERY_SLOW.error(subject, window.error), N_PLUS_ONE.error(subject, window.error)]
    common = {"backend": window.backend, "reliable": window.reliable}
    if window.note:
        common["note"] = window.note
    return _slow(obs, window.statements, slow_ms, common) + _n_plus_one(
        obs, window.statements, window.requests, common
    )


def _stat_fields(stat: QueryStat) -> dict:
    return {
        "statement": stat.statement,
        "calls": stat.calls,
        "mean_ms": round(stat.mean_ms, 3),
        "max_ms": round(stat.max_ms, 3) if stat.max_ms is not None else None,
        "total_ms": round(stat.total_ms, 3),
    }


def _slow(
    obs: EndpointObservation, stats: list[QueryStat], slow_ms: float, common
) -> list[Finding]:
    out = []
    for stat in stats:
        over_max = stat.max_ms is not None and stat.max_ms > slow_ms
        if stat.mean_ms <= slow_ms and not over_max:
            continue
        basis = "mean" if stat.mean_ms > slow_ms else "max"
        worst = stat.mean_ms if basis == "mean" else stat.max_ms or 0.0
        out.append(
            QUERY_SLOW.finding(
                "warn",
                obs.subject,
                f"{basis} {worst:.0f} ms > {slow_ms:g} ms: {_short(stat.statement)}",
                evidence=(
                    f"{stat.calls} calls during {obs.subject}, mean {stat.mean_ms:.1f} ms"
                    + (f", max {stat.max_ms:.1f} ms" if stat.max_ms is not None else "")
                    + (
                        " (mean-based: the max of a window cannot be read)"
                        if stat.max_ms is None
                        else ""
                    )
                ),
                fingerprint_key=f"{obs.subject}\0{stat.statement}",
                basis=basis,
                slow_query_ms=slow_ms,
                **_stat_fields(stat),
                **common,
            )
        )
    if not out:
        out.append(
            QUERY_SLOW.passed(
                obs.subject,
                evidence=f"{len(stats)} statement shapes, none over {slow_ms:g} ms (mean or max)",
                **common,
            )
        )
    return out


def _n_plus_one(
    obs: EndpointObservation, stats: list[QueryStat], requests: int, common
) -> list[Finding]:
    out = []
    if requests > 0:
        for stat in stats:
            per_request = stat.calls / requests
            if per_request >= N_PLUS_ONE_REPEATS and is_parameterised(stat.statement):
                out.append(
                    N_PLUS_ONE.finding(
                        "warn",
                        obs.subject,
                        f"{per_request:.0f} x per request: {_short(stat.statement)}",
                        evidence=(
                            f"{stat.calls} calls over {requests} requests of {obs.subject} "
                            f"(threshold {N_PLUS_ONE_REPEATS} per request)"
                        ),
                        fingerprint_key=f"{obs.subject}\0{stat.statement}",
                        per_request=round(per_request, 2),
                        requests=requests,
                        **_stat_fields(stat),
                        **common,
                    )
                )
    if not out:
        out.append(
            N_PLUS_ONE.passed(
                obs.subject,
                evidence=f"no parameterised shape repeated {N_PLUS_ONE_REPEATS}+ times per request",
                **common,
            )
        )
    return out


def thin(points: list, limit: int) -> list:
    """At most `limit` points, keeping the slowest of each time bucket (stalls stay visible)."""
    if len(points) <= limit:
        return list(points)
    span = (points[-1][0] - points[0][0]) or 1.0
    slowest: dict[int, tuple] = {}
    for point in points:
        bucket = min(int((point[0] - points[0][0]) / span * limit), limit - 1)
        if bucket not in slowest or point[1] > slowest[bucket][1]:
            slowest[bucket] = point
    return [slowest[b] for b in sorted(slowest)]


def _short(statement: str, limit: int = 80) -> str:
    return statement if len(statement) <= limit else statement[: limit - 1] + "…"


def judge(observations: list[EndpointObservation], slow_query_ms: float, db_configured: bool):
    """Every perf finding of a run, endpoint by endpoint."""
    findings: list[Finding] = []
    for obs in observations:
        findings.append(judge_latency(obs))
        findings.extend(judge_payload(obs))
        findings.extend(judge_queries(obs, slow_query_ms, db_configured))
    return findings


def is_inconclusive(finding: Finding) -> bool:
    return bool(finding.extra.get("inconclusive"))
