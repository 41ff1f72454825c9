"""Perf fixtures: loopback only; a throwaway PostgreSQL cluster with pg_stat_statements.

When the PostgreSQL binaries are missing, tests marked `needs_pg_binaries` are skipped with a
reason starting "needs_pg_binaries:"; CI can make that fatal with
LAUNCHREADY_REQUIRE_PG=1 (then the fixture fails instead of skipping).
"""

from __future__ import annotations

import os

import pytest

from perf.pgcluster import remove, start_cluster, why_unavailable


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    monkeypatch.setenv("LAUNCHREADY_LOOPBACK_ONLY", "1")


@pytest.fixture(scope="session")
def pg_cluster():
    reason = why_unavailable()
    if reason:
        if os.environ.get("LAUNCHREADY_REQUIRE_PG"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        remove(cluster)


@pytest.fixture(scope="session")
def pg_dsn(pg_cluster):
    from perf.app import prepare

    dsn = {"user": "postgres", "host": "127.0.0.1", "port": pg_cluster.port, "database": "postgres"}
    prepare(dsn)
    return dsn


@pytest.fixture(scope="session")
def mariadb_ps():
    """A throwaway MariaDB with performance_schema ON."""
    from perf.mycluster import start_server, stop
    from perf.mycluster import why_unavailable as my_unavailable

    reason = my_unavailable()
    if reason:
        pytest.skip(reason)
    server = start_server()
    try:
        yield server
    finally:
        stop(server)
