"""`launchready audit`: audit a deployed portal from outside (and the repo, where configured)."""

from __future__ import annotations

from pathlib import Path

import typer

from launchready.cli import app
from launchready.cli.output import FORMAT_HELP, OUTPUT_HELP, Format, default_format, run_guarded
from launchready.cli.output import write_text as write_output
from launchready.cli.progress import observing
from launchready.config import load_config
from launchready.report import Report
from launchready.report.render import render
from launchready.report.score import exit_code_for

SEVERITIES = ("critical", "high", "medium", "low", "info")


def parse_only(only: str | None) -> list[str] | None:
    return [a.strip() for a in only.split(",") if a.strip()] if only else None


def emit(report: Report, fmt: Format | None, output: Path | None, config=None) -> None:
    chosen = default_format(fmt, output)
    write_output(render(report, chosen.value, config=config), output)


@app.command("audit")
def audit_command(
    config: Path = typer.Option(
        None, "--config", "-c", help="Config file (default ./launchready.toml)."
    ),
    only: str = typer.Option(None, "--only", help="Comma-separated areas to check, e.g. dns,tls."),
    fmt: Format = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    output: Path = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    fail_on: str = typer.Option(
        None,
        "--fail-on",
        help="Lowest severity of a fail/warn finding "
        "that fails the gate: critical, high (default), medium, low, info.",
    ),
    concurrency: int = typer.Option(
        None,
        "--concurrency",
        min=1,
        max=256,
        help="Network operations at once (default from config, 16).",
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress on a TTY."),
) -> None:
    """Audit the live portal and rank every finding into a fix order with a score and a gate.

    Exit 0 gate passed, 1 gate failed, 2 bad usage or config, 3 nothing could be reached.
    """
    from launchready.audit import run_audit
    from launchready.errors import UsageError

    def go() -> int:
        if fail_on is not None and fail_on not in SEVERITIES:
            raise UsageError(f"--fail-on must be one of {', '.join(SEVERITIES)}, got {fail_on!r}")
        cfg = load_config(config)
        with observing(progress) as callback:
            report = run_audit(
                cfg,
                only=parse_only(only),
                progress=callback,
                concurrency=concurrency,
                fail_on=fail_on,
            )
        emit(report, fmt, output, cfg)
        return exit_code_for(report)

    raise typer.Exit(run_guarded(go))
