"""`launchready perf`: latency percentiles per endpoint against targets, and database query timing.

Exit 0 every endpoint within target, 1 an endpoint over its target (or failing under load),
2 bad usage or config, 3 a measurement was invalid or nothing could be reached.
"""

from __future__ import annotations

from pathlib import Path

import typer

from launchready.cli import app
from launchready.cli.output import (
    FORMAT_HELP,
    OUTPUT_HELP,
    Format,
    default_format,
    run_guarded,
    stderr,
    write_text,
)


@app.command("perf")
def perf_command(
    config: Path = typer.Option(
        None, "--config", "-c", help="Config file (default ./launchready.toml)."
    ),
    fmt: Format = typer.Option(None, "--format", "-f", help=FORMAT_HELP),
    output: Path = typer.Option(None, "--output", "-o", help=OUTPUT_HELP),
    baseline: Path = typer.Option(
        None, "--baseline", help="An earlier `perf` JSON report: show the change per endpoint."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress lines on stderr."),
) -> None:
    """Measure each [[perf.endpoint]] under an open-loop load, one after another, and read the
    database's query timing while it runs."""
    from launchready.config import load_config
    from launchready.perf.run import run_perf
    from launchready.perf.table import perf_text
    from launchready.report.render import render, scrub_tree
    from launchready.report.score import exit_code_for

    def go() -> int:
        cfg = load_config(config)
        report = run_perf(
            cfg,
            baseline=baseline,
            progress=None if quiet else lambda m: stderr.print(m, markup=False),
        )
        chosen = default_format(fmt, output)
        text = render(report, chosen.value, config=cfg)
        if chosen == Format.text:  # the verdict and fix order, then the table against targets
            text = text.rstrip("\n") + "\n\n" + perf_text(scrub_tree(report.to_dict()))
        write_text(text, output)
        return exit_code_for(report)

    raise typer.Exit(run_guarded(go))
