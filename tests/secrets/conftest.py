"""Fixtures for the secrets and repo tests (helpers live in support.secrets_repo)."""

from __future__ import annotations

from support.secrets_repo import built_repo  # noqa: F401 - a fixture


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Per rule family recall and false positives of the gitleaks conformance replay."""
    from support.secrets_repo import CONFORMANCE

    if not CONFORMANCE:
        return
    tr = terminalreporter
    tr.section("secrets conformance (gitleaks v8.30.1 rule examples)")
    modes = list(CONFORMANCE)
    tr.write_line("family          " + "  ".join(f"{m[:13]:>13} tp  fp" for m in modes))
    families = sorted({f for _, stats in CONFORMANCE.values() for f in stats})
    for fam in families:
        cells = []
        for m in modes:
            c = CONFORMANCE[m][1].get(fam)
            cells.append(
                f"{c['tp_hit']:>8}/{c['tp']:<4} {c['fp_flagged']:>2}/{c['fp']:<2}"
                if c
                else " " * 21
            )
        tr.write_line(f"{fam:<15} " + "  ".join(cells))
    for line, _ in CONFORMANCE.values():
        tr.write_line(line)
