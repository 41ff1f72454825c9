"""`launchready demo`: the bundled world on loopback, a full audit, a report. No configuration.

The world (a DNS server, a CA, HTTP/HTTPS servers and a demo portal with deliberate launch flaws)
runs in background threads of this process; the audit reaches it only through the generated
config (nameservers, connect_to, ca_bundle), exactly as it would reach a real portal. Everything
stays on loopback: the loopback-only guard is switched on for the whole run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import typer

from launchready.cli import app
from launchready.cli.audit import emit, parse_only
from launchready.cli.output import FORMAT_HELP, OUTPUT_HELP, Format, run_guarded, stderr
from launchready.cli.progress import observing


@app.command("demo")
def demo_command(
    fmt: Format = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    output: Path = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    only: str = typer.Option(None, "--only", help="Comma-separated areas to check."),
    keep_config: Path = typer.Option(
        None, "--write-config", help="Also copy the generated launchready.toml here, to read it."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show progress on a TTY."),
) -> None:
    """Start the bundled demo world on loopback and audit it, with no configuration.

    Exits like `audit`: the demo portal has deliberate launch flaws, so expect exit 1.
    """
    from launchready.audit import run_audit
    from launchready.config import load_config
    from launchready.net.connect import LOOPBACK_ONLY_ENV
    from launchready.report.score import exit_code_for
    from launchready.world import World

    def go() -> int:
        os.environ[LOOPBACK_ONLY_ENV] = "1"
        with tempfile.TemporaryDirectory(prefix="launchready-demo-") as tmp, World() as world:
            config_path = world.write_config(Path(tmp))
            if keep_config is not None:
                keep_config.write_text(config_path.read_text(encoding="utf-8"), encoding="utf-8")
            stderr.print(
                f"demo world up: {world.describe()}"
                if hasattr(world, "describe")
                else "demo world up on loopback"
            )
            cfg = load_config(config_path)
            with observing(progress) as callback:
                report = run_audit(cfg, only=parse_only(only), progress=callback)
            report.extra["demo"] = True
            emit(report, fmt, output, cfg)
            return exit_code_for(report)

    raise typer.Exit(run_guarded(go))
