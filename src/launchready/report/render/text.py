"""The terminal report: the verdict first, then what to fix in order, then what was checked.

Rendered with Rich into a string (record=True, width 100, no terminal codes) so that the same
text goes to a file, a pipe or a CI log. All report text enters as `Text`, never as markup, so
a finding that contains "[bold]" or "[/]" cannot restyle or break the output.
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from launchready.report.render import common

WIDTH = 100
_SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def _header(data: dict[str, Any]) -> list[Text]:
    style = {"pass": "bold green", "fail": "bold red"}.get(data.get("gate", ""), "bold yellow")
    lines = [Text(common.verdict(data), style=style)]
    score = Text(common.score_line(data))
    bound = common.binding_cap(data)
    if bound:
        score.append(f" - {bound['reason']}", style="bold")
    lines.append(score)
    for cap in common.caps(data)[1 if bound else 0 :]:
        lines.append(Text(f"  also {cap['reason']}", style="dim"))
    target = f"{data.get('command', '')} {data.get('target', '')}".strip()
    lines.append(Text(f"{target} - {data.get('started_at', '')}", style="dim"))
    return lines


def _fix_list(problems: list[dict[str, Any]]) -> list[Any]:
    out: list[Any] = [Text(f"Fix order ({len(problems)})", style="bold underline")]
    for f in problems:
        rank = f.get("rank")
        head = Text(f"{rank if rank is not None else '-':>3}. ")
        severity = f.get("severity", "")
        head.append(f"{severity.upper():<8}", style=_SEVERITY_STYLE.get(severity, ""))
        head.append(f" {f.get('status', '')}  ")
        head.append(f"{f['id']}", style="bold")
        head.append(f"  {f.get('subject', '')}")
        out.append(head)
        out.append(_indented(Text(f.get("title", ""))))
        if f.get("evidence"):
            out.append(_indented(Text(f"evidence: {f['evidence']}", style="dim")))
        if f.get("fix"):
            out.append(_indented(Text(f"fix: {f['fix']}", style="green")))
    return out


def _indented(text: Text) -> Padding:
    """Under the finding's head line; wrapped lines keep the indent, so the list stays scannable."""
    return Padding(text, (0, 0, 0, 5))


def _counts(data: dict[str, Any]) -> Table:
    table = Table(title="Checks by area", title_justify="left", box=None, pad_edge=False)
    table.add_column("area")
    for status in common.STATUSES:
        table.add_column(status, justify="right")
    for area, counts in common.area_counts(data).items():
        table.add_row(Text(area), *(str(counts.get(s, 0) or "") for s in common.STATUSES))
    return table


def _could_not_check(data: dict[str, Any]) -> list[Text]:
    errors = common.by_status(data, "error")
    if not errors:
        return []
    out = [Text(f"Could not check ({len(errors)})", style="bold underline")]
    for f in errors:
        out.append(Text(f"  {f['id']}  {f.get('subject', '')}: {f.get('title', '')}"))
    return out


def render(data: dict[str, Any], *, config: Any = None) -> str:
    console = Console(
        file=io.StringIO(),
        record=True,
        width=WIDTH,
        force_terminal=False,
        color_system=None,
        highlight=False,
        emoji=False,
    )
    parts: list[Any] = [*_header(data), Text("")]
    problems = common.problems_of(data)
    if problems:
        parts += [*_fix_list(problems), Text("")]
    errors = _could_not_check(data)
    if errors:
        parts += [*errors, Text("")]
    parts.append(_counts(data))
    console.print(Group(*parts), soft_wrap=False)
    text = console.export_text(styles=False)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
