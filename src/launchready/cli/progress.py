"""A progress display on stderr while observing, only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from launchready.cli.output import stderr


@contextmanager
def observing(enabled: bool = True) -> Iterator:
    """Yields a callback (done, total, label) for the observer, or None when not on a TTY."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]observing[/]"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    )
    task = progress.add_task("", total=1)

    def update(done: int, total: int, label: str) -> None:
        progress.update(task, completed=done, total=max(total, 1), description=label[:60])

    with progress:
        yield update
