"""`--baseline old.json`: the change per endpoint and per query against an earlier perf report.

Endpoints are matched by subject (`METHOD path`), statements by their normalized text within the
same endpoint. Each `perf.latency` finding gets a `baseline` field; the report gets
`perf.baseline` with every change, so a before-and-after note can be written from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from launchready.errors import UsageError
from launchready.report import Report


def load_baseline(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the baseline report: {exc}") from None
    if not isinstance(data, dict) or data.get("command") != "perf":
        raise UsageError(f"{path}: not a JSON report of `launchready perf`")
    return data


def change(before: float | None, after: float | None) -> dict[str, Any]:
    out: dict[str, Any] = {"before": before, "after": after}
    if before is not None and after is not None:
        out["delta"] = round(after - before, 3)
        out["change_pct"] = round((after - before) / before * 100, 1) if before else None
    return out


def compare(old: dict[str, Any], new: Report) -> dict[str, Any]:
    """Pure: the per-endpoint and per-query changes between two perf reports."""
    old_latency = {f["subject"]: f for f in old.get("findings", []) if f["id"] == "perf.latency"}
    endpoints = []
    for finding in new.findings:
        if finding.id != "perf.latency":
            continue
        was = old_latency.get(finding.subject)
        entry: dict[str, Any] = {"endpoint": finding.subject}
        if was is None:
            entry["new"] = True
        else:
            for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "achieved_rate", "errors"):
                entry[key] = change(was.get(key), finding.extra.get(key))
            entry["status"] = {"before": was.get("status"), "after": str(finding.status)}
        endpoints.append(entry)
    old_queries = old.get("perf", {}).get("queries", {})
    new_queries = new.extra.get("perf", {}).get("queries", {})
    queries = []
    for endpoint, rows in new_queries.items():
        before_rows = {r["statement"]: r for r in old_queries.get(endpoint, [])}
        for row in rows:
            was = before_rows.pop(row["statement"], None)
            entry = {"endpoint": endpoint, "statement": row["statement"]}
            if was is None:
                entry["new"] = True
            for key in ("mean_ms", "per_request"):
                entry[key] = change(was.get(key) if was else None, row.get(key))
            queries.append(entry)
        for statement in before_rows:
            queries.append({"endpoint": endpoint, "statement": statement, "gone": True})
    return {"endpoints": endpoints, "queries": queries}


def apply_baseline(report: Report, old: dict[str, Any], path: Path) -> None:
    result = compare(old, report)
    result["file"] = str(path)
    by_endpoint = {e["endpoint"]: e for e in result["endpoints"]}
    for finding in report.findings:
        if finding.id == "perf.latency" and finding.subject in by_endpoint:
            finding.extra["baseline"] = by_endpoint[finding.subject]
    report.extra.setdefault("perf", {})["baseline"] = result
