"""Conformance: the 205 MDN HTTP Observatory vectors (algorithm v6) reproduce exactly."""

from __future__ import annotations

import pytest
from support.web_observatory_vectors import ANALYZERS, load_vectors, site_from_vector, stub_preload

from launchready.checks import observatory

VECTORS = load_vectors()


def _run(v: dict) -> observatory.Outcome:
    return observatory.run_test(ANALYZERS[v["analyzer"]], site_from_vector(v), stub_preload())


def test_all_205_vectors_reproduce(conformance) -> None:
    confusions = []
    for v in VECTORS:
        got = _run(v)
        exp = v["expected"]
        if (got.result, got.passed, got.modifier) != (
            exp["result"],
            exp["pass"],
            exp["scoreModifier"],
        ):
            confusions.append(
                f"#{v['id']} {v['analyzer']}: expected {exp['result']} pass={exp['pass']} "
                f"{exp['scoreModifier']:+d}, got {got.result} pass={got.passed} {got.modifier:+d}"
            )
    matched = len(VECTORS) - len(confusions)
    summary = f"{matched}/{len(VECTORS)} vectors reproduce (result, pass, scoreModifier)"
    conformance["MDN HTTP Observatory v6 conformance"] = summary
    print(f"\nObservatory v6 conformance: {summary}")
    for line in confusions:
        print("  " + line)
    assert len(VECTORS) == 205
    assert not confusions, "\n".join(confusions)


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v['id']}-{v['analyzer']}")
def test_vector(v: dict) -> None:
    got = _run(v)
    assert (got.result, got.passed, got.modifier) == (
        v["expected"]["result"],
        v["expected"]["pass"],
        v["expected"]["scoreModifier"],
    )
