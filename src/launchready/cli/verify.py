"""`launchready verify`: not built yet (see the issue tracker)."""

from __future__ import annotations

import typer

from launchready.cli import app
from launchready.cli.output import fail_usage


@app.command("verify", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def verify_command(ctx: typer.Context) -> None:
    """Not built yet: exits 2."""
    raise fail_usage("`launchready verify` is not built yet in this version")
