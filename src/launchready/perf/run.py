"""`launchready perf` as a library call: measure each endpoint, one after another, then judge.

For every `[[perf.endpoint]]`, in order and never two at once:
1. refuse it unless its host is in the config's scope (`net.Scope`: load is an active probe);
2. one GET through `net` with `Accept-Encoding: gzip, br` (payload size and compression; also
   tells a dead endpoint apart before any load is sent);
3. snapshot the database's statement statistics, run the open-loop generator in its own process
   (rate x (warm-up + duration) requests at most), snapshot again and diff;
4. plots. Judging is pure (`launchready.checks.perf`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from time import perf_counter
from urllib.parse import urljoin, urlsplit

from launchready.checks import perf as perf_checks
from launchready.config import Config, PerfEndpoint
from launchready.errors import OutOfScope
from launchready.net import HttpExchange, Network, Scope
from launchready.perf.baseline import apply_baseline, load_baseline
from launchready.perf.generator import LoadPlan, RawRun, describe, run_in_process
from launchready.perf.login import LoginFailed, cookie_header, session_cookies
from launchready.perf.measure import summarize
from launchready.perf.queries import QueryTimer
from launchready.perf.types import EndpointObservation
from launchready.report import Report
from launchready.report.model import Status
from launchready.report.score import finalize

PAYLOAD_CAP = 4 * 1024 * 1024
Progress = Callable[[str], None]


def endpoint_url(cfg: Config, endpoint: PerfEndpoint) -> str:
    """`path` is relative to site.url (CONTRACT §2)."""
    base = str(cfg.site.url)
    return (
        urljoin(base if base.endswith("/") else base + "/", endpoint.path.lstrip("/"))
        if ("://" not in endpoint.path)
        else endpoint.path
    )


def public_text(text: str, url: str, cfg: Config) -> str:
    """Errors name the public host:port, never the connect_to target (CONTRACT §2)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for rule in cfg.network.connect_rules:
        if not rule.matches(host, port):
            continue
        target = rule.target(host, port)
        for shown in (f"('{target.host}', {target.port})", f"{target.host}:{target.port}"):
            text = text.replace(shown, f"{host}:{port}")
        break
    return text


def run_perf(
    cfg: Config,
    *,
    baseline: Path | None = None,
    progress: Progress | None = None,
    runner: Callable[[LoadPlan], RawRun] = run_in_process,
) -> Report:
    started = perf_counter()
    say = progress or (lambda _msg: None)
    old = load_baseline(baseline) if baseline is not None else None  # bad file: exit 2 before load
    perf = cfg.perf
    scope = Scope(cfg.in_scope_hosts())
    observations: list[EndpointObservation] = []
    generator_info: list[dict] = []
    cookies: dict[str, str] = {}
    login_error = ""
    if perf.login and perf.endpoint:
        say(f"logging in with {perf.login.name}")
        try:
            cookies = asyncio.run(_login(cfg, perf.login))
        except LoginFailed as exc:
            login_error = f"login flow failed: {exc}"
    timer = (
        QueryTimer(perf.database_url, cfg.network.timeout, statement_log=perf.statement_log)
        if perf.database_url
        else None
    )
    try:
        for endpoint in perf.endpoint:
            obs = EndpointObservation(
                name=endpoint.name or f"{endpoint.method} {endpoint.path}",
                method=endpoint.method,
                path=endpoint.path,
                url=endpoint_url(cfg, endpoint),
                target_ms=endpoint.effective_target_ms,
            )
            observations.append(obs)
            if login_error:
                obs.error = login_error
                continue
            try:
                scope.admit(obs.url, obs.method, active=True)
            except OutOfScope as exc:
                obs.error = str(exc)
                continue
            headers = dict(endpoint.headers)
            if cookies:
                headers["Cookie"] = cookie_header(cookies)
            say(f"{obs.subject}: payload probe")
            probe = asyncio.run(_probe(cfg, obs, headers))
            if obs.method == "GET":
                obs.payload = probe
            if probe.status is None:
                obs.error = public_text(f"unreachable: {probe.error}", obs.url, cfg)
                if obs.payload is not None:
                    obs.payload = replace(obs.payload, error=obs.error)
                continue
            plan = LoadPlan(
                url=obs.url,
                method=obs.method,
                headers=tuple(headers.items()),
                body=endpoint.body.encode() if endpoint.body is not None else None,
                rate=perf.rate,
                duration=perf.duration,
                warmup=perf.warmup,
                timeout=perf.request_timeout or cfg.network.timeout,
                max_inflight=perf.max_inflight,
                network=cfg.network,
            )
            before = timer.before() if timer else None
            say(f"{obs.subject}: {plan.max_requests} requests at {plan.rate:g}/s")
            raw = runner(plan)
            if timer:
                obs.queries = timer.after(before, raw.sent + raw.warmup_sent)
            obs.latency = summarize(raw, perf.rate, perf.duration)
            obs.latency.error_samples = [
                public_text(e, obs.url, cfg) for e in obs.latency.error_samples
            ]
            generator_info.append({"endpoint": obs.subject, **describe(raw)})
    finally:
        if timer:
            timer.close()
    findings = perf_checks.judge(observations, perf.slow_query_ms, perf.database_url is not None)
    if perf.plots != "none":
        _attach_plots(findings, observations, perf.plots)
    if not perf.endpoint:
        findings.append(
            perf_checks.LATENCY.skipped(str(cfg.site.url), "no [[perf.endpoint]] is configured")
        )
    report = Report(
        command="perf",
        target=str(cfg.site.url),
        findings=findings,
        extra={
            "perf": {
                "model": (
                    f"open loop at {perf.rate:g}/s per endpoint, {perf.warmup:g}s warm-up then "
                    f"{perf.duration:g}s measured, latency from each request's planned send"
                ),
                "generator": generator_info,
                "queries": _query_table(observations),
            }
        },
    )
    if baseline is not None and old is not None:
        apply_baseline(report, old, baseline)
    unreachable = bool(observations) and all(
        o.error.startswith("unreachable") for o in observations
    )
    invalid = [f.subject for f in findings if perf_checks.is_inconclusive(f)]
    inconclusive: bool | str = False
    if unreachable:
        inconclusive = "no endpoint answered"
    elif invalid:
        inconclusive = f"measurement invalid or missing for {', '.join(invalid)}"
    report.duration_s = perf_counter() - started
    return finalize(report, fail_on="high", inconclusive=inconclusive)


async def _login(cfg: Config, flow: Path) -> dict[str, str]:
    """The flow may log in on another in-config host; only the site's cookies are kept."""
    async with Network(cfg.network, scope=Scope(cfg.in_scope_hosts())) as network:
        return await session_cookies(network, flow, str(cfg.site.url))


async def _probe(cfg: Config, obs: EndpointObservation, headers: dict[str, str]) -> HttpExchange:
    """One request as a browser would send it; for writes only to learn the endpoint answers."""
    async with Network(cfg.network, scope=Scope(cfg.in_scope_hosts())) as network:
        method = obs.method if obs.method in ("GET", "HEAD") else "HEAD"
        return await network.fetch(
            obs.url,
            method=method,
            headers={"Accept-Encoding": "gzip, br", **headers},
            active=True,
            max_body=PAYLOAD_CAP,
        )


def _attach_plots(findings, observations: list[EndpointObservation], fmt: str) -> None:
    from launchready.perf.plots import plots_for

    by_subject = {o.subject: o for o in observations}
    for finding in findings:
        if finding.id != "perf.latency" or finding.status == Status.ERROR:
            continue
        obs = by_subject.get(finding.subject)
        if obs is None or obs.latency is None:
            continue
        pictures = plots_for(obs.latency, obs.target_ms, obs.name, fmt)
        if pictures:
            finding.extra["plots"] = pictures


def _query_table(observations: list[EndpointObservation]) -> dict[str, list[dict]]:
    """Every statement of every endpoint's window (top 20 by total time), for baselines."""
    table: dict[str, list[dict]] = {}
    for obs in observations:
        window = obs.queries
        if window is None or window.error or window.skipped:
            continue
        table[obs.subject] = [
            {
                "statement": s.statement,
                "calls": s.calls,
                "per_request": round(s.calls / window.requests, 3) if window.requests else None,
                "mean_ms": round(s.mean_ms, 3),
                "max_ms": round(s.max_ms, 3) if s.max_ms is not None else None,
            }
            for s in window.statements[:20]
        ]
    return table
