"""A throwaway PostgreSQL cluster with pg_stat_statements, from the installed server binaries.

initdb + pg_ctl on an ephemeral loopback port in a temporary folder, owned by an unprivileged user
when we are root (postgres refuses to run as root): `runuser -u postgres` or `setpriv`. Trust
authentication, loopback only, torn down with `pg_ctl stop -m immediate`.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def find_bindir() -> Path | None:
    for pattern in ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"):
        for found in sorted(glob.glob(pattern), reverse=True):
            if (Path(found) / "initdb").exists() and (Path(found) / "pg_ctl").exists():
                return Path(found)
    return None


def why_unavailable() -> str:
    """'' when a cluster can be started; else a reason fit for a skip message."""
    bindir = find_bindir()
    if bindir is None:
        return "needs_pg_binaries: no initdb/pg_ctl under /usr/lib/postgresql/*/bin"
    lib = (
        subprocess.run(
            [str(bindir / "pg_config"), "--pkglibdir"], capture_output=True, text=True
        ).stdout.strip()
        if (bindir / "pg_config").exists()
        else ""
    )
    candidates = [Path(lib)] if lib else []
    candidates += [bindir.parent / "lib"]
    if not any((c / "pg_stat_statements.so").exists() for c in candidates):
        return "needs_pg_binaries: pg_stat_statements.so is not installed (postgresql-contrib)"
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        return (
            "needs_pg_binaries: /dev/null is not a device (something replaced it); initdb needs it"
        )
    if os.geteuid() == 0 and not _unprivileged_user():
        return "needs_pg_binaries: running as root and no unprivileged user (postgres/nobody)"
    return ""


def _unprivileged_user() -> str:
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int
    user: str  # OS user running the server ("" when not root)

    @property
    def log_path(self) -> Path:
        return self.datadir.parent / "log"

    @property
    def dsn_base(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}"

    def url(self, database: str = "postgres") -> str:
        return f"{self.dsn_base}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")


def start_cluster() -> Cluster:
    bindir = find_bindir()
    assert bindir is not None
    root = Path(tempfile.mkdtemp(prefix="lr-pg-"))
    datadir = root / "data"
    user = _unprivileged_user() if os.geteuid() == 0 else ""
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    cluster = Cluster(bindir, datadir, _free_port(), user)
    done = cluster._run(
        "initdb", "-D", str(datadir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"
    )
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stderr.strip()}")
    conf = datadir / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(
            "\nlisten_addresses = '127.0.0.1'\n"
            f"port = {cluster.port}\n"
            f"unix_socket_directories = '{root}'\n"
            "shared_preload_libraries = 'pg_stat_statements'\n"
            "compute_query_id = on\n"
            "pg_stat_statements.track = all\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "max_connections = 50\nshared_buffers = 32MB\n"
            "log_min_duration_statement = 50\nlog_line_prefix = '%m [%p] %q%u@%d app=%a '\n"
        )
    done = cluster._run(
        "pg_ctl", "-D", str(datadir), "-l", str(root / "log"), "-w", "-t", "30", "start"
    )
    if done.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {done.stderr.strip()} {log[-500:]}")
    return cluster


def remove(cluster: Cluster) -> None:
    cluster.stop()
    shutil.rmtree(cluster.datadir.parent, ignore_errors=True)
