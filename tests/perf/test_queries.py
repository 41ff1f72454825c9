"""Statement fingerprints, snapshot diffs, and the real backends (PostgreSQL, MariaDB)."""

from __future__ import annotations

import pg8000.dbapi
import pytest

from launchready.perf.queries import (
    APPLICATION_NAME,
    Counter,
    MysqlDigests,
    QueryTimer,
    Snapshot,
    diff,
    fingerprint,
)


def test_fingerprint_merges_protocol_variants_and_in_lists():
    assert fingerprint("SELECT * FROM t WHERE id = $1") == fingerprint(
        "select * from t where id = 42".replace("select", "SELECT")
        .replace("from", "FROM")
        .replace("where", "WHERE")
    )
    assert fingerprint("SELECT 1 /* app:x */") == "SELECT ?"
    assert (
        fingerprint("SELECT * FROM t WHERE id IN ($1, $2, $3)")
        == "SELECT * FROM t WHERE id IN (?...)"
    )
    assert fingerprint("SELECT 'it''s' -- trailing\n;") == "SELECT ?"
    # identifiers with digits are not literals
    assert fingerprint("SELECT col1 FROM t2") == "SELECT col1 FROM t2"


def snap(*counters, epoch=""):
    return Snapshot({c.key: c for c in counters}, epoch)


def test_diff_subtracts_counters_and_skips_untouched_statements():
    before = snap(
        Counter("1", "SELECT a FROM t WHERE id = $1", 10, 100.0), Counter("2", "SELECT 1", 5, 1.0)
    )
    after = snap(
        Counter("1", "SELECT a FROM t WHERE id = $1", 60, 600.0), Counter("2", "SELECT 1", 5, 1.0)
    )
    stats, reliable = diff(before, after, window_max=False)
    assert reliable
    assert [(s.statement, s.calls, s.total_ms) for s in stats] == [
        ("SELECT a FROM t WHERE id = ?", 50, 500.0)
    ]
    assert stats[0].mean_ms == 10.0 and stats[0].max_ms is None


def test_diff_merges_queryids_of_one_shape():
    after = snap(
        Counter("1", "SELECT a FROM t WHERE id = $1", 3, 3.0),
        Counter("9", "SELECT a FROM t WHERE id = 7", 2, 2.0),
    )
    stats, _ = diff(snap(), after, window_max=False)
    assert len(stats) == 1 and stats[0].calls == 5 and stats[0].ids == ("1", "9")


def test_diff_leaves_out_our_own_statements():
    after = snap(
        Counter("1", "/* launchready:perf */ SELECT queryid FROM pg_stat_statements(false)", 9, 9.0)
    )
    assert diff(snap(), after, window_max=False)[0] == []


def test_counter_going_down_or_epoch_moving_marks_unreliable():
    before = snap(Counter("1", "SELECT 1", 100, 100.0))
    after = snap(Counter("1", "SELECT 1", 3, 3.0))
    stats, reliable = diff(before, after, window_max=False)
    assert not reliable and stats[0].calls == 3
    _, reliable = diff(snap(epoch="0|a"), snap(epoch="1|a"), window_max=False)
    assert not reliable


def test_window_max_only_when_the_max_grew():
    before = snap(Counter("d", "SELECT ?", 10, 10.0, max_ms=900.0))
    same = snap(Counter("d", "SELECT ?", 20, 20.0, max_ms=900.0))
    grew = snap(Counter("d", "SELECT ?", 20, 20.0, max_ms=950.0))
    assert diff(before, same, window_max=True)[0][0].max_ms is None  # an old max, not ours
    assert diff(before, grew, window_max=True)[0][0].max_ms == 950.0


def test_unreachable_database_is_an_error_not_an_exception():
    timer = QueryTimer("postgresql://nobody@127.0.0.1:1/none", timeout=1.0)
    assert timer.error.startswith("cannot read query statistics")
    window = timer.after(timer.before(), 10)
    assert window.error and not window.statements


def test_unsupported_scheme_is_an_error():
    timer = QueryTimer("sqlite:///x.db")
    assert "unsupported database URL scheme" in timer.error


@pytest.mark.needs_pg_binaries
def test_pg_snapshot_diff_sees_a_real_slow_statement_without_reset(pg_cluster, pg_dsn):
    conn = pg8000.dbapi.connect(**pg_dsn, application_name="portal")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM items")  # history from before the window
    timer = QueryTimer(pg_cluster.url())
    assert timer.skipped == "" and timer.error == ""
    before = timer.before()
    for i in range(3):
        cur.execute("SELECT pg_sleep(%s)", (0.05,))
        cur.execute("SELECT name FROM items WHERE id = %s", (i + 1,))
    window = timer.after(before, requests=3)
    timer.close()
    shapes = {s.statement: s for s in window.statements}
    assert shapes["SELECT pg_sleep(?)"].calls == 3
    assert shapes["SELECT pg_sleep(?)"].mean_ms >= 45  # pg_sleep(0.05) by construction
    assert shapes["SELECT name FROM items WHERE id = ?"].calls == 3
    assert "SELECT count(*) FROM items" not in shapes
    assert not any("pg_stat_statements" in s for s in shapes)
    assert window.reliable and "mean-based" in window.note
    # nothing was reset: the earlier statement keeps its count
    cur.execute("SELECT calls FROM pg_stat_statements WHERE query = 'SELECT count(*) FROM items'")
    assert cur.fetchone()[0] >= 1
    # our own connection announces itself
    probe = QueryTimer(pg_cluster.url())
    cur.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (APPLICATION_NAME,)
    )
    assert cur.fetchone()[0] >= 1
    probe.close()
    conn.close()


@pytest.mark.needs_pg_binaries
def test_pg_without_extension_is_skipped_with_the_reason(pg_cluster, pg_dsn):
    conn = pg8000.dbapi.connect(**pg_dsn)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT 1 FROM pg_database WHERE datname = 'plain'")
    if not cur.fetchall():
        cur.execute("CREATE DATABASE plain")
    conn.close()
    timer = QueryTimer(pg_cluster.url("plain"))
    assert "pg_stat_statements is not installed" in timer.skipped
    assert timer.after(timer.before(), 1).skipped
    timer.close()


def _mariadb_or_skip() -> MysqlDigests:
    try:
        return MysqlDigests("mysql://root@127.0.0.1:3306/", timeout=2.0)
    except Exception as exc:
        pytest.skip(f"needs MariaDB/MySQL on 127.0.0.1:3306 (root, no password): {exc}")


def test_mysql_backend_reports_whether_performance_schema_can_time_queries():
    """MariaDB ships with performance_schema off: that must be a reason, never a clean pass."""
    source = _mariadb_or_skip()
    try:
        with source.conn.cursor() as cur:
            cur.execute("SELECT @@performance_schema")
            enabled = str(cur.fetchone()[0]) not in ("0", "OFF")
        why = source.available()
        if not enabled:
            assert "performance_schema is off" in why
            timer = QueryTimer("mysql://root@127.0.0.1:3306/", opener=lambda *_: source)
            window = timer.after(timer.before(), 5)
            assert window.skipped and window.backend == "mysql"
            return
        assert why == "" or "statements_digest" in why
        if why:
            return
        before = source.snapshot()
        with source.conn.cursor() as cur:
            for _ in range(5):
                cur.execute("SELECT SLEEP(0.01)")
        stats, _ = diff(before, source.snapshot(), window_max=True)
        sleep = [s for s in stats if "SLEEP" in s.statement.upper()]
        assert sleep and sleep[0].calls >= 5
    finally:
        source.close()


@pytest.mark.needs_mariadb_binaries
def test_mysql_digests_time_a_real_slow_statement_and_an_n_plus_one(mariadb_ps):
    import pymysql

    from launchready.checks import perf as checks
    from launchready.perf.types import EndpointObservation

    app = pymysql.connect(host="127.0.0.1", port=mariadb_ps.port, user="root", autocommit=True)
    with app.cursor() as cur:
        cur.execute("CREATE DATABASE IF NOT EXISTS portal")
        cur.execute("CREATE TABLE IF NOT EXISTS portal.items (id int PRIMARY KEY, name text)")
        cur.execute("REPLACE INTO portal.items VALUES (1,'a'),(2,'b'),(3,'c'),(4,'d'),(5,'e')")
    timer = QueryTimer(mariadb_ps.url("portal"))
    assert timer.skipped == "" and timer.error == ""
    before = timer.before()
    with app.cursor() as cur:
        cur.execute("USE portal")
        for _request in range(2):  # two page loads, each: one list query + one query per item
            cur.execute("SELECT id FROM items")
            for (item_id,) in cur.fetchall():
                cur.execute("SELECT name FROM items WHERE id = %s", (item_id,))
        for delay in (0.01, 0.01, 0.01, 0.25):  # mean under 200 ms, max over it
            cur.execute("SELECT SLEEP(%s)", (delay,))
    window = timer.after(before, requests=2)
    timer.close()
    app.close()
    assert window.backend == "mysql" and window.reliable
    shapes = {s.statement: s for s in window.statements}
    per_item = shapes["SELECT NAME FROM `items` WHERE ID = ?"]  # MariaDB's digest text
    assert per_item.calls == 10
    obs = EndpointObservation(
        "items", "GET", "/items", "http://x.test/items", 300.0, queries=window
    )
    got = {f.id: f for f in checks.judge_queries(obs, 200.0, True)}
    assert got["perf.query.n-plus-one"].status == "warn"
    assert got["perf.query.n-plus-one"].extra["per_request"] == 5.0
    slow = got["perf.query.slow"]
    assert slow.status == "warn" and slow.extra["basis"] == "max"
    assert "SLEEP" in slow.extra["statement"].upper()
    assert slow.extra["max_ms"] >= 250


def test_statement_log_parsing_counts_executions_only():
    from launchready.perf.pglog import parse

    text = (
        "2026-11-27 19:00:00.001 UTC [42] app@db app=portal LOG:  duration: 312.5 ms  "
        "statement: SELECT pg_sleep(0.3)\n"
        "2026-11-27 19:00:00.002 UTC [42] LOG:  duration: 0.1 ms  parse <unnamed>: SELECT $1\n"
        "2026-11-27 19:00:00.003 UTC [42] LOG:  duration: 0.1 ms  bind <unnamed>: SELECT $1\n"
        "2026-11-27 19:00:00.004 UTC [42] LOG:  duration: 250.0 ms  execute <unnamed>: SELECT\n"
        "\tname FROM items\n\tWHERE id = $1\n"
        "2026-11-27 19:00:00.005 UTC [42] DETAIL:  parameters: $1 = '7'\n"
        '{"timestamp":"2026-11-27 19:00:01.000 UTC","message":"duration: 201.0 ms  statement: '
        'SELECT 1","query_id":123}\n'
        "2026-11-27 19:00:02.000 UTC [42] LOG:  statement: SELECT untimed\n"
    )
    assert parse(text) == [
        (312.5, "SELECT pg_sleep(0.3)"),
        (250.0, "SELECT name FROM items WHERE id = $1"),
        (201.0, "SELECT 1"),
    ]


@pytest.mark.needs_pg_binaries
def test_statement_log_gives_the_window_max_a_mean_hides(pg_cluster, pg_dsn):
    from launchready.checks import perf as checks
    from launchready.perf.types import EndpointObservation

    conn = pg8000.dbapi.connect(**pg_dsn, application_name="portal")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT pg_sleep(0.3)")  # before the window: must not count
    timer = QueryTimer(pg_cluster.url(), statement_log=pg_cluster.log_path)
    before = timer.before()
    for delay in (0.01,) * 9 + (0.25,):
        cur.execute("SELECT pg_sleep(%s)", (delay,))
    window = timer.after(before, requests=10)
    timer.close()
    conn.close()
    sleep = next(s for s in window.statements if s.statement == "SELECT pg_sleep(?)")
    assert sleep.calls == 10 and sleep.mean_ms < 200
    assert 250 <= sleep.max_ms < 300  # the 0.25 s execution, not the 0.3 s one before
    assert "max per execution from log" in window.note
    obs = EndpointObservation("p", "GET", "/p", "http://x.test/p", 300.0, queries=window)
    slow = next(f for f in checks.judge_queries(obs, 200.0, True) if f.id == "perf.query.slow")
    assert slow.status == "warn" and slow.extra["basis"] == "max"


@pytest.mark.needs_pg_binaries
def test_pg_monitoring_role_without_superuser_sees_the_app_statements(pg_cluster, pg_dsn):
    admin = pg8000.dbapi.connect(**pg_dsn)
    admin.autocommit = True
    cur = admin.cursor()
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'lr_monitor'")
    if not cur.fetchall():
        cur.execute("CREATE ROLE lr_monitor LOGIN")
        cur.execute("GRANT pg_read_all_stats TO lr_monitor")
    url = f"postgresql://lr_monitor@127.0.0.1:{pg_cluster.port}/postgres"
    timer = QueryTimer(url)
    assert timer.skipped == "" and timer.error == ""
    before = timer.before()
    for i in range(5):
        cur.execute("SELECT name FROM items WHERE id = %s", (i + 1,))
    window = timer.after(before, requests=1)
    timer.close()
    admin.close()
    shapes = {s.statement: s.calls for s in window.statements}
    assert (
        shapes.get("SELECT name FROM items WHERE id = ?") == 5
    )  # text visible, not <insufficient privilege>
