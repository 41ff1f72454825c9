"""Report fixtures: the sample report lives in tests/support so test modules can import it."""

from __future__ import annotations

import pytest
from support.sample_report import make_report, sample_findings

from launchready.report.model import Report


@pytest.fixture
def sample_report() -> Report:
    from launchready.report.score import finalize

    return finalize(make_report(sample_findings()))
