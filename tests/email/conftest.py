"""Email test fixtures: every connection stays on loopback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # spf_suite, world helpers


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    monkeypatch.setenv("LAUNCHREADY_LOOPBACK_ONLY", "1")
