"""Helpers shared by the smoke tests (imported by name: this folder is put on sys.path by
conftest.py). The real Django site itself comes from the `django_site` fixture."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent.parent
EXAMPLES = REPO / "examples"


@dataclass
class DjangoSite:
    url: str
    port: int
    username: str
    password: str
    version_file: Path

    def set_version(self, version: str) -> None:
        self.version_file.write_text(version, encoding="utf-8")

    def env(self, **more: str) -> dict[str, str]:
        """The environment the example flow reads, for a CLI subprocess."""
        return {
            **os.environ,
            "LAUNCHREADY_LOOPBACK_ONLY": "1",
            "PYTHONPATH": str(REPO / "src"),
            "LR_BASE_URL": self.url,
            "LR_USERNAME": self.username,
            "LR_PASSWORD": self.password,
            "LR_ADMIN_MODEL": "tickets/ticket",
            "LR_TEXT_FIELD": "title",
            **more,
        }

    def session_keys(self) -> list[str]:
        from django.contrib.sessions.models import Session

        return list(Session.objects.values_list("session_key", flat=True))


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60):
    """The real command in its own process (a fresh redactor, as in production)."""
    return subprocess.run(
        [sys.executable, "-c", "from launchready.cli import main; main()", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
