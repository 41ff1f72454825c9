"""The text view of a perf report: one compact row per endpoint against its target, then the
query and payload problems. Plots and raw timelines are for the HTML report only."""

from __future__ import annotations

from typing import Any


def _ms(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}"


def perf_text(report: dict[str, Any]) -> str:
    """Render from the JSON form (`Report.to_dict()`), like every other renderer."""
    lines = [f"launchready perf  {report['target']}  gate: {report['gate'].upper()}"]
    model = report.get("perf", {}).get("model")
    if model:
        lines.append(model)
    lines.append("")
    head = f"{'endpoint':<32} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'target':>7} "
    head += f"{'n':>6} {'rate':>11} {'err':>5} {'lag99':>6}  verdict"
    lines.append(head)
    for f in report["findings"]:
        if f["id"] != "perf.latency" or f["status"] == "skipped":
            continue
        verdict = "INCONCLUSIVE" if f.get("inconclusive") else f["status"].upper()
        rate = f"{f.get('achieved_rate', 0) or 0:.0f}/{f.get('rate', 0) or 0:g}"
        row = (
            f"{f['subject'][:32]:<32} {_ms(f.get('p50_ms')):>8} {_ms(f.get('p95_ms')):>8} "
            f"{_ms(f.get('p99_ms')):>8} {_ms(f.get('max_ms')):>8} {f.get('target_ms', 0):>7g} "
            f"{f.get('requests', 0) or 0:>6} {rate:>11} {f.get('errors', 0) or 0:>5} "
            f"{_ms(f.get('lag_p99_ms')):>6}  {verdict}"
        )
        lines.append(row)
        base = f.get("baseline", {}).get("p95_ms")
        if base and base.get("change_pct") is not None:
            lines.append(f"{'':<32} p95 was {_ms(base['before'])} ms ({base['change_pct']:+.1f} %)")
        if f["status"] == "fail":
            lines.append(f"{'':<4}{f['title']}")
    others = [
        f
        for f in report["findings"]
        if f["id"] != "perf.latency" and f["status"] in ("fail", "warn")
    ]
    if others:
        lines += ["", "Queries and payloads:"]
        for f in others:
            lines.append(f"  [{f['status']}] {f['id']}  {f['subject']}: {f['title']}")
            if f.get("evidence"):
                lines.append(f"      {f['evidence']}")
    lines.append("")
    lines.append("times in ms from each request's planned send; p99 shown from 1000 samples")
    return "\n".join(lines)
