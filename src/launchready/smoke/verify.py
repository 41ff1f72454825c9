"""`launchready verify`: wait until the deployment reports the expected revision, check health,
run the smoke flows; on failure roll back and re-verify the previous revision read-only.

Exit codes (CONTRACT §1): 0 healthy; 1 a gate failed and no rollback command is configured;
3 the expected version never appeared within --timeout; 4 rolled back and the previous version
verified healthy; 5 the rollback or its re-verify failed: a person must act now.
Every run is appended to the deploy ledger. Mutating steps never run twice against the same
deploy: the re-verify is read-only.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from launchready.config import Config, NetworkConfig
from launchready.errors import ConfigError
from launchready.net import Network, Scope
from launchready.net.types import HttpExchange
from launchready.report import Finding, Gate, Report, Status, check
from launchready.report.score import finalize
from launchready.smoke import ledger, version
from launchready.smoke.findings import failed_step, smoke_report
from launchready.smoke.flow import Flow
from launchready.smoke.pipeline import save_report, state_dir
from launchready.smoke.rollback import ROLLBACK, run_rollback
from launchready.smoke.runner import FlowResult, origin_hosts, run_flows_on

VERSION = check(
    "deploy.version",
    "Deployed version",
    "high",
    2,
    "The deploy reported success but the site still serves another build: check that the "
    "release finished, and purge CDN or load-balancer caches that pin the old build.",
)
HEALTH = check(
    "deploy.health",
    "Health endpoint",
    "critical",
    0,
    "The health endpoint must answer 2xx once the release serves traffic: check the app's "
    "logs and its dependencies (database, cache) for this release.",
)
REVERIFY = check(
    "deploy.reverify",
    "Previous version healthy after rollback",
    "critical",
    2,
    "The rollback ran but the previous version is not serving healthily: a person must act now.",
)


@dataclass
class Poll:
    ok: bool
    last: HttpExchange | None
    reported: str | None
    seen: list[str] = field(default_factory=list)  # distinct versions reported, in order
    waited_s: float = 0.0


async def poll_version(
    network: NetworkConfig,
    scope: Scope,
    url: str,
    field_path: str,
    expected: str,
    timeout: float,
    interval: float,
) -> Poll:
    """Poll until `expected` is served or `timeout` passes. Each attempt gets a fresh client:
    the shared one fails fast after a timeout, and a host restarting mid-deploy times out."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    seen: list[str] = []
    last = None
    while True:
        async with Network(network, scope=scope) as net:
            last = await net.fetch(url, headers={"Cache-Control": "no-cache"})
        now_reported = version.reported(last, field_path)
        if now_reported and now_reported not in seen:
            seen.append(now_reported)
        if version.matches(expected, last, field_path):
            return Poll(True, last, now_reported, seen, time.monotonic() - t0)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return Poll(False, last, now_reported, seen, time.monotonic() - t0)
        await asyncio.sleep(min(interval, remaining))


def version_finding(poll: Poll, expected: str, url: str) -> Finding:
    fields = {
        "expected": expected,
        "reported": poll.reported,
        "seen": poll.seen,
        "waited_s": round(poll.waited_s, 2),
    }
    if poll.ok:
        return VERSION.passed(url, f"Serves {expected}", **fields)
    last = poll.last
    if last is None or last.status is None:
        why = f"no answer ({last.error if last else 'not polled'})"
    elif not 200 <= last.status < 300:
        why = f"HTTP {last.status}"
    else:
        why = f"still reports {poll.reported or 'no recognizable version'}"
    return VERSION.finding(
        "fail",
        url,
        f"Version {expected} never appeared within {poll.waited_s:.0f}s: {why}",
        evidence=f"versions seen: {', '.join(poll.seen) or 'none'}",
        **fields,
    )


async def check_health(net: Network, url: str | None) -> Finding:
    if not url:
        return HEALTH.skipped("deploy.health_url", "no [deploy] health_url configured")
    exchange = await net.fetch(url, headers={"Cache-Control": "no-cache"})
    fields = {"http_status": exchange.status, "duration_ms": round(exchange.elapsed_ms, 1)}
    if exchange.status is not None and 200 <= exchange.status < 300:
        return HEALTH.passed(url, **fields)
    why = f"HTTP {exchange.status}" if exchange.status is not None else exchange.error
    return HEALTH.finding("fail", url, f"Health check failed: {why}", **fields)


def _scope(cfg: Config, flows: list[Flow]) -> Scope:
    hosts = set(cfg.in_scope_hosts()) | origin_hosts(flows)
    for url in (cfg.deploy.version_url, cfg.deploy.health_url):
        if url:
            hosts.add((urlsplit(url).hostname or "").lower())
    return Scope(hosts)


def ledger_path(cfg: Config) -> Path:
    path = Path(cfg.deploy.ledger)
    return path if path.is_absolute() else cfg.base_dir / path


@dataclass
class VerifyRun:
    report: Report
    exit_code: int
    result: str  # pass, fail, inconclusive, rolled-back, rollback-failed


async def _check(
    cfg: Config,
    net: Network,
    flows: list[Flow],
    expected: str | None,
    timeout: float,
    *,
    read_only: bool,
) -> tuple[Finding | None, Finding, list[FlowResult], Poll | None]:
    deploy = cfg.deploy
    poll = None
    version_f = None
    if expected is not None:
        poll = await poll_version(
            cfg.network,
            net.scope,
            deploy.version_url,
            deploy.version_field,
            expected,
            timeout,
            deploy.poll_interval,
        )
        version_f = version_finding(poll, expected, deploy.version_url)
        if not poll.ok:
            return (
                version_f,
                HEALTH.skipped(deploy.health_url or "deploy.health_url", "version never appeared"),
                [],
                poll,
            )
    health = await check_health(net, deploy.health_url)
    results: list[FlowResult] = []
    if flows:
        results = await run_flows_on(net, flows, read_only=read_only)
    return version_f, health, results, poll


async def verify_async(
    cfg: Config,
    flows: list[Flow],
    *,
    expect_version: str,
    timeout: float | None = None,
    on_fail: str | None = None,
    previous_version: str | None = None,
) -> VerifyRun:
    deploy = cfg.deploy
    if not deploy.version_url:
        raise ConfigError(
            "`launchready verify` needs [deploy] version_url",
            file=cfg.display_path,
            key="deploy.version_url",
            line=cfg.line_of("deploy"),
        )
    started_at, t0 = datetime.now(UTC), time.perf_counter()
    timeout = deploy.timeout if timeout is None else timeout
    book = ledger_path(cfg)
    previous = previous_version or ledger.last_good(book, cfg.site.url)
    async with Network(cfg.network, scope=_scope(cfg, flows)) as net:
        version_f, health, results, poll = await _check(
            cfg, net, flows, expect_version, timeout, read_only=False
        )
    extra = [f for f in (version_f, health) if f is not None]
    report = smoke_report(
        results,
        target=cfg.site.url,
        command="verify",
        started_at=started_at,
        t0=t0,
        extra_findings=extra,
    )
    if previous is None and poll is not None:
        others = [v for v in poll.seen if not version.same_revision(expect_version, v)]
        previous = others[0] if others else None
    deploy_info = {
        "expected_version": expect_version,
        "reported_version": poll.reported if poll else None,
        "previous_version": previous,
        "ledger": str(book),
    }
    report.extra["deploy"] = deploy_info

    if poll is not None and not poll.ok:
        finalize(
            report,
            fail_on="high",
            inconclusive=f"version {expect_version} never appeared within {timeout:g}s",
        )
        return _done(cfg, report, 3, "inconclusive", expect_version, t0)
    if report.gate == Gate.PASS:
        return _done(cfg, report, 0, "pass", expect_version, t0)

    command = on_fail or deploy.rollback
    if not command:
        report.findings.append(
            ROLLBACK.skipped("rollback", "no --on-fail and no [deploy] rollback configured")
        )
        finalize(report, fail_on="high")
        return _done(cfg, report, 1, "fail", expect_version, t0)

    failed = failed_step(results)
    failed_name = failed.subject if failed else ("health" if health.status == Status.FAIL else "")
    report_path = save_report(report, state_dir(cfg) / "reports", "verify")
    rollback = run_rollback(
        command,
        {
            "LAUNCHREADY_FAILED_VERSION": expect_version,
            "LAUNCHREADY_PREVIOUS_VERSION": previous or "",
            "LAUNCHREADY_FAILED_STEP": failed_name,
            "LAUNCHREADY_REPORT": str(report_path),
        },
        timeout=deploy.rollback_timeout,
    )
    report.findings.append(rollback.finding())
    deploy_info["failed_step"] = failed_name
    if not rollback.ok:
        finalize(report, fail_on="high")
        return _done(cfg, report, 5, "rollback-failed", expect_version, t0)

    async with Network(cfg.network, scope=_scope(cfg, flows)) as net:
        version_r, health_r, results_r, _ = await _check(
            cfg, net, flows, previous, timeout, read_only=True
        )
    reverify = _reverify_finding(previous, version_r, health_r, results_r)
    report.findings.append(reverify)
    finalize(report, fail_on="high")
    healthy = reverify.status == Status.PASS
    return _done(
        cfg,
        report,
        4 if healthy else 5,
        "rolled-back" if healthy else "rollback-failed",
        expect_version,
        t0,
    )


def _reverify_finding(
    previous: str | None, version_f: Finding | None, health: Finding, results: list[FlowResult]
) -> Finding:
    steps = [
        {"step": s.subject, "status": str(s.status), "reason": s.reason}
        for r in results
        for s in r.steps
    ]
    problems = [f.title for f in (version_f, health) if f is not None and f.status == Status.FAIL]
    failed = failed_step(results)
    if failed is not None:
        problems.append(f"step {failed.subject} failed: {failed.reason}")
    fields = {"previous_version": previous, "steps": steps}
    subject = f"rollback to {previous or 'the previous version'}"
    if problems:
        return REVERIFY.finding("fail", subject, evidence="\n".join(problems), **fields)
    title = "Previous version serves healthily (read-only smoke passed)"
    if previous is None:
        title += "; its version is unknown, so only health and smoke were checked"
    return REVERIFY.passed(subject, title, **fields)


def _done(
    cfg: Config, report: Report, code: int, result: str, version_: str, t0: float
) -> VerifyRun:
    report.duration_s = time.perf_counter() - t0
    failed = [
        f.subject for f in report.findings if f.id == "smoke.step" and f.status == Status.FAIL
    ]
    ledger.append(
        ledger_path(cfg),
        {
            "time": report.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": "verify",
            "version": version_,
            "previous_version": report.extra.get("deploy", {}).get("previous_version"),
            "url": cfg.site.url,
            "result": result,
            "exit_code": code,
            "score": report.score,
            "gate": str(report.gate),
            "failed_steps": failed,
            "duration_s": round(report.duration_s, 3),
        },
    )
    report.extra["deploy"]["result"] = result
    return VerifyRun(report, code, result)
