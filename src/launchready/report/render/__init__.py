"""Placeholder renderer (replaced by the report branch)."""

import json


def render(report, fmt: str, *, config=None) -> str:
    return json.dumps(report.to_dict(), indent=2)
