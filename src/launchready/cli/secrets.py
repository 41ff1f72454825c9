"""`launchready secrets`: not built yet (see the issue tracker)."""

from __future__ import annotations

import typer

from launchready.cli import app
from launchready.cli.output import fail_usage


@app.command("secrets", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def secrets_command(ctx: typer.Context) -> None:
    """Not built yet: exits 2."""
    raise fail_usage("`launchready secrets` is not built yet in this version")
