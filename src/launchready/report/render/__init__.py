"""Every output format is a rendering of the JSON report (CONTRACT §1: json is the source).

`render` turns a `Report` into the dict of `Report.to_dict()`, scrubs every string in it through
the redactor *before* any format escapes it (an HTML- or Markdown-escaped secret would no longer
match the redactor's patterns afterwards), then hands it to one module per format. Renderers
are pure: text in, text out; they never write files or touch the terminal.
"""

from __future__ import annotations

import importlib
from typing import Any

from launchready.redact import REDACTOR
from launchready.report.model import Report

FORMATS = ("text", "json", "markdown", "html", "sarif", "junit")


def scrub_tree(value: Any) -> Any:
    """A copy of a JSON-like tree with every string (keys included) passed through the redactor."""
    if isinstance(value, str):
        return REDACTOR.scrub(value)
    if isinstance(value, dict):
        return {scrub_tree(k): scrub_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_tree(v) for v in value]
    return value


def render(report: Report, fmt: str, *, config: Any = None) -> str:
    """Render `report` as `fmt` (one of FORMATS). `config` anchors SARIF results to its lines."""
    name = str(fmt)
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r} (one of {', '.join(FORMATS)})")
    data = scrub_tree(report.to_dict())
    module = importlib.import_module(f"{__name__}.{name}")
    return module.render(data, config=config)


__all__ = ["FORMATS", "render", "scrub_tree"]
