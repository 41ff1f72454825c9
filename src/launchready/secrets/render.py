"""Rendering for `secrets` and `env check` until the shared renderer lands.

Uses `launchready.report.render.render` when it exists; otherwise JSON (the source format),
a short text form, and a minimal SARIF with real file locations. Every writer's output passes
through the redactor in `cli.output.write_text`, so nothing here can leak a value.
"""

from __future__ import annotations

import json
from typing import Any

from launchready.report.model import Finding, Report, Status

_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def rank(findings: list[Finding]) -> list[Finding]:
    """Fix order: problems first by tier then severity; `rank` set on fail/warn only."""
    problems = [f for f in findings if f.status in (Status.FAIL, Status.WARN)]
    problems.sort(
        key=lambda f: (f.tier, _ORDER[str(f.severity)], f.status != Status.FAIL, f.subject)
    )
    for i, f in enumerate(problems, 1):
        f.rank = i
    rest = [f for f in findings if f not in problems]
    return problems + rest


def _shared_renderer() -> Any:
    try:
        from launchready.report import render as shared  # type: ignore[attr-defined]
    except ImportError:
        return None
    return getattr(shared, "render", None)


def render_report(report: Report, fmt: str) -> str:
    shared = _shared_renderer()
    if shared is not None:
        return shared(report, fmt)
    fmt = str(fmt)
    if fmt == "text":
        return render_text(report)
    if fmt == "sarif":
        return json.dumps(render_sarif(report), indent=2)
    return json.dumps(report.to_dict(), indent=2)


def render_text(report: Report) -> str:
    lines = [f"launchready {report.command}: {report.target}  gate: {report.gate}"]
    for f in report.findings:
        mark = {"fail": "FAIL", "warn": "WARN", "pass": "ok  ", "error": "ERR ", "skipped": "skip"}
        lines.append(f"  {mark[str(f.status)]} {f.subject}  {f.title}")
        if f.evidence and f.status in (Status.FAIL, Status.WARN, Status.ERROR):
            lines.append(f"       {f.evidence}")
    problems = [f for f in report.findings if f.status in (Status.FAIL, Status.WARN)]
    if problems:
        lines.append("")
        lines.append(f"Fix first: {problems[0].fix}")
    return "\n".join(lines) + "\n"


def render_sarif(report: Report) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for f in report.findings:
        if f.status not in (Status.FAIL, Status.WARN):
            continue
        rule_id = str(f.extra.get("rule") or f.id)
        rules.setdefault(rule_id, {"id": rule_id, "shortDescription": {"text": f.title}})
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "level": "error" if f.status == Status.FAIL else "warning",
            "message": {"text": f"{f.title}: {f.evidence}"},
            "partialFingerprints": {"launchready/v1": f.fingerprint},
        }
        if f.location is not None:
            result["locations"] = [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.location.path},
                        "region": {"startLine": f.location.line},
                    }
                }
            ]
        results.append(result)
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {"driver": {"name": "launchready", "rules": list(rules.values())}},
                "results": results,
            }
        ],
    }
