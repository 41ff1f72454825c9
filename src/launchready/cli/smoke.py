"""`launchready smoke`: run the post-deploy smoke flow(s); gate promotion; roll back on failure.

Exit 0 all steps passed, 1 a step failed, 2 usage/config/flow error, 3 nothing answered,
4 a step failed and the --on-fail command succeeded, 5 it failed too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from launchready.cli import app
from launchready.cli.output import (
    FORMAT_HELP,
    OUTPUT_HELP,
    Format,
    default_format,
    run_guarded,
    write_text,
)
from launchready.config import Config, load_config
from launchready.errors import UsageError
from launchready.report import Report


def load_optional_config(path: Path | None) -> Config | None:
    """`-c` must exist; without it ./launchready.toml is used when present (flows may stand
    alone)."""
    if path is not None:
        return load_config(path)
    if Path("launchready.toml").exists():
        return load_config(None)
    return None


def emit_report(report: Report, fmt: Format | None, output: Path | None, cfg=None) -> None:
    chosen = default_format(fmt, output)
    if chosen == Format.text:
        from launchready.smoke.text import render_text

        text = render_text(report)
    else:
        from launchready.report.render import render

        text = render(report, chosen.value, config=cfg)
    write_text(text, output)


@app.command("smoke")
def smoke_command(
    flows: list[Path] = typer.Argument(
        None, help="Flow files (default: smoke.flows of the config)."
    ),
    config: Path = typer.Option(
        None, "--config", "-c", help="Config file (default ./launchready.toml, if present)."
    ),
    fmt: Format = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    output: Path = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    on_fail: str = typer.Option(
        None, "--on-fail", help="Shell command to run when a step fails (e.g. a rollback)."
    ),
    read_only: bool = typer.Option(
        False, "--read-only", help="Skip mutating steps (POST/PUT/PATCH/DELETE unless marked)."
    ),
    export: str = typer.Option(
        None, "--export", help="Write the flow(s) in another format instead of running: hurl."
    ),
) -> None:
    """Run smoke flows against the deployed portal, one cookie jar per flow.

    Exit 0 passed, 1 a step failed, 2 bad usage/config, 3 nothing answered, 4 failed and
    --on-fail succeeded, 5 failed and --on-fail failed too.
    """
    from launchready.smoke.pipeline import flow_paths, load_checked, run_smoke_async

    def go() -> int:
        cfg = load_optional_config(config)
        paths = flow_paths(cfg, flows or [])
        if export is not None:
            if export != "hurl":
                raise UsageError(f"--export supports hurl, got {export!r}")
            from launchready.smoke.flow import load_flow
            from launchready.smoke.hurl import to_hurl

            write_text("\n".join(to_hurl(load_flow(p)) for p in paths), output)
            return 0
        loaded = load_checked(paths)
        run = asyncio.run(run_smoke_async(cfg, loaded, read_only=read_only, on_fail=on_fail))
        emit_report(run.report, fmt, output, cfg)
        return run.exit_code

    raise typer.Exit(run_guarded(go))
