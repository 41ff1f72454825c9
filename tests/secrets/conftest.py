"""Fixtures for the secrets and repo tests (helpers live in secrets_builder)."""

from __future__ import annotations

from secrets_builder import built_repo  # noqa: F401 - a fixture
