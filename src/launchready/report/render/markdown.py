"""Markdown for a GitHub job summary ($GITHUB_STEP_SUMMARY) or a pull-request comment.

GitHub rejects a step summary over 1 MiB, so the output is built against a byte budget and
findings that do not fit are dropped with a note (the JSON report keeps them all). The verdict
comes first; headings start at ### so the summary nests under the job's own; long lists sit in
<details>. Every report value is escaped: GitHub renders inline HTML, so a title such as
"</details><img src=x>" must stay text, and a pipe must not split a table cell.
"""

from __future__ import annotations

import re
from typing import Any

from launchready.report.render import common

MAX_BYTES = 1024 * 1024 - 24 * 1024  # GitHub's 1 MiB limit, with room for other steps' lines
TABLE_ROWS = 25  # the top of the fix list as a table; the rest in <details>

_SPECIAL = re.compile(r"([\\`*_\[\]|#~!])")
_CODE_SAFE = re.compile(r"[A-Za-z0-9.:/_-]+")
_ICON = {"pass": "✅", "fail": "❌", "inconclusive": "⚠️"}


def escape(text: Any) -> str:
    """Plain text -> Markdown that renders as exactly that text, on one line."""
    s = str(text if text is not None else "")
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    return " ".join(s.split())


def code(text: Any) -> str:
    """An identifier as inline code when that is safe (no escapes work inside code spans)."""
    s = str(text if text is not None else "")
    return f"`{s}`" if _CODE_SAFE.fullmatch(s) else escape(s)


def _head(data: dict[str, Any]) -> list[str]:
    icon = _ICON.get(data.get("gate", ""), "")
    lines = [f"### {icon} {escape(common.verdict(data))}", ""]
    lines.append(f"**{escape(common.score_line(data))}**")
    bound = common.binding_cap(data)
    if bound:
        lines[-1] += f" — {escape(bound['reason'])}"
    for cap in common.caps(data)[1 if bound else 0 :]:
        lines.append(f"- also {escape(cap['reason'])}")
    lines += [
        "",
        f"{code(data.get('command', ''))} of {escape(data.get('target', ''))} at "
        f"{escape(data.get('started_at', ''))}, fail-on {code(data.get('fail_on', 'high'))}",
        "",
    ]
    return lines


def _row(f: dict[str, Any]) -> str:
    cells = [
        str(f.get("rank") or ""),
        f"{escape(f.get('severity', ''))} {escape(f.get('status', ''))}",
        code(f["id"]),
        escape(f.get("subject", "")),
        escape(f.get("title", "")),
        escape(f.get("fix", "")),
    ]
    return "| " + " | ".join(cells) + " |"


def _item(f: dict[str, Any]) -> str:
    line = (
        f"{f.get('rank') or '-'}. **{escape(f.get('severity', ''))}** "
        f"{code(f['id'])} {escape(f.get('subject', ''))}: {escape(f.get('title', ''))}"
    )
    if f.get("evidence"):
        line += f"<br>evidence: {escape(f['evidence'])}"
    if f.get("fix"):
        line += f"<br>fix: {escape(f['fix'])}"
    return line


def _counts(data: dict[str, Any]) -> list[str]:
    lines = ["| area | " + " | ".join(common.STATUSES) + " |"]
    lines.append("|---|" + "---:|" * len(common.STATUSES))
    for area, counts in common.area_counts(data).items():
        cells = [str(counts.get(s, 0)) for s in common.STATUSES]
        lines.append(f"| {escape(area)} | " + " | ".join(cells) + " |")
    return lines


class _Budget:
    """Collects lines until the byte budget is spent."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used, self.lines = limit, 0, []

    def fits(self, line: str) -> bool:
        return self.used + len(line.encode()) + 1 <= self.limit

    def add(self, line: str) -> None:
        self.lines.append(line)
        self.used += len(line.encode()) + 1


def render(data: dict[str, Any], *, config: Any = None, max_bytes: int = MAX_BYTES) -> str:
    problems = common.problems_of(data)
    head = _head(data)
    counts = [
        "",
        "<details><summary>Checks by area</summary>",
        "",
        *_counts(data),
        "",
        "</details>",
    ]
    reserve = 600  # the truncation note and closing tags
    body = _Budget(max_bytes - sum(len(x.encode()) + 1 for x in head + counts) - reserve)

    shown = _fix_order(problems, body) if problems else 0
    if not problems:
        body.add("No fail or warn findings.")
    errors = common.by_status(data, "error")
    if errors:
        lines = ["", f"#### Could not check ({len(errors)})", ""]
        lines += [
            f"- {code(f['id'])} {escape(f.get('subject', ''))}: {escape(f.get('title', ''))}"
            for f in errors
        ]
        for line in lines:
            if body.fits(line):
                body.add(line)

    out = head + body.lines
    if shown < len(problems):
        out += [
            "",
            f"> **{len(problems) - shown} findings not shown** to stay under GitHub's 1 MiB "
            "summary limit; the JSON report has them all.",
        ]
    out += counts
    return "\n".join(out) + "\n"


def _fix_order(problems: list[dict[str, Any]], body: _Budget) -> int:
    """The top of the fix list as a table, the details (or the rest) folded; returns how many
    findings made it into the output."""
    body.add(f"#### Fix order ({len(problems)})")
    body.add("")
    body.add("| # | severity | check | subject | problem | fix |")
    body.add("|---:|---|---|---|---|---|")
    top = problems[:TABLE_ROWS]
    shown = 0
    for f in top:
        row = _row(f)
        if not body.fits(row):
            return shown
        body.add(row)
        shown += 1
    body.add("")
    rest = problems[TABLE_ROWS:]
    folded = rest or top  # beyond the table: the rest; else the table's evidence in full
    title = f"{len(rest)} more findings" if rest else "Evidence and fixes"
    body.add(f"<details><summary>{title}</summary>")
    body.add("")
    for f in folded:
        item = _item(f)
        if not body.fits(item + "\n</details>"):
            break
        body.add(item)
        body.add("")
        if rest:
            shown += 1
    body.add("</details>")
    return shown


def github_outputs(data: dict[str, Any]) -> dict[str, str]:
    """Keys for $GITHUB_OUTPUT: ready, score, grade, blocking (count of gate-failing findings)."""
    order = ["critical", "high", "medium", "low", "info"]
    fail_on = data.get("fail_on", "high")
    limit = order.index(fail_on) if fail_on in order else 1
    blocking = sum(
        1
        for f in common.problems_of(data)
        if f.get("severity") in order and order.index(f["severity"]) <= limit
    )
    return {
        "ready": "true" if data.get("gate") == "pass" else "false",
        "score": "" if data.get("score") is None else str(data["score"]),
        "grade": data.get("grade") or "",
        "blocking": str(blocking),
    }
