"""`launchready smoke`: not built yet (see the issue tracker)."""

from __future__ import annotations

import typer

from launchready.cli import app
from launchready.cli.output import fail_usage


@app.command("smoke", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def smoke_command(ctx: typer.Context) -> None:
    """Not built yet: exits 2."""
    raise fail_usage("`launchready smoke` is not built yet in this version")
