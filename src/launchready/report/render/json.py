"""The source format: `Report.to_dict()`, indented, keys in the model's own stable order."""

from __future__ import annotations

import json
from typing import Any


def render(data: dict[str, Any], *, config: Any = None) -> str:
    # Key order is the model's (schema first, findings in fix order); never sort_keys, which
    # would bury the verdict under "duration_s". ensure_ascii=False keeps names readable.
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
