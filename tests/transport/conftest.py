"""Transport test fixtures: the world's DNS server and CA on loopback, and a config builder
that points the tool at them (nameservers, connect_to, ca_bundle)."""

from __future__ import annotations

import pytest

from launchready.world.ca import LocalCA


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Every connection the tool makes in these tests must stay on loopback."""
    monkeypatch.setenv("LAUNCHREADY_LOOPBACK_ONLY", "1")


@pytest.fixture(scope="session")
def ca() -> LocalCA:
    return LocalCA()


@pytest.fixture(scope="session")
def bundle(ca, tmp_path_factory):
    return ca.write_bundle(tmp_path_factory.mktemp("ca") / "ca.pem")
