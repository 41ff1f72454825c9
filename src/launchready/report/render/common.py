"""What every human-facing format says the same way: the verdict, the score line, the counts."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from launchready.report.score import GRADE_MEANING

STATUSES = ("fail", "warn", "pass", "error", "skipped")
PROBLEM = ("fail", "warn")


def verdict(data: dict[str, Any]) -> str:
    """The decision, first and in words: READY / NOT READY / INCONCLUSIVE, and why."""
    gate = data.get("gate")
    reasons = list(data.get("gate_reasons") or [])
    if gate == "inconclusive":
        why = data.get("inconclusive_reason") or "nothing of the target could be reached"
        return f"INCONCLUSIVE - {why}"
    if gate == "fail":
        return "NOT READY - gate failed: " + ("; ".join(reasons) or "see the findings")
    problems = len(problems_of(data))
    fail_on = data.get("fail_on", "high")
    if problems:
        noun = "finding" if problems == 1 else "findings"
        return f"READY - gate passed (nothing at or above {fail_on}); {problems} {noun} to fix"
    return "READY - gate passed"


def score_line(data: dict[str, Any]) -> str:
    score, grade = data.get("score"), data.get("grade")
    if score is None:
        return "Score: n/a (no check produced a scorable result)"
    meaning = GRADE_MEANING.get(grade or "", "")
    return f"Score {score}/100, grade {grade} ({meaning})"


def caps(data: dict[str, Any]) -> list[dict[str, Any]]:
    return list((data.get("score_model") or {}).get("caps_applied") or [])


def binding_cap(data: dict[str, Any]) -> dict[str, Any] | None:
    """The cap that actually set the score, if one did."""
    applied = caps(data)
    score = data.get("score")
    if not applied or score is None or score > applied[0]["cap"]:
        return None
    return applied[0]


def problems_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Fail and warn findings in fix order (unranked ones last, in report order)."""
    problems = [f for f in data.get("findings", []) if f.get("status") in PROBLEM]
    return sorted(problems, key=lambda f: (f.get("rank") is None, f.get("rank") or 0))


def by_status(data: dict[str, Any], status: str) -> list[dict[str, Any]]:
    return [f for f in data.get("findings", []) if f.get("status") == status]


def area_counts(data: dict[str, Any]) -> dict[str, Counter[str]]:
    """Area -> status -> count, areas sorted by name."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for f in data.get("findings", []):
        counts[f.get("area") or f["id"].split(".", 1)[0]][f.get("status", "")] += 1
    return dict(sorted(counts.items()))


def status_totals(data: dict[str, Any]) -> Counter[str]:
    return Counter(f.get("status", "") for f in data.get("findings", []))
