"""A throwaway MariaDB/MySQL server with performance_schema ON (the system one has it off).

mariadb-install-db + mariadbd on an ephemeral loopback port in a temporary folder, run as the
`mysql` user when we are root; stopped with SIGTERM and removed afterwards.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def why_unavailable() -> str:
    if not (
        shutil.which("mariadb-install-db") and shutil.which("mariadbd", path="/usr/sbin:/usr/bin")
    ):
        return "needs_mariadb_binaries: mariadb-install-db/mariadbd are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("mysql")
        except KeyError:
            return "needs_mariadb_binaries: running as root and there is no mysql user"
    return ""


@dataclass
class Server:
    root: Path
    port: int
    proc: subprocess.Popen

    def url(self, database: str = "") -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"


def start_server() -> Server:
    root = Path(tempfile.mkdtemp(prefix="lr-my-"))
    user = ["--user=mysql"] if os.geteuid() == 0 else []
    if user:
        entry = pwd.getpwnam("mysql")
        os.chown(root, entry.pw_uid, entry.pw_gid)
    done = subprocess.run(
        [
            "mariadb-install-db",
            "--no-defaults",
            *user,
            f"--datadir={root}/data",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"mariadb-install-db failed: {done.stderr[-500:]}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mariadbd = shutil.which("mariadbd", path="/usr/sbin:/usr/bin")
    proc = subprocess.Popen(
        [
            mariadbd,
            "--no-defaults",
            *user,
            f"--datadir={root}/data",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            f"--socket={root}/sock",
            f"--pid-file={root}/pid",
            "--performance-schema=ON",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            f"--log-error={root}/err.log",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return Server(root, port, proc)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("mariadbd did not start within 30s")


def stop(server: Server) -> None:
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(20)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    shutil.rmtree(server.root, ignore_errors=True)
