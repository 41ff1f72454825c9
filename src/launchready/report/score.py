"""The scoring model: one number, one grade, one gate, one fix order, from the findings alone.

Readers compare scores across runs and tools re-grade over time (the Observatory and SSL Labs
both did), so the whole model lives here, versioned, and every report names the version it used.

Scoring model `launchready-score/1`
-----------------------------------
1. **Per check.** Each finding scores by status: pass 1, warn 0.75 (or the finding's own
   `score_fraction`, 0..1, for a partially met check), fail 0. `skipped` and
   `error` findings leave the denominator (as in Lighthouse, and Scorecard's "inconclusive"):
   not checked is neither good nor bad. One exception: in a smoke flow that stopped at a failed
   step, the steps it then skipped score 0 (an unknown journey is not a healthy one).
2. **Weights** by severity: critical 10, high 7.5, medium 5, low 2.5, info 0.
3. **Categories.** A finding belongs to exactly one category: tier 0 (a core journey is broken)
   goes to *journeys*, tier 1 (data or secrets exposed) to *security*, any other tier by area:

   | category | weight | areas |
   |---|---|---|
   | journeys | 30 | smoke, perf, http (and tier 0) |
   | security | 25 | headers, cors, exposure, access, secrets, tls, edge, cache (and tier 1) |
   | deploy | 20 | repo, deploy, env, verify |
   | observability | 10 | monitor, observability, alert, health |
   | dns_email | 10 | dns, email |
   | handover | 5 | handover |
   | other | 5 | any area not listed |

   category value = sum(weight x value) / sum(weight) x 100, over the findings that count.
   A category with nothing that counts is absent, not 0 and not 100.
4. **Overall** = the mean of the categories present, weighted by the category weights above
   (configurable: `[audit] score_weights`), rounded half up to an integer.
5. **Caps**, applied after averaging; the lowest cap wins and every cap that applies is stated
   in `score_model.caps_applied` as `{cap, reason}`:

   | condition | cap |
   |---|---|
   | a core journey step fails (any tier-0 failure, e.g. a smoke step) | 40 |
   | TLS invalid or expired, or no HTTPS | 40 |
   | a secret exposed, or a debug page in production | 40 |
   | a required environment variable is missing | 60 |
   | no rollback path | 75 |
   | no monitor or alert route | 85 |
   | deployed version unknown | 90 |

6. **Grade:** A 90-100 (ready), B 80-89 (ready with caveats), C 65-79 (needs work),
   D 50-64 (at risk), F under 50 (not ready).
7. **Gate**, separate from the score (CONTRACT §1): `fail` when any fail *or warn* finding has a
   severity at or above `fail_on` (default high), when the score is below `min_score`, or when a
   critical check could not run (`error`); `inconclusive` when the caller says nothing of the
   target could be reached. Exit codes: pass 0, fail 1, inconclusive 3.
8. **Fix order:** tier (0 journeys, 1 exposure, 2 detect/recover, 3 hardening, 4 hygiene), then
   severity, then fail before warn, then blast radius (the share of the check's subjects that
   have the problem, or a check's own `blast_radius` field), then id and subject so that the
   order never changes between identical runs. `rank` is 1.. for fail and warn, null otherwise.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from launchready.report.model import Finding, Gate, Report, Severity, Status

SCORING_MODEL_VERSION = "launchready-score/1"

STATUS_VALUE: Mapping[Status, float] = {Status.PASS: 1.0, Status.WARN: 0.75, Status.FAIL: 0.0}

SEVERITY_WEIGHT: Mapping[Severity, float] = {
    Severity.CRITICAL: 10.0,
    Severity.HIGH: 7.5,
    Severity.MEDIUM: 5.0,
    Severity.LOW: 2.5,
    Severity.INFO: 0.0,
}

DEFAULT_CATEGORY_WEIGHTS: Mapping[str, float] = {
    "journeys": 30.0,
    "security": 25.0,
    "deploy": 20.0,
    "observability": 10.0,
    "dns_email": 10.0,
    "handover": 5.0,
    "other": 5.0,
}

CATEGORY_TITLES: Mapping[str, str] = {
    "journeys": "Journeys",
    "security": "Security & exposure",
    "deploy": "Deploy & recovery",
    "observability": "Observability",
    "dns_email": "DNS & email",
    "handover": "Handover",
    "other": "Other",
}

_AREA_CATEGORY: Mapping[str, str] = {
    **dict.fromkeys(("smoke", "perf", "http"), "journeys"),
    **dict.fromkeys(
        ("headers", "cors", "exposure", "access", "secrets", "tls", "edge", "cache"), "security"
    ),
    **dict.fromkeys(("repo", "deploy", "env", "verify"), "deploy"),
    **dict.fromkeys(("monitor", "observability", "alert", "health"), "observability"),
    **dict.fromkeys(("dns", "email"), "dns_email"),
    "handover": "handover",
}

GRADES = ((90, "A"), (80, "B"), (65, "C"), (50, "D"), (0, "F"))
GRADE_MEANING = {
    "A": "ready",
    "B": "ready with caveats",
    "C": "needs work",
    "D": "at risk",
    "F": "not ready",
}

_PROBLEM = (Status.FAIL, Status.WARN)


@dataclass(frozen=True, slots=True)
class CapRule:
    """A condition that holds the score down whatever the averages say."""

    cap: int
    reason: str
    applies: Callable[[Finding], bool]


def _fails(*ids: str, statuses: tuple[Status, ...] = (Status.FAIL,)) -> Callable[[Finding], bool]:
    return lambda f: f.id in ids and f.status in statuses


def _exposed(f: Finding) -> bool:
    if f.status is not Status.FAIL:
        return False
    if f.id in ("secrets.leak", "exposure.debug"):
        return True
    # A served .env or .git leaks secrets; a served source map alone does not.
    return f.id == "exposure.file" and Severity(f.severity).order <= Severity.HIGH.order


CAP_RULES: tuple[CapRule, ...] = (
    CapRule(40, "a core journey step fails", lambda f: f.tier == 0 and f.status is Status.FAIL),
    CapRule(
        40,
        "TLS invalid or expired, or no HTTPS",
        _fails(
            "tls.missing",
            "tls.cert.expired",
            "tls.cert.not-yet-valid",
            "tls.cert.hostname-mismatch",
            "tls.cert.self-signed",
            "tls.cert.untrusted-root",
            "tls.cert.incomplete-chain",
        ),
    ),
    CapRule(40, "a secret is exposed, or a debug page is served in production", _exposed),
    CapRule(60, "a required environment variable is missing", _fails("env.missing")),
    CapRule(75, "no rollback path", _fails("repo.rollback.missing", statuses=_PROBLEM)),
    CapRule(
        85,
        "no monitor or alert route",
        lambda f: f.area in ("monitor", "alert") and f.status in _PROBLEM,
    ),
    CapRule(
        90,
        "deployed version unknown",
        lambda f: f.id.startswith("deploy.version") and f.status in _PROBLEM,
    ),
)


def category_of(finding: Finding) -> str:
    if finding.tier == 0:
        return "journeys"
    if finding.tier == 1:
        return "security"
    return _AREA_CATEGORY.get(finding.area, "other")


def grade_for(score: int | None) -> str | None:
    if score is None:
        return None
    return next(letter for floor, letter in GRADES if score >= floor)


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _flow_of(finding: Finding) -> str:
    flow = finding.extra.get("flow")
    return str(flow) if flow else finding.subject.split("/", 1)[0]


def _stopped_flows(findings: Iterable[Finding]) -> set[str]:
    return {_flow_of(f) for f in findings if f.id == "smoke.step" and f.status is Status.FAIL}


def check_value(finding: Finding, stopped_flows: set[str] = frozenset()) -> float | None:
    """What one finding contributes (0..1), or None when it leaves the denominator."""
    if finding.id == "smoke.step" and finding.status is Status.SKIPPED:
        return 0.0 if _flow_of(finding) in stopped_flows else None
    value = finding.extra.get("score_fraction") if finding.status is Status.WARN else None
    if isinstance(value, int | float) and 0 <= value <= 1:
        return float(value)  # a partial check may say how partial
    return STATUS_VALUE.get(finding.status)


def category_scores(findings: list[Finding]) -> dict[str, dict[str, float | int]]:
    """Category -> {value (0-100, 1 decimal), counted}; empty categories are absent."""
    stopped = _stopped_flows(findings)
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for f in findings:
        value = check_value(f, stopped)
        if value is None:
            continue
        weight = SEVERITY_WEIGHT[f.severity]
        acc = sums[category_of(f)]
        acc[0] += weight * value
        acc[1] += weight
        acc[2] += 1
    out: dict[str, dict[str, float | int]] = {}
    for name in sorted(sums, key=lambda n: list(DEFAULT_CATEGORY_WEIGHTS).index(n)):
        weighted, total, counted = sums[name]
        if total > 0:
            out[name] = {"value": round(weighted / total * 100, 1), "counted": int(counted)}
    return out


def resolve_weights(overrides: Mapping[str, float] | None) -> dict[str, float]:
    weights = dict(DEFAULT_CATEGORY_WEIGHTS)
    for name, weight in (overrides or {}).items():
        if name not in weights:
            known = ", ".join(DEFAULT_CATEGORY_WEIGHTS)
            raise ValueError(f"unknown score category {name!r} (known: {known})")
        if weight < 0:
            raise ValueError(f"score weight for {name!r} must not be negative")
        weights[name] = float(weight)
    return weights


def caps_for(findings: list[Finding]) -> list[dict[str, object]]:
    """Every cap that applies, lowest first, each with its reason and what triggered it."""
    applied = []
    for rule in CAP_RULES:
        hits = sorted((f for f in findings if rule.applies(f)), key=lambda f: (f.id, f.subject))
        if hits:
            shown = ", ".join(f"{f.id} {f.subject}" for f in hits[:3])
            more = f" and {len(hits) - 3} more" if len(hits) > 3 else ""
            applied.append(
                {
                    "cap": rule.cap,
                    "reason": f"capped at {rule.cap}: {rule.reason}",
                    "triggered_by": f"{shown}{more}",
                }
            )
    return sorted(applied, key=lambda c: c["cap"])  # stable: table order breaks ties


def _blast_radius(findings: list[Finding]) -> dict[int, float]:
    """Share of a check's subjects that have the problem; a check may state its own."""
    subjects: Counter[str] = Counter(f.id for f in findings)
    problems: Counter[str] = Counter(f.id for f in findings if f.status in _PROBLEM)
    out = {}
    for f in findings:
        own = f.extra.get("blast_radius")
        if isinstance(own, int | float):
            out[id(f)] = float(own)
        else:
            out[id(f)] = problems[f.id] / subjects[f.id]
    return out


def fix_order(findings: list[Finding]) -> list[Finding]:
    """Fail and warn findings, most urgent first (see the module docstring, point 8)."""
    blast = _blast_radius(findings)
    problems = [f for f in findings if f.status in _PROBLEM]
    return sorted(
        problems,
        key=lambda f: (
            f.tier,
            Severity(f.severity).order,
            0 if f.status is Status.FAIL else 1,
            -blast[id(f)],
            f.id,
            f.subject,
        ),
    )


def _at_or_above(severity: Severity, threshold: Severity) -> bool:
    return severity.order <= threshold.order


def gate_reasons(
    findings: list[Finding], score: int | None, fail_on: Severity, min_score: int | None
) -> list[str]:
    """Why the gate fails, most important first; empty when it passes."""
    reasons = []
    blocking = Counter(
        Severity(f.severity)
        for f in findings
        if f.status in _PROBLEM and _at_or_above(Severity(f.severity), fail_on)
    )
    if blocking:
        parts = [f"{blocking[s]} {s}" for s in Severity if blocking[s]]
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        noun = "finding" if sum(blocking.values()) == 1 else "findings"
        reasons.append(f"{joined} {noun}")
    if min_score is not None and score is not None and score < min_score:
        reasons.append(f"score {score} below the minimum {min_score}")
    errored = sorted(
        {f.id for f in findings if f.status is Status.ERROR and f.severity == Severity.CRITICAL}
    )
    if errored:
        reasons.append(f"critical check could not run: {', '.join(errored)}")
    return reasons


def _report_order(findings: list[Finding]) -> list[Finding]:
    ranked = sorted((f for f in findings if f.rank is not None), key=lambda f: f.rank or 0)
    status_order = {Status.ERROR: 0, Status.PASS: 1, Status.SKIPPED: 2}
    rest = sorted(
        (f for f in findings if f.rank is None),
        key=lambda f: (status_order.get(f.status, 3), f.area, f.id, f.subject),
    )
    return ranked + rest


def finalize(
    report: Report,
    fail_on: Severity | str = "high",
    min_score: int | None = None,
    inconclusive: bool | str = False,
    *,
    weights: Mapping[str, float] | None = None,
) -> Report:
    """Score, grade, gate and rank `report` in place (and return it).

    `inconclusive` may be the reason as text ("no host answered"); the verdict line shows it.

    Findings are reordered: the fix list first by rank, then errors, passes and skipped.
    """
    threshold = Severity(fail_on)
    category_weights = resolve_weights(weights)
    findings = report.findings
    for f in findings:  # findings built by hand may carry plain strings
        f.status, f.severity = Status(f.status), Severity(f.severity)

    ordered = fix_order(findings)
    for f in findings:
        f.rank = None
    for rank, f in enumerate(ordered, start=1):
        f.rank = rank

    categories = category_scores(findings)
    present = {n: category_weights[n] for n in categories if category_weights[n] > 0}
    base: float | None = None
    if present:
        total = sum(present.values())
        base = sum(float(categories[n]["value"]) * w for n, w in present.items()) / total
    caps = caps_for(findings)
    score = None if base is None else _round_half_up(base)
    if score is not None and caps:
        score = min(score, min(int(c["cap"]) for c in caps))

    report.score = score
    report.grade = grade_for(score)
    reasons = gate_reasons(findings, score, threshold, min_score)
    if inconclusive:
        report.gate = Gate.INCONCLUSIVE
        if isinstance(inconclusive, str):
            report.extra["inconclusive_reason"] = inconclusive
    else:
        report.gate = Gate.FAIL if reasons else Gate.PASS
    report.findings = _report_order(findings)
    report.extra["score_model"] = {
        "version": SCORING_MODEL_VERSION,
        "categories": {
            name: {**values, "weight": category_weights[name]}
            for name, values in categories.items()
        },
        "base_score": None if base is None else round(base, 1),
        "caps_applied": caps,
    }
    report.extra["fail_on"] = str(threshold)
    if min_score is not None:
        report.extra["min_score"] = min_score
    report.extra["gate_reasons"] = reasons
    return report


def exit_code_for(report: Report) -> int:
    """CONTRACT §1: 0 gate passed, 1 gate failed, 3 inconclusive."""
    return {Gate.PASS: 0, Gate.FAIL: 1, Gate.INCONCLUSIVE: 3}[Gate(report.gate)]
