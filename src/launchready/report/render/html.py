"""One self-contained HTML page: inline CSS, an inline SVG gauge, a few lines of inline script.

Portals often sit behind a strict CSP or on machines without internet, and the report is mailed
around as a file, so nothing is fetched: no fonts, scripts, images or stylesheets from anywhere.
Jinja2 autoescapes every value; a finding titled "<script>" is shown, never run. The filters
are revealed by the script itself, so without scripts the page simply shows everything.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from launchready import __version__
from launchready.report.render import common
from launchready.report.score import CATEGORY_TITLES, GRADE_MEANING

RADIUS = 52


def band(score: int | None) -> str:
    """Gauge colour bands: 0-49 red, 50-89 amber, 90-100 green."""
    if score is None:
        return "band-none"
    return "band-red" if score < 50 else "band-amber" if score < 90 else "band-green"


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("launchready.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(data: dict[str, Any], *, config: Any = None) -> str:
    score, grade = data.get("score"), data.get("grade")
    model = data.get("score_model") or {}
    circumference = 2 * math.pi * RADIUS
    fraction = 0.0 if score is None else max(0, min(100, score)) / 100
    cap = common.binding_cap(data)
    gauge_label = (
        "score not available"
        if score is None
        else f"score {score} of 100, grade {grade}: {GRADE_MEANING.get(grade or '', '')}"
    )
    context = {
        "data": data,
        "tool_version": (data.get("tool") or {}).get("version") or __version__,
        "verdict": common.verdict(data),
        "score_line": common.score_line(data),
        "band": band(score),
        "radius": RADIUS,
        "circumference": circumference,
        "arc": circumference * fraction,
        "score_text": "n/a" if score is None else str(score),
        "grade_text": f"grade {grade}" if grade else "",
        "gauge_label": gauge_label,
        "cap": cap,
        "other_caps": common.caps(data)[1:] if cap else [],
        "problems": common.problems_of(data),
        "errors": common.by_status(data, "error"),
        "skipped": common.by_status(data, "skipped"),
        "passes": common.by_status(data, "pass"),
        "areas": list(common.area_counts(data)),
        "area_counts": common.area_counts(data),
        "statuses": common.STATUSES,
        "categories": model.get("categories") or {},
        "category_titles": CATEGORY_TITLES,
        "base_score": model.get("base_score"),
        "model_version": model.get("version"),
        "plotted": _plotted(data),
    }
    return _environment().get_template("report.html.j2").render(**context)


_EMBEDDABLE = ("data:image/png;base64,", "data:image/svg+xml;base64,")


def _plotted(data: dict) -> list[dict]:
    """Findings that carry plots (perf.latency): only inline images, so the file stays
    self-contained and a finding can never make the page load something from elsewhere."""
    out = []
    for finding in data.get("findings", []):
        plots = finding.get("plots")
        if not isinstance(plots, dict):
            continue
        images = {
            name: uri
            for name, uri in plots.items()
            if isinstance(uri, str) and uri.startswith(_EMBEDDABLE)
        }
        if images:
            out.append(
                {
                    "id": finding["id"],
                    "subject": finding["subject"],
                    "status": finding["status"],
                    "images": images,
                }
            )
    return out
