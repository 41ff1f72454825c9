"""`launchready verify`: wait until the deployment reports REV, then health + smoke; roll back
on failure and re-verify the previous version read-only.

Exit 0 healthy, 1 a gate failed (no rollback configured), 2 usage/config error, 3 REV never
appeared, 4 rolled back and the previous version is healthy, 5 rollback or re-verify failed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from launchready.cli import app
from launchready.cli.output import FORMAT_HELP, OUTPUT_HELP, Format, run_guarded
from launchready.cli.smoke import emit_report
from launchready.config import load_config


@app.command("verify")
def verify_command(
    expect_version: str = typer.Option(
        ..., "--expect-version", help="The revision the deployment must report (short SHA ok)."
    ),
    config: Path = typer.Option(
        None, "--config", "-c", help="Config file (default ./launchready.toml)."
    ),
    timeout: float = typer.Option(
        None,
        "--timeout",
        min=0,
        help="Seconds to wait for the version (default deploy.timeout, 300).",
    ),
    on_fail: str = typer.Option(
        None, "--on-fail", help="Rollback command (default deploy.rollback)."
    ),
    previous_version: str = typer.Option(
        None,
        "--previous-version",
        help="The revision a rollback returns to (default: last good run in the ledger).",
    ),
    fmt: Format = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    output: Path = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
) -> None:
    """Verify a deploy: version, health, smoke flows; roll back on failure.

    Exit 0 healthy, 1 failed with no rollback, 2 bad usage/config, 3 version never appeared,
    4 rolled back and healthy, 5 rollback failed: a person must act now.
    """
    from launchready.smoke.pipeline import flow_paths, load_checked
    from launchready.smoke.verify import verify_async

    def go() -> int:
        cfg = load_config(config)
        flows = load_checked(flow_paths(cfg, [])) if cfg.smoke.flows else []
        run = asyncio.run(
            verify_async(
                cfg,
                flows,
                expect_version=expect_version,
                timeout=timeout,
                on_fail=on_fail,
                previous_version=previous_version,
            )
        )
        emit_report(run.report, fmt, output, cfg)
        return run.exit_code

    raise typer.Exit(run_guarded(go))
