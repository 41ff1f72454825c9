"""Core test fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Every connection the tool makes in these tests must stay on loopback."""
    monkeypatch.setenv("LAUNCHREADY_LOOPBACK_ONLY", "1")
