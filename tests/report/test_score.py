"""The scoring model: values, weights, categories, caps, grade, gate and fix order."""

from __future__ import annotations

import random

import pytest
from support.sample_report import make_report, sample_findings

from launchready.report.catalogue import CheckSpec
from launchready.report.model import Finding, Gate, Severity, Status
from launchready.report.score import (
    SCORING_MODEL_VERSION,
    category_scores,
    exit_code_for,
    finalize,
    fix_order,
    grade_for,
)


def f(
    check_id: str,
    status: str,
    severity: str = "high",
    tier: int = 3,
    subject: str = "portal.example.com",
    **extra,
) -> Finding:
    return CheckSpec(check_id, check_id, Severity(severity), tier, "fix it").finding(
        status, subject, **extra
    )


def score_of(*findings: Finding, **kw) -> int | None:
    return finalize(make_report(list(findings)), **kw).score


# --- per-check values and weights ---------------------------------------------------------


def test_pass_warn_fail_values_weighted_by_severity():
    # security category only: (10 x 1 + 7.5 x 0.75 + 5 x 0) / 22.5 = 69.4
    cats = category_scores(
        [
            f("headers.a", "pass", "critical"),
            f("headers.b", "warn", "high"),
            f("headers.c", "fail", "medium"),
        ]
    )
    assert cats == {"security": {"value": 69.4, "counted": 3}}


def test_skipped_and_error_leave_the_denominator():
    base = [f("headers.a", "pass", "high"), f("headers.b", "fail", "high")]
    assert score_of(*base) == 50
    with_unknowns = [
        *base,
        f("headers.c", "skipped", "critical"),
        f("headers.d", "error", "high"),
    ]
    assert score_of(*with_unknowns) == 50


def test_only_skipped_means_no_score_rather_than_zero_or_hundred():
    report = finalize(make_report([f("headers.a", "skipped")]))
    assert report.score is None and report.grade is None
    assert report.extra["score_model"]["categories"] == {}


def test_info_findings_weigh_nothing():
    assert score_of(f("headers.a", "pass", "high"), f("headers.b", "fail", "info")) == 100


def test_smoke_steps_skipped_after_a_failure_count_as_failed():
    steps = [
        f("smoke.step", "pass", tier=0, subject="core/a", flow="core"),
        f("smoke.step", "warn", tier=0, subject="other/a", flow="other"),
        f("smoke.step", "skipped", tier=0, subject="other/b", flow="other"),
    ]
    # flow "other" did not stop (no fail), so its skipped step leaves the denominator
    assert category_scores(steps)["journeys"] == {"value": 87.5, "counted": 2}
    stopped = [*steps, f("smoke.step", "fail", tier=0, subject="core/b", flow="core")]
    stopped.append(f("smoke.step", "skipped", tier=0, subject="core/c", flow="core"))
    # 1 + 0.75 + 0 + 0 over 4
    assert category_scores(stopped)["journeys"] == {"value": 43.8, "counted": 4}


# --- categories and overall --------------------------------------------------------------


def test_tier_decides_journeys_and_security_before_area():
    cats = category_scores(
        [
            f("http.unreachable", "fail", tier=0),
            f("repo.env-committed", "fail", tier=1),
            f("dns.caa.missing", "pass", tier=3),
            f("repo.ci.missing", "pass", tier=2),
            f("newarea.thing", "pass", tier=4),
        ]
    )
    assert list(cats) == ["journeys", "security", "deploy", "dns_email", "other"]
    assert cats["journeys"]["value"] == 0 and cats["security"]["value"] == 0


def test_overall_is_weighted_mean_of_present_categories():
    # journeys 100 (weight 30), dns_email 0 (weight 10): 75
    findings = [f("smoke.step", "pass", tier=0), f("dns.caa.missing", "fail", tier=3)]
    report = finalize(make_report(findings))
    assert report.score == 75 and report.grade == "C"
    model = report.extra["score_model"]
    assert model["version"] == SCORING_MODEL_VERSION
    assert model["categories"]["journeys"] == {"value": 100.0, "counted": 1, "weight": 30.0}
    assert model["base_score"] == 75.0 and model["caps_applied"] == []


def test_category_weights_are_configurable():
    findings = [f("smoke.step", "pass", tier=0), f("dns.caa.missing", "fail", tier=3)]
    assert score_of(*findings, weights={"dns_email": 30}) == 50
    assert score_of(*findings, weights={"dns_email": 0}) == 100
    with pytest.raises(ValueError, match="unknown score category"):
        score_of(*findings, weights={"journey": 10})


def test_config_takes_score_weights_and_rejects_unknown_categories_with_a_line():
    from launchready.config import parse_config
    from launchready.errors import ConfigError

    head = '[site]\nurl = "https://p.example.com"\n[audit]\n'
    cfg = parse_config(head + "score_weights = { dns_email = 3 }\n")
    assert cfg.audit.score_weights == {"dns_email": 3.0}
    with pytest.raises(ConfigError) as err:
        parse_config(head + "score_weights = { journey = 3 }\n")
    assert err.value.line == 4 and "journey" in str(err.value)


# --- caps ----------------------------------------------------------------------------------


def _passes_everywhere() -> list[Finding]:
    areas = (("smoke.p", 0), ("headers.p", 3), ("repo.p", 2), ("dns.p", 3), ("monitor.p", 2))
    return [f(f"{a}{i}", "pass", "critical", t) for a, t in areas for i in range(20)]


@pytest.mark.parametrize(
    ("finding", "cap", "reason"),
    [
        (f("smoke.step", "fail", tier=0, subject="core/login"), 40, "a core journey step fails"),
        (f("tls.cert.expired", "fail", "critical", 1), 40, "TLS invalid or expired"),
        (f("tls.missing", "fail", "high", 1), 40, "no HTTPS"),
        (f("secrets.leak", "fail", "critical", 1), 40, "a secret is exposed"),
        (f("exposure.debug", "fail", "high", 1), 40, "debug page"),
        (f("exposure.file", "fail", "high", 1), 40, "a secret is exposed"),
        (f("env.missing", "fail", "high", 0), 40, "core journey"),  # tier 0 wins, lower cap
        (f("env.missing", "fail", "high", 2), 60, "environment variable is missing"),
        (f("repo.rollback.missing", "fail", "medium", 2), 75, "no rollback path"),
        (f("repo.rollback.missing", "warn", "medium", 2), 75, "no rollback path"),
        (f("monitor.none", "fail", "medium", 2), 85, "no monitor or alert route"),
        (f("deploy.version.unknown", "fail", "medium", 2), 90, "deployed version unknown"),
    ],
)
def test_caps_hold_a_perfect_average_down_and_say_why(finding, cap, reason):
    # many passes in every category keep the average high; the cap must still bind
    report = finalize(make_report([*_passes_everywhere(), finding]))
    assert report.extra["score_model"]["base_score"] > 90
    assert report.score == cap
    binding = report.extra["score_model"]["caps_applied"][0]
    assert binding["cap"] == cap
    assert binding["reason"].startswith(f"capped at {cap}: ") and reason in binding["reason"]
    assert finding.subject in binding["triggered_by"]


def test_cap_traps_that_must_not_cap():
    passes = _passes_everywhere()
    harmless = [
        f("tls.cert.expiring-soon", "warn", "medium", 3),  # not invalid yet
        f("tls.cert.expired", "pass", "critical", 1),  # checked and fine
        f("tls.cert.expired", "skipped", "critical", 1),
        f("exposure.file", "fail", "low", 3, subject="https://p.example.com/app.js.map"),
        f("env.missing", "warn", "medium", 2),
        f("smoke.step", "skipped", tier=0, subject="core/x"),
    ]
    report = finalize(make_report(passes + harmless))
    assert report.extra["score_model"]["caps_applied"] == []
    assert report.score > 90


def test_lowest_cap_wins_and_all_are_listed():
    findings = [
        f("headers.ok", "pass", "critical"),
        f("repo.rollback.missing", "fail", "medium", 2),
        f("env.missing", "fail", "high", 2),
        f("deploy.version.unknown", "fail", "low", 2),
    ]
    report = finalize(make_report(findings))
    caps = report.extra["score_model"]["caps_applied"]
    assert [c["cap"] for c in caps] == [60, 75, 90]
    assert report.score <= 60


def test_notes_example_capped_to_75_by_no_rollback_path():
    # journeys 100, security 87.5, deploy 90: 93.2 before caps; no rollback path caps it at 75
    findings = [f("smoke.step", "pass", tier=0, subject=f"core/s{i}") for i in range(9)]
    findings += [f("headers.a", "pass", "medium"), f("headers.b", "warn", "medium")]
    findings.append(f("repo.rollback.missing", "fail", "low", 2))
    findings += [f("repo.ci.missing", "pass", "high", 2)] * 3
    report = finalize(make_report(findings))
    assert report.extra["score_model"]["base_score"] == 93.2
    assert report.score == 75 and report.grade == "C"


# --- grade ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, "A"),
        (90, "A"),
        (89, "B"),
        (80, "B"),
        (79, "C"),
        (65, "C"),
        (64, "D"),
        (50, "D"),
        (49, "F"),
        (0, "F"),
        (None, None),
    ],
)
def test_grade_bands(score, grade):
    assert grade_for(score) == grade


# --- gate ----------------------------------------------------------------------------------


def test_warn_at_fail_on_fails_the_gate():
    report = finalize(make_report([f("headers.a", "warn", "high")]), fail_on="high")
    assert report.gate is Gate.FAIL
    assert report.extra["gate_reasons"] == ["1 high finding"]
    assert exit_code_for(report) == 1


def test_findings_below_fail_on_pass_the_gate():
    findings = [f("headers.a", "fail", "medium"), f("headers.b", "warn", "low")]
    report = finalize(make_report(findings), fail_on="high")
    assert report.gate is Gate.PASS and exit_code_for(report) == 0
    report = finalize(make_report(findings), fail_on="medium")
    assert report.gate is Gate.FAIL and report.extra["fail_on"] == "medium"


def test_gate_counts_blocking_findings_by_severity():
    findings = [
        f("tls.a", "fail", "critical", 1, subject="a"),
        f("headers.a", "fail", "high", subject="a"),
        f("headers.a", "warn", "high", subject="b"),
        f("headers.b", "fail", "high"),
        f("headers.c", "fail", "medium"),
    ]
    report = finalize(make_report(findings))
    assert report.extra["gate_reasons"] == ["1 critical and 3 high findings"]


def test_min_score_fails_the_gate():
    findings = [f("headers.a", "pass", "medium"), f("headers.b", "fail", "medium")]
    report = finalize(make_report(findings), min_score=80)
    assert report.score == 50 and report.gate is Gate.FAIL
    assert report.extra["gate_reasons"] == ["score 50 below the minimum 80"]
    assert finalize(make_report(findings), min_score=50).gate is Gate.PASS


def test_error_on_a_critical_check_fails_the_gate_but_not_on_a_lesser_one():
    lesser = finalize(make_report([f("edge.none", "error", "low"), f("x.y", "pass")]))
    assert lesser.gate is Gate.PASS
    critical = finalize(make_report([f("tls.cert.expired", "error", "critical", 1)]))
    assert critical.gate is Gate.FAIL
    assert critical.extra["gate_reasons"] == ["critical check could not run: tls.cert.expired"]


def test_inconclusive_wins_and_exits_3():
    report = finalize(make_report([f("headers.a", "fail", "critical")]), inconclusive=True)
    assert report.gate is Gate.INCONCLUSIVE and exit_code_for(report) == 3


def test_all_clear_passes():
    report = finalize(make_report([f("headers.a", "pass"), f("dns.b", "skipped")]))
    assert (report.gate, report.score, report.grade) == (Gate.PASS, 100, "A")
    assert report.extra["gate_reasons"] == []


# --- fix order -----------------------------------------------------------------------------


def test_fix_order_broken_login_then_exposure_then_hardening_then_cosmetics():
    report = finalize(make_report(sample_findings()))
    order = [(x.rank, x.id, x.subject) for x in report.problems]
    ids = [i for _, i, _ in order]
    assert ids[0] == "smoke.step"  # tier 0: broken login first
    assert ids[1:4] == ["secrets.leak", "tls.cert.expired", "exposure.file"]  # tier 1, crit first
    assert ids.index("repo.rollback.missing") < ids.index("headers.hsts.missing")  # 2 before 3
    assert ids[-1] == "headers.version-leak"  # tier 4: cosmetics last
    assert [r for r, _, _ in order] == list(range(1, len(order) + 1))


def test_fail_before_warn_and_wider_blast_radius_first():
    findings = [
        f("headers.narrow", "fail", subject="a"),
        f("headers.narrow", "pass", subject="b"),
        f("headers.narrow", "pass", subject="c"),
        f("headers.wide", "fail", subject="a"),
        f("headers.wide", "fail", subject="b"),
        f("headers.aaa", "warn", subject="a"),
    ]
    ranked = [(x.id, x.subject) for x in fix_order(findings)]
    assert ranked == [
        ("headers.wide", "a"),
        ("headers.wide", "b"),
        ("headers.narrow", "a"),
        ("headers.aaa", "a"),
    ]


def test_ranks_only_for_fail_and_warn():
    report = finalize(make_report(sample_findings()))
    for x in report.findings:
        assert (x.rank is not None) == (x.status in (Status.FAIL, Status.WARN))
    # the fix list comes first in the report, then errors, passes, skipped
    statuses = [x.status for x in report.findings]
    first_other = next(i for i, s in enumerate(statuses) if s not in (Status.FAIL, Status.WARN))
    assert all(s not in (Status.FAIL, Status.WARN) for s in statuses[first_other:])


def test_ranks_are_stable_whatever_the_input_order():
    expected = [
        (x.id, x.subject, x.rank) for x in finalize(make_report(sample_findings())).findings
    ]
    for seed in range(5):
        shuffled = sample_findings()
        random.Random(seed).shuffle(shuffled)
        got = [(x.id, x.subject, x.rank) for x in finalize(make_report(shuffled)).findings]
        assert got == expected


def test_finalize_twice_gives_the_same_report():
    report = finalize(make_report(sample_findings()))
    first = report.to_dict()
    assert finalize(report).to_dict() == first


def test_sample_report_verdict(sample_report):
    assert sample_report.gate is Gate.FAIL
    assert sample_report.score <= 40 and sample_report.grade == "F"
    caps = sample_report.extra["score_model"]["caps_applied"]
    assert [c["cap"] for c in caps] == [40, 40, 40, 75]


def test_partial_check_may_state_its_own_fraction():
    partial = f("headers.a", "warn", "high", score_fraction=0.4)
    assert category_scores([partial])["security"]["value"] == 40.0
    bogus = f("headers.a", "warn", "high", score_fraction=7)  # out of range: plain warn
    assert category_scores([bogus])["security"]["value"] == 75.0
