"""Placeholder scoring (replaced by the scoring model of the report branch)."""

from __future__ import annotations

from launchready.report.model import Gate, Report, Severity, Status

_ORDER = [s.value for s in Severity]


def finalize(
    report: Report, fail_on: str = "high", min_score: int | None = None, inconclusive: bool = False
) -> Report:
    problems = [f for f in report.findings if f.status in (Status.FAIL, Status.WARN)]
    problems.sort(
        key=lambda f: (f.tier, f.severity.order, f.status != Status.FAIL, f.id, f.subject)
    )
    for f in report.findings:
        f.rank = None
    for i, f in enumerate(problems, 1):
        f.rank = i
    limit = _ORDER.index(fail_on)
    failing = any(f.severity.order <= limit for f in problems)
    report.gate = Gate.INCONCLUSIVE if inconclusive else (Gate.FAIL if failing else Gate.PASS)
    judged = [f for f in report.findings if f.status in (Status.PASS, Status.FAIL, Status.WARN)]
    report.score = (
        round(100 * sum(f.status == Status.PASS for f in judged) / len(judged)) if judged else None
    )
    return report


def exit_code_for(report: Report) -> int:
    return {Gate.PASS: 0, Gate.FAIL: 1, Gate.INCONCLUSIVE: 3}[report.gate]
