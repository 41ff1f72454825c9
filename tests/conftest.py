"""Shared fixtures: the loopback world and its parts (launchready.world).

Area-specific fixtures belong in ``tests/<area>/conftest.py``. Every test runs with
``LAUNCHREADY_LOOPBACK_ONLY=1`` so the network layer refuses anything but 127.0.0.0/8 and ::1.
"""

from __future__ import annotations

import os

import pytest

from launchready.world import World
from launchready.world.ca import LocalCA
from launchready.world.dns import DnsServer
from launchready.world.hostile import HostileServers
from launchready.world.web import WebServer

LOOPBACK_ENV = "LAUNCHREADY_LOOPBACK_ONLY"
# CI sets this: tests that need system binaries (PostgreSQL server, dovecot ...) skip on a
# developer machine without them, but in CI a skip means something was not tested: fail.
REQUIRE_DEPS_ENV = "LAUNCHREADY_REQUIRE_SYSTEM_DEPS"
ALLOWED_SKIP = "(allowed in CI)"
_skipped: list[tuple[str, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        if ALLOWED_SKIP not in reason:
            _skipped.append((report.nodeid, reason))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(REQUIRE_DEPS_ENV) and _skipped:
        lines = [f"  {node}: {reason}" for node, reason in _skipped]
        print(f"\n{REQUIRE_DEPS_ENV} is set and {len(_skipped)} test(s) were skipped:")
        print("\n".join(lines))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    # Set before any test module is imported, so import-time code sees it too.
    os.environ[LOOPBACK_ENV] = "1"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Re-asserted per test in case a test (or library) cleared it."""
    monkeypatch.setenv(LOOPBACK_ENV, "1")


@pytest.fixture(scope="session")
def world():
    """The demo world (see ``launchready.world``), started once per session. Do not mutate it;
    build your own scenario with ``World.empty()`` or the part fixtures below."""
    with World("demo") as started:
        yield started


@pytest.fixture
def world_config(world, tmp_path):
    """``launchready.toml`` (+ ``ca.pem``) for auditing the demo world, in a fresh folder."""
    return world.write_config(tmp_path)


@pytest.fixture(scope="session")
def local_ca():
    return LocalCA()


@pytest.fixture
def dns_server():
    with DnsServer() as server:
        yield server


@pytest.fixture
def web_server(local_ca):
    with WebServer(local_ca) as server:
        yield server


@pytest.fixture
def hostile():
    with HostileServers() as servers:
        yield servers
