"""Run the rollback command (`--on-fail` or `deploy.rollback`) on a failed gate.

The command runs through the shell (users write `./deploy.sh rollback` or `kubectl rollout undo
...`), with the failed and previous revisions, the failed step and the report path in its
environment, bounded by a timeout (the whole process group is killed when it runs over). Its
output is kept (redacted, last lines only) as evidence.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass

from launchready.redact import REDACTOR
from launchready.report import check

ROLLBACK = check(
    "deploy.rollback",
    "Rollback command",
    "critical",
    2,
    "Run the rollback by hand now, then fix the rollback command so the next failed deploy "
    "can undo itself.",
)
_TAIL = 2000


@dataclass(frozen=True)
class RollbackResult:
    command: str
    exit_code: int | None  # None: timed out or could not start
    output: str
    duration_s: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def finding(self):
        fields = {
            "command": REDACTOR.scrub(self.command),
            "exit_code": self.exit_code,
            "duration_s": round(self.duration_s, 3),
        }
        evidence = REDACTOR.scrub(self.output[-_TAIL:])
        if self.ok:
            return ROLLBACK.passed(
                "rollback", "Rollback command ran and succeeded", evidence=evidence, **fields
            )
        why = self.error or f"exited {self.exit_code}"
        return ROLLBACK.finding(
            "fail",
            "rollback",
            f"Rollback command failed ({why}): a person must act now",
            evidence=evidence,
            **fields,
        )


def run_rollback(command: str, env: dict[str, str], timeout: float = 600.0) -> RollbackResult:
    started = time.perf_counter()
    full_env = {**os.environ, **env}
    try:
        proc = subprocess.Popen(
            command,
            shell=True,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as exc:
        return RollbackResult(
            command, None, "", time.perf_counter() - started, f"cannot start: {exc}"
        )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        text = out.decode("utf-8", "replace")
        return RollbackResult(
            command, None, text, time.perf_counter() - started, f"timed out after {timeout:g}s"
        )
    text = out.decode("utf-8", "replace")
    return RollbackResult(command, proc.returncode, text, time.perf_counter() - started)
