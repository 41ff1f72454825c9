"""Query timing from outside the app: snapshot the database's statement statistics before and
after one endpoint's run, and diff them (notes/performance.md §5, §7).

- PostgreSQL: `pg_stat_statements`. Nothing is reset, so it works with a monitoring role
  (`pg_read_all_stats`) and never wipes anyone's statistics. Only `calls` and `total_exec_time`
  can be diffed: the per-window max is unknown, so slow verdicts are mean-based (the finding
  says so). Our own connections carry `application_name=launchready`, and our own statements
  (which read pg_stat_statements) are left out of the diff.
- MySQL / MariaDB: `performance_schema.events_statements_summary_by_digest` (timers in
  picoseconds). MariaDB ships with performance_schema off; that is reported as `skipped` with the
  reason, never as "no slow queries".

Driver: pg8000 (BSD-3) for PostgreSQL and PyMySQL (MIT) for MySQL, both pure Python, so no LGPL
code (psycopg) is needed at run time. Blocking calls; the caller runs them off the event loop.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from launchready.perf.pglog import StatementLog
from launchready.perf.types import QueryStat, QueryWindow
from launchready.redact import REDACTOR

APPLICATION_NAME = "launchready"
_OWN = "launchready:perf"  # marks our own statements so the diff can leave them out

_COMMENT = re.compile(r"/\*.*?\*/|--[^\n]*", re.S)
_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w$])-?\d+(?:\.\d+)?\b")
_PARAM = re.compile(r"\$\d+|%s|\?")
_IN_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)+\s*\)")
_SPACE = re.compile(r"\s+")


def fingerprint(statement: str) -> str:
    """One shape per statement, whatever the protocol: literals and `$n`/`%s`/`?` become `?`,
    IN-lists collapse, comments and spacing go. PG gives different queryids to the same query
    sent with `$1` and with a literal; this merges them."""
    text = _COMMENT.sub(" ", statement)
    text = _STRING.sub("?", text)
    text = _PARAM.sub("?", text)
    text = _NUMBER.sub("?", text)
    text = _IN_LIST.sub("(?...)", text)
    return _SPACE.sub(" ", text).strip().rstrip(";").strip()


@dataclass(frozen=True, slots=True)
class Counter:
    """One statement's cumulative counters at one moment."""

    key: str
    text: str
    calls: int
    total_ms: float
    max_ms: float | None = None
    rows: int = 0


@dataclass(slots=True)
class Snapshot:
    counters: dict[str, Counter] = field(default_factory=dict)
    epoch: str = ""  # changes when the statistics were reset or evicted (dealloc, stats_reset)
    log_offset: int | None = None  # where the statement log stood (when one is configured)


def diff(before: Snapshot, after: Snapshot, *, window_max: bool) -> tuple[list[QueryStat], bool]:
    """Statements that ran between two snapshots, merged by fingerprint. Returns (stats, reliable).

    `window_max`: the backend's max can be attributed to the window when it grew (MySQL's
    MAX_TIMER_WAIT); otherwise the max is unknown (None). A counter that went down means a reset.
    """
    reliable = before.epoch == after.epoch
    merged: dict[str, dict[str, Any]] = {}
    for key, now in after.counters.items():
        if _OWN in now.text or "pg_stat_statements" in now.text:
            continue
        was = before.counters.get(key)
        calls = now.calls - (was.calls if was else 0)
        total = now.total_ms - (was.total_ms if was else 0.0)
        if calls < 0 or total < -1e-6:
            reliable = False
            calls, total = now.calls, now.total_ms
        if calls <= 0:
            continue
        max_ms = None
        grew = was is None or (was.max_ms is not None and (now.max_ms or 0) > was.max_ms)
        if window_max and now.max_ms is not None and grew:
            max_ms = now.max_ms
        shape = fingerprint(now.text)
        slot = merged.setdefault(
            shape, {"calls": 0, "total": 0.0, "max": None, "rows": 0, "ids": []}
        )
        slot["calls"] += calls
        slot["total"] += total
        slot["rows"] += max(0, now.rows - (was.rows if was else 0))
        slot["ids"].append(key)
        if max_ms is not None:
            slot["max"] = max(slot["max"] or 0.0, max_ms)
    stats = [
        QueryStat(
            statement=shape,
            calls=s["calls"],
            total_ms=s["total"],
            max_ms=s["max"],
            rows=s["rows"],
            ids=tuple(sorted(s["ids"])),
        )
        for shape, s in merged.items()
    ]
    stats.sort(key=lambda s: -s.total_ms)
    return stats, reliable


class StatementSource:
    """A database whose statement statistics can be snapshotted. Subclasses: one per backend."""

    backend = ""
    window_max = False

    def available(self) -> str:
        """'' when snapshots can be taken; otherwise why not (reported as skipped)."""
        return ""

    def snapshot(self) -> Snapshot:
        raise NotImplementedError

    def close(self) -> None:
        return None


def _credentials(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.password:
        REDACTOR.add(unquote(parts.password))
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "database": unquote(parts.path.lstrip("/")) or None,
    }


class PgStatements(StatementSource):
    """pg_stat_statements over pg8000; read-only, never resets anything."""

    backend = "postgresql"

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        import pg8000.dbapi

        creds = _credentials(url)
        self.conn = pg8000.dbapi.connect(
            user=creds["user"] or "postgres",
            password=creds["password"],
            host=creds["host"],
            port=creds["port"] or 5432,
            database=creds["database"],
            application_name=APPLICATION_NAME,
            timeout=timeout,
        )
        self.conn.autocommit = True
        self._texts: dict[str, str] = {}

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        cur = self.conn.cursor()
        try:
            cur.execute(f"/* {_OWN} */ {sql}", args)
            return list(cur.fetchall())
        finally:
            cur.close()

    def available(self) -> str:
        have = self._rows("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
        if not have:
            return (
                "pg_stat_statements is not installed in this database "
                "(CREATE EXTENSION pg_stat_statements; it also needs "
                "shared_preload_libraries = 'pg_stat_statements')"
            )
        try:
            self._rows("SELECT 1 FROM pg_stat_statements(false) LIMIT 1")
        except Exception as exc:  # not preloaded, or no permission
            return f"pg_stat_statements cannot be read: {_first_line(exc)}"
        return ""

    def _epoch(self) -> str:
        try:
            row = self._rows("SELECT dealloc, stats_reset::text FROM pg_stat_statements_info")
            return f"{row[0][0]}|{row[0][1]}" if row else ""
        except Exception:
            return ""

    def snapshot(self) -> Snapshot:
        rows = self._rows(
            "SELECT queryid::text, calls, total_exec_time, rows FROM pg_stat_statements(false) "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND queryid IS NOT NULL"
        )
        missing = [r[0] for r in rows if r[0] not in self._texts]
        if missing:
            for qid, text in self._rows(
                "SELECT queryid::text, query FROM pg_stat_statements(true) "
                "WHERE queryid::text = ANY(%s)",
                (missing,),
            ):
                self._texts[qid] = text or ""
        counters = {
            qid: Counter(qid, self._texts.get(qid, ""), int(calls), float(total), None, int(n))
            for qid, calls, total, n in rows
        }
        return Snapshot(counters, self._epoch())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


class MysqlDigests(StatementSource):
    """performance_schema statement digests over PyMySQL (MySQL 5.7+/8, MariaDB 10.x+)."""

    backend = "mysql"
    window_max = True

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        import pymysql

        creds = _credentials(url)
        self.schema = creds["database"]
        self.conn = pymysql.connect(
            host=creds["host"],
            port=creds["port"] or 3306,
            user=creds["user"] or "root",
            password=creds["password"] or "",
            database=creds["database"],
            connect_timeout=timeout,
            autocommit=True,
            program_name=APPLICATION_NAME,
        )

    def _rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(f"/* {_OWN} */ {sql}", args)
            return list(cur.fetchall())

    def available(self) -> str:
        on = self._rows("SELECT @@performance_schema")
        if not on or str(on[0][0]) in ("0", "OFF"):
            return (
                "performance_schema is off on this server (the MariaDB default); set "
                "performance_schema=ON in the server config and restart to time queries"
            )
        consumer = self._rows(
            "SELECT ENABLED FROM performance_schema.setup_consumers "
            "WHERE NAME = 'statements_digest'"
        )
        if consumer and str(consumer[0][0]).upper() != "YES":
            return (
                "the performance_schema consumer statements_digest is disabled (UPDATE "
                "performance_schema.setup_consumers SET ENABLED='YES' "
                "WHERE NAME='statements_digest')"
            )
        return ""

    def snapshot(self) -> Snapshot:
        sql = (
            "SELECT DIGEST, DIGEST_TEXT, COUNT_STAR, SUM_TIMER_WAIT, MAX_TIMER_WAIT, "
            "SUM_ROWS_SENT FROM performance_schema.events_statements_summary_by_digest "
            "WHERE DIGEST IS NOT NULL"
        )
        args: tuple = ()
        if self.schema:
            sql += " AND SCHEMA_NAME = %s"
            args = (self.schema,)
        counters = {}
        for digest, text, calls, total_ps, max_ps, rows in self._rows(sql, args):
            if text and "performance_schema" in text:
                continue
            counters[digest] = Counter(
                digest, text or "", int(calls), int(total_ps) / 1e9, int(max_ps) / 1e9, int(rows)
            )
        return Snapshot(counters, "")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


def open_source(url: str, timeout: float = 5.0) -> StatementSource:
    """The backend for a database URL: postgres(ql):// or mysql:// / mariadb://."""
    scheme = urlsplit(url).scheme.split("+")[0].lower()
    if scheme in ("postgres", "postgresql"):
        return PgStatements(url, timeout)
    if scheme in ("mysql", "mariadb"):
        return MysqlDigests(url, timeout)
    raise ValueError(f"unsupported database URL scheme {scheme!r} (postgresql:// or mysql://)")


class QueryTimer:
    """Brackets each endpoint's run with two snapshots. Opening or reading failures become the
    window's `error` (or `skipped` when the backend says it cannot report), never an exception."""

    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        opener: Callable = open_source,
        statement_log: Path | None = None,
    ) -> None:
        self.log = StatementLog(statement_log) if statement_log is not None else None
        self.source: StatementSource | None = None
        self.skipped = ""
        self.error = ""
        self.backend = ""
        try:
            self.source = opener(url, timeout)
            self.backend = self.source.backend
            self.skipped = self.source.available()
        except ImportError as exc:
            self.error = f"{exc.name} is not installed: pip install 'launchready[perf]'"
        except Exception as exc:
            self.error = f"cannot read query statistics: {_first_line(exc)}"

    def before(self) -> Snapshot | None:
        if self.source is None or self.skipped or self.error:
            return None
        try:
            snapshot = self.source.snapshot()
        except Exception as exc:
            self.error = f"snapshot failed: {_first_line(exc)}"
            return None
        if self.log is not None:
            snapshot.log_offset = self.log.offset()
        return snapshot

    def after(self, before: Snapshot | None, requests: int) -> QueryWindow:
        window = QueryWindow(self.backend or "unknown", requests=requests)
        if self.skipped:
            window.skipped = self.skipped
            return window
        if self.error or before is None or self.source is None:
            window.error = self.error or "no snapshot before the run"
            return window
        try:
            now = self.source.snapshot()
        except Exception as exc:
            window.error = f"snapshot failed: {_first_line(exc)}"
            return window
        window.statements, window.reliable = diff(before, now, window_max=self.source.window_max)
        if not window.reliable:
            window.note = "statistics were reset or evicted during the run: counts may be partial"
        notes = [window.note] if window.note else []
        if self.log is not None and before.log_offset is not None:
            notes.append(self._merge_log(window, before.log_offset))
        elif self.source.window_max is False:
            notes.append(
                "PostgreSQL snapshot diffs give calls and mean only: slow verdicts are mean-based"
            )
        window.note = "; ".join(notes)
        return window

    def _merge_log(self, window: QueryWindow, offset: int) -> str:
        """Per-execution maxima from the statement log, onto the statements of the window."""
        assert self.log is not None
        try:
            executions, rotated = self.log.since(offset)
        except OSError as exc:
            return f"statement log {self.log.path} unreadable ({exc.strerror}): mean-based"
        worst: dict[str, float] = {}
        for ms, text in executions:
            shape = fingerprint(text)
            worst[shape] = max(worst.get(shape, 0.0), ms)
        merged = []
        for stat in window.statements:
            logged = worst.pop(stat.statement, None)
            if logged is not None and (stat.max_ms is None or logged > stat.max_ms):
                stat = replace(stat, max_ms=logged)
            merged.append(stat)
        window.statements = merged
        note = f"max per execution from {self.log.path.name} ({len(executions)} logged)"
        return note + (", log rotated during the run" if rotated else "")

    def close(self) -> None:
        if self.source is not None:
            self.source.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return REDACTOR.scrub(text[0] if text else type(exc).__name__)
