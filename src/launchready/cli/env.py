"""`launchready env check`: required variable names present (values never printed).

Exit 1 when a required variable is missing or empty, 0 otherwise, 2 on bad input.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

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
from launchready.env.check import (
    ENV_MISSING,
    Required,
    judge,
    names_from_listing,
    process_environment,
    required_from_template,
)
from launchready.errors import UsageError
from launchready.report.model import Gate, Report, Status
from launchready.secrets.render import rank, render_report

env_app = typer.Typer(help="Environment variables the deployment needs.", no_args_is_help=True)
app.add_typer(env_app, name="env")


def _required(required: Path | None, config: Path | None) -> Required:
    if required is not None:
        return required_from_template(required)
    out = Required()
    cfg = None
    if config is not None or Path("launchready.toml").is_file():
        from launchready.config import load_config

        cfg = load_config(config)
        template = cfg.repo.env_example
        if template is None and cfg.repo.path is not None:
            candidate = Path(cfg.repo.path) / ".env.example"
            template = candidate if candidate.is_file() else None
        if template is not None:
            out = required_from_template(Path(template))
        for name in cfg.repo.env_required:
            if name not in out.names:
                out.names.append(name)
    elif Path(".env.example").is_file():
        out = required_from_template(Path(".env.example"))
    if not out.names:
        raise UsageError(
            "no required variables: pass --required .env.example, or set [repo] env_required "
            "or [repo] env_example in launchready.toml"
        )
    return out


@env_app.command("check")
def env_check(
    required: Annotated[
        Path | None,
        typer.Option(
            "--required",
            help="A dotenv template whose names are required (values ignored). "
            "Default: .env.example or the config.",
        ),
    ] = None,
    names: Annotated[
        str | None,
        typer.Option(
            "--names",
            help="Check a listing of NAME or NAME=value lines (FILE, or - for stdin) "
            "instead of this process's environment.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "-c", "--config", help="launchready.toml ([repo] env_required / env_example)."
        ),
    ] = None,
    fmt: Annotated[Format | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help=OUTPUT_HELP)] = None,
) -> None:
    """Check that every required environment variable is set and non-empty. Prints names and
    states only, never values."""

    def go() -> int:
        started = time.monotonic()
        req = _required(required, config)
        if names is None:
            env, listing, target = process_environment(), False, "environment"
        else:
            text = sys.stdin.read() if names == "-" else Path(names).read_text(encoding="utf-8")
            env, listing, target = names_from_listing(text), True, names
        findings = rank(judge(req, env, listing=listing))
        failed = any(f.id == ENV_MISSING.id and f.status == Status.FAIL for f in findings)
        report = Report(
            command="env check",
            target=target,
            findings=findings,
            duration_s=time.monotonic() - started,
            gate=Gate.FAIL if failed else Gate.PASS,
        )
        write_text(render_report(report, default_format(fmt, output)), output)
        return 1 if failed else 0

    raise typer.Exit(run_guarded(go))
