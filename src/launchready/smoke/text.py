"""Text output of smoke and verify: the verdict first, then a step table, then what failed with
expected vs actual. Plain text (no colour codes) so it reads the same in CI logs."""

from __future__ import annotations

from launchready.report import Report, Status

_MARK = {"pass": "ok", "fail": "FAIL", "warn": "WARN", "skipped": "skip", "error": "ERR"}


def render_text(report: Report) -> str:
    smoke = [f for f in report.findings if f.id == "smoke.step"]
    other = [f for f in report.findings if f.id != "smoke.step"]
    lines = [
        f"launchready {report.command}: gate {report.gate}"
        + (f", score {report.score}" if report.score is not None else "")
        + f" ({report.target})",
    ]
    reasons = report.extra.get("gate_reasons") or []
    if report.extra.get("inconclusive_reason"):
        reasons = [report.extra["inconclusive_reason"]]
    lines += [f"  because: {r}" for r in reasons]
    lines.append("")
    for f in other:
        lines.append(f"  [{_MARK.get(str(f.status), f.status)}] {f.id} {f.subject}: {f.title}")
    if other:
        lines.append("")
    if smoke:
        rows = [("", "step", "method", "http", "ms", "note")]
        for f in smoke:
            note = str(f.extra.get("reason", "")) if f.status != Status.PASS else ""
            rows.append(
                (
                    _MARK.get(str(f.status), str(f.status)),
                    f.subject,
                    str(f.extra.get("method", "")),
                    str(f.extra.get("http_status") or "-"),
                    f"{f.extra.get('duration_ms', 0):.0f}",
                    note[:70],
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(5)]
            lines.append(("  " + "  ".join(cells) + "  " + row[5]).rstrip())
        failing = [f for f in smoke if f.status in (Status.FAIL, Status.WARN) and f.evidence]
        if failing:
            lines.append("")
        for f in failing:
            lines.append(
                f"{f.subject} ({f.location.path}:{f.location.line})" if f.location else f.subject
            )
            for item in f.evidence.splitlines():
                lines.append(f"  {item}")
    return "\n".join(lines) + "\n"
