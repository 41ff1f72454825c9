"""Fixtures for the web area: loopback only, a throwaway CA, a config builder."""

from __future__ import annotations

import pytest

from launchready.config import parse_config
from launchready.world.ca import LocalCA


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    """Every connection the tool makes in these tests must stay on loopback."""
    monkeypatch.setenv("LAUNCHREADY_LOOPBACK_ONLY", "1")


@pytest.fixture(scope="module")
def ca():
    return LocalCA()


@pytest.fixture
def make_config(tmp_path, ca):
    def build(
        site: str, *, https_port: int | None = None, http_port: int | None = None, extra: str = ""
    ) -> object:
        rules = []
        # A missing server is a closed loopback port (9): refused at once, no DNS lookup.
        rules.append(f'":443:127.0.0.1:{https_port or 9}"')
        rules.append(f'":80:127.0.0.1:{http_port or 9}"')
        bundle = ca.write_bundle(tmp_path / "ca.pem")
        text = (
            f"{site}\n[network]\nconnect_to = [{', '.join(rules)}]\n"
            f'ca_bundle = "{bundle}"\ntimeout = 3.0\n{extra}\n'
        )
        return parse_config(text, path=tmp_path / "launchready.toml")

    return build


CONFORMANCE: dict[str, str] = {}


@pytest.fixture
def conformance():
    """Tests record conformance counts here; they are printed in the terminal summary."""
    return CONFORMANCE


def pytest_terminal_summary(terminalreporter):
    for name, line in CONFORMANCE.items():
        terminalreporter.write_line(f"{name}: {line}")
