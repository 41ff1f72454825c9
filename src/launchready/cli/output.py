"""What every reporting command shares: formats, writing the report, exit codes, errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.text import Text

from launchready.errors import LaunchreadyError
from launchready.redact import REDACTOR

T = TypeVar("T")
stderr = Console(stderr=True, highlight=False)


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"
    html = "html"
    sarif = "sarif"
    junit = "junit"


FORMAT_HELP = "Output format: text (default on a terminal), json, markdown, html, sarif, junit."
OUTPUT_HELP = "Write the report to FILE instead of standard output."


def default_format(fmt: Format | None, output: Path | None) -> Format:
    if fmt is not None:
        return fmt
    if output is not None:
        suffix = output.suffix.lower()
        by_suffix = {
            ".json": Format.json,
            ".md": Format.markdown,
            ".html": Format.html,
            ".sarif": Format.sarif,
            ".xml": Format.junit,
        }
        if suffix in by_suffix:
            return by_suffix[suffix]
    return Format.text if sys.stdout.isatty() else Format.json


def write_text(text: str, output: Path | None) -> None:
    """Write all or nothing: a report is never half-written (temp file, then rename)."""
    text = REDACTOR.scrub(text)
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    output = output.expanduser()
    if output.exists() and not output.is_file():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO): write through it. Renaming over it
        # would replace, as root, a device node with a regular file.
        with output.open("w", encoding="utf-8") as handle:
            handle.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)


def print_error(message: str) -> None:
    """One literal line on stderr: no markup parsing (keys look like [site.url]), no wrapping."""
    stderr.print(Text("error: ", style="bold red") + Text(REDACTOR.scrub(message)), soft_wrap=True)


def fail_usage(message: str) -> typer.Exit:
    print_error(message)
    return typer.Exit(2)


def run_guarded(fn: Callable[[], T]) -> T:
    """Turn known errors into one clear line and their exit code; never a traceback for input
    errors. Ctrl-C exits 130 after the caller's cleanup has run."""
    try:
        return fn()
    except LaunchreadyError as exc:
        print_error(str(exc))
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        stderr.print("interrupted")
        raise typer.Exit(130) from None
