"""`launchready demo`: not wired yet."""

from __future__ import annotations

from launchready.cli import app
from launchready.cli.output import fail_usage


@app.command("demo")
def demo_command() -> None:
    """Start the bundled demo world on loopback and audit it."""
    raise fail_usage("demo is not wired yet")
