"""Step results -> `smoke.step` findings (CONTRACT §5) and the smoke report.

One finding per step, subject `FLOW/STEP`. Core journey steps are tier 0 and critical; a step
marked `core = false` is high and tier 3; a `finally` (cleanup) step never gates: its failure is
a low, tier 4 warn. Slow but correct is a medium warn (degraded), which does not gate either.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launchready.redact import REDACTOR
from launchready.report import Finding, Report, SourceLocation, Status, check
from launchready.report.score import finalize
from launchready.smoke.runner import FlowResult, StepResult

SMOKE_STEP = check(
    "smoke.step",
    "Smoke step",
    "critical",
    0,
    "Open the failing step's URL as a user would, compare what you see with the expectation "
    "shown, fix the deploy (or roll back), then rerun `launchready smoke`.",
)


def _location(result: StepResult) -> SourceLocation:
    path = Path(result.step.source)
    try:
        shown = str(path.relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return SourceLocation(shown, result.step.line or 1)


def _title(result: StepResult) -> str:
    step = result.step
    what = f"{step.method} {REDACTOR.scrub(result.url or step.url)}"
    if result.status == Status.PASS:
        return f"OK: {result.subject} ({what})"
    if result.status == Status.SKIPPED:
        return f"Not run: {result.subject} ({result.reason})"
    if result.status == Status.WARN and not step.cleanup:
        return f"Slow: {result.subject} ({result.reason})"
    failing = [o for o in result.outcomes if not o.ok]
    if failing:
        first = failing[0]
        more = f" and {len(failing) - 1} more" if len(failing) > 1 else ""
        detail = f"{first.expectation.text} (actual {first.actual}){more}"
    else:
        detail = result.reason
    prefix = "Cleanup failed" if step.cleanup else "Step failed"
    return REDACTOR.scrub(f"{prefix}: {result.subject}: {detail}")


def step_finding(result: StepResult) -> Finding:
    step = result.step
    status = result.status
    severity, tier = ("critical", 0) if step.core else ("high", 3)
    if step.cleanup:
        severity, tier = "low", 4
        if status == Status.FAIL:
            status = Status.WARN  # cleanup never gates
    elif status == Status.WARN:
        severity = "medium"
    expectations = [
        {k: REDACTOR.scrub(v) if isinstance(v, str) else v for k, v in o.to_dict().items()}
        for o in result.outcomes
    ]
    evidence = "\n".join(
        f"expect {o['expect']}: expected {o['expected']}, actual {o['actual']}"
        for o in expectations
        if not o["ok"]
    )
    if result.reason and not evidence:
        evidence = result.reason
    extra: dict[str, Any] = {
        "flow": result.flow.stem,
        "step": step.id,
        "duration_ms": result.duration_ms,
        "expectations": expectations,
        "method": step.method,
        "url": REDACTOR.scrub(result.url),
        "http_status": result.http_status,
        "attempts": result.attempts,
        "mutating": step.mutating,
        "cleanup": step.cleanup,
    }
    if step.impact:
        extra["impact"] = step.impact
    if result.reason:
        extra["reason"] = REDACTOR.scrub(result.reason)
    if result.excerpt:
        extra["response_excerpt"] = REDACTOR.scrub(result.excerpt)
    fix = ""
    if status in (Status.FAIL, Status.WARN):
        fix = f"{step.impact}. {SMOKE_STEP.fix}" if step.impact else SMOKE_STEP.fix
    return SMOKE_STEP.finding(
        status,
        result.subject,
        _title(result),
        evidence=REDACTOR.scrub(evidence),
        fix=fix,
        severity=severity,
        tier=tier,
        location=_location(result),
        **extra,
    )


def timeline(results: list[FlowResult]) -> list[dict[str, Any]]:
    """The smoke section renderers may show as a step table."""
    return [
        {
            "flow": r.flow.stem,
            "name": r.flow.name,
            "file": str(r.flow.path),
            "steps": [
                {
                    "step": s.step.id,
                    "status": str(s.status),
                    "method": s.step.method,
                    "duration_ms": s.duration_ms,
                    "http_status": s.http_status,
                    "cleanup": s.step.cleanup,
                }
                for s in r.steps
            ],
        }
        for r in results
    ]


def reached(results: list[FlowResult]) -> bool:
    return any(s.answered for r in results for s in r.steps)


def smoke_report(
    results: list[FlowResult],
    *,
    target: str,
    command: str = "smoke",
    started_at: datetime | None = None,
    t0: float | None = None,
    extra_findings: list[Finding] | None = None,
) -> Report:
    findings = [step_finding(s) for r in results for s in r.steps]
    findings.extend(extra_findings or [])
    report = Report(
        command=command,
        target=target,
        findings=findings,
        started_at=started_at or datetime.now(UTC),
        duration_s=(time.perf_counter() - t0) if t0 is not None else 0.0,
        extra={"smoke": timeline(results)},
    )
    inconclusive = bool(results) and not reached(results)
    reason = "no step got an answer from the target" if inconclusive else False
    return finalize(report, fail_on="high", inconclusive=reason)


def failed_step(results: list[FlowResult]) -> StepResult | None:
    for r in results:
        if r.failed_step is not None:
            return r.failed_step
    return None
