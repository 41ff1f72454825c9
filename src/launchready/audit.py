"""The audit pipeline: plan -> observe (async, concurrent, each thing once) -> judge (pure)
-> score, gate, fix order -> Report. Usable from Python: `run_audit(config)`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from launchready.areas import Area, select
from launchready.config import Config
from launchready.net import Network, Scope
from launchready.observe.observer import Observer, Progress
from launchready.report import Finding, Report, check
from launchready.report.score import finalize

AREA_FAILED = check(
    "audit.area.error",
    "An audit area could not be observed",
    "high",
    2,
    "This is a launchready bug or an unexpected answer; rerun with --only for the area and "
    "report the evidence.",
)


async def _collect(area: Area, observer: Observer, cfg: Config):
    try:
        return await area.collect(observer, cfg)
    except Exception as exc:  # one broken area must not lose the others' findings
        return exc


def _judge(area: Area, observed, cfg: Config) -> list[Finding]:
    if isinstance(observed, Exception):
        return [AREA_FAILED.error(area.name, f"{type(observed).__name__}: {observed}")]
    try:
        return area.judge(observed, cfg)
    except Exception as exc:
        return [AREA_FAILED.error(area.name, f"judging failed: {type(exc).__name__}: {exc}")]


def _check_login_flow(cfg: Config) -> None:
    """A login flow that cannot be loaded is a configuration error (exit 2), found before any
    traffic: an audit must not quietly skip its logged-in checks."""
    if cfg.site.login_flow is not None:
        from launchready.smoke.pipeline import load_checked

        load_checked([cfg.site.login_flow])


def reached_anything(observer: Observer) -> bool:
    """CONTRACT exit 3: nothing of the target answered (no host, no nameserver)."""
    for task in observer._tasks.values():
        if not task.done() or task.cancelled() or task.exception() is not None:
            continue
        result = task.result()
        if getattr(result, "answered", False) or getattr(result, "status", None) is not None:
            return True
        if getattr(result, "handshake_ok", False):
            return True
        hops = getattr(result, "hops", None)
        if hops and any(h.status is not None for h in hops):
            return True
    return False


async def audit_async(
    cfg: Config,
    *,
    only: list[str] | None = None,
    progress: Progress | None = None,
    concurrency: int | None = None,
    fail_on: str | None = None,
) -> Report:
    areas = select(only)
    _check_login_flow(cfg)
    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    async with Network(
        cfg.network, scope=Scope(cfg.in_scope_hosts()), concurrency=concurrency
    ) as net:
        observer = Observer(net, progress)
        observed = await asyncio.gather(*(_collect(a, observer, cfg) for a in areas))
        inconclusive = bool(observer._tasks) and not reached_anything(observer)
    findings: list[Finding] = []
    extra: dict = {"areas": [a.name for a in areas], "observations": observer.started}
    for area, result in zip(areas, observed, strict=True):
        judged = _judge(area, result, cfg)
        if only:  # --only limits the findings too (one collector may judge several areas)
            judged = [f for f in judged if f.area in only or f.id == AREA_FAILED.id]
        findings.extend(judged)
        if area.report_extra is not None and not isinstance(result, Exception):
            extra.update(area.report_extra(result))
    report = Report(
        command="audit",
        target=cfg.site.url,
        findings=findings,
        started_at=started_at,
        duration_s=time.perf_counter() - t0,
        extra=extra,
    )
    return finalize(
        report,
        fail_on=fail_on or cfg.audit.fail_on,
        min_score=cfg.audit.min_score,
        inconclusive="no host and no nameserver of the target answered" if inconclusive else False,
        weights=cfg.audit.score_weights,
    )


def run_audit(cfg: Config, **kwargs) -> Report:
    return asyncio.run(audit_async(cfg, **kwargs))
