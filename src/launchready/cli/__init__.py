"""The `launchready` command: thin. Parse, call the library, render, choose the exit code.

Each command lives in its own module under `launchready.cli` and registers itself on `app`.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="launchready",
    help=(
        "Will your portal survive normal business use? Audit it from outside and inside, rank "
        "every finding into a fix order, and keep it safe: CI gate, smoke after deploy, "
        "latency targets.\n\nStart with `launchready demo`, then `launchready init`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text is plain: [[perf.endpoint]] and [site] are not markup
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Command modules, in the order `--help` lists them.
_COMMANDS = ("audit", "demo", "secrets", "smoke", "verify", "perf", "env", "init")


def _load_commands() -> None:
    for name in _COMMANDS:
        importlib.import_module(f"launchready.cli.{name}")


def main() -> None:
    _load_commands()
    app()
