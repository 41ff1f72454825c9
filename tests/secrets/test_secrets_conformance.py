"""gitleaks' own rule examples (6 770 cases, v8.30.1), replayed as the conformance README says.

Rule parity: only the case's rule plus the global allowlist (gitleaks' single-rule validation).
Full rule set: all rules together; an fp may only be hit by the rules its `all_rules_hits` names.
Recall and false positives are printed per rule family (run pytest with -s to see them).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from support.secrets_repo import CONFORMANCE

from launchready.redact import REDACTOR, Redactor
from launchready.secrets.engine import Detector
from launchready.secrets.rules import RuleSet, load_rules

DATA = Path(__file__).parent.parent / "data" / "conformance" / "secrets"
CASES = json.loads((DATA / "gitleaks_cases.json").read_text(encoding="utf-8"))


def family(rule_id: str) -> str:
    return rule_id.split("-", 1)[0]


@pytest.fixture(scope="module")
def gitleaks_rules() -> RuleSet:
    return load_rules("builtin:gitleaks-compat.toml")


def test_corpus_is_the_published_one() -> None:
    kinds = Counter(c["kind"] for c in CASES)
    assert len(CASES) == 6770 and kinds == {"tp": 6396, "fp": 374}
    assert (DATA / "LICENSE.gitleaks").is_file()


def test_rule_set_matches_v8_30_1(gitleaks_rules: RuleSet) -> None:
    assert len(gitleaks_rules.rules) == 222
    assert {c["rule_id"] for c in CASES} <= set(gitleaks_rules.rules)


def _report(title: str, stats: dict[str, Counter]) -> None:
    """Keep the figures for the terminal summary (conftest prints them even when output is
    captured), and print them for `pytest -s`."""
    total: Counter = Counter()
    for s in stats.values():
        total.update(s)
    line = (
        f"{title}: recall {total['tp_hit']}/{total['tp']} "
        f"({100 * total['tp_hit'] / max(1, total['tp']):.2f}%), "
        f"false positives {total['fp_flagged']}/{total['fp']}; "
        f"literal tp {total['lit_hit']}/{total['lit']}, "
        f"generated tp {total['gen_hit']}/{total['gen']}"
    )
    CONFORMANCE[title] = (line, dict(stats))
    print(line)


def _tally(stats: dict[str, Counter], case: dict, ok: bool) -> None:
    s = stats[family(case["rule_id"])]
    if case["kind"] == "tp":
        s["tp"] += 1
        s["tp_hit"] += ok
        key = "lit" if case["literal"] else "gen"
        s[key] += 1
        s[f"{key}_hit"] += ok
    else:
        s["fp"] += 1
        s["fp_flagged"] += not ok


def test_rule_parity_mode(gitleaks_rules: RuleSet) -> None:
    detectors: dict[str, Detector] = {}
    stats: dict[str, Counter] = defaultdict(Counter)
    failures = []
    for case in CASES:
        rid = case["rule_id"]
        det = detectors.get(rid)
        if det is None:
            det = detectors[rid] = Detector(gitleaks_rules.only(rid), generic_filter=False)
        hits = [
            h for h in det.scan_text(case["text"], case.get("path", "case.txt")) if h.rule.id == rid
        ]
        ok = any(h.secret in case["text"] for h in hits) if case["kind"] == "tp" else not hits
        _tally(stats, case, ok)
        if not ok:
            failures.append((rid, case["kind"], case["text"][:80]))
    _report("rule parity", stats)
    assert not failures, failures[:10]


def test_full_rule_set_mode(gitleaks_rules: RuleSet) -> None:
    # all_rules_hits was recorded with every rule firing, before gitleaks' final generic filter
    det = Detector(gitleaks_rules, generic_filter=False)
    stats: dict[str, Counter] = defaultdict(Counter)
    failures = []
    for case in CASES:
        rid = case["rule_id"]
        fired = {h.rule.id for h in det.scan_text(case["text"], case.get("path", "case.txt"))}
        if case["kind"] == "tp":
            ok = rid in fired
        else:
            ok = rid not in fired and fired <= set(case["all_rules_hits"])
        _tally(stats, case, ok)
        if not ok:
            failures.append((rid, case["kind"], sorted(fired), case["text"][:80]))
    _report("full rule set", stats)
    assert not failures, failures[:10]


def test_generic_filter_only_drops_generic_hits_shadowed_by_a_specific_rule(
    gitleaks_rules: RuleSet,
) -> None:
    """With the final filter on, a generic tp disappears only when a specific rule on the same
    line found a secret containing it, so every case is still flagged by some rule."""
    det = Detector(gitleaks_rules)
    dropped = 0
    for case in CASES:
        if case["kind"] != "tp":
            continue
        hits = det.scan_text(case["text"], case.get("path", "case.txt"))
        fired = {h.rule.id for h in hits}
        assert fired, case["text"][:80]
        if case["rule_id"] not in fired:
            dropped += 1
            assert case["rule_id"] == "generic-api-key"
            assert any(not h.rule.generic for h in hits)
    print(f"\ngeneric hits shadowed by a specific rule: {dropped}")


def test_redaction_of_every_tp_secret(gitleaks_rules: RuleSet) -> None:
    """The texts hold fake secrets: run them through the same masking as real findings."""
    from launchready.checks.secrets import masked, public_prefix
    from launchready.secrets.scan import _leak

    det = Detector(gitleaks_rules)
    red = Redactor()
    for case in CASES[::7]:
        if case["kind"] != "tp":
            continue
        for hit in det.scan_text(case["text"], "case.txt"):
            leak = _leak(hit)
            shown = masked(leak)
            assert len(shown) - 4 <= len(public_prefix(leak)) + 4
            if len(leak.secret) >= 8:
                red.add(leak.secret, keep=len(shown) - 4)
                assert leak.secret not in red.scrub(f"x {leak.secret} y")
    assert REDACTOR is not None
