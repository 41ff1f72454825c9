"""Shared base for config sections: unknown keys are rejected, paths resolve against the config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


def resolve_path(value: Any, info: ValidationInfo) -> Any:
    """Relative paths resolve against the config file's folder (CONTRACT §2)."""
    if value is None or value == "":
        return value
    base = (info.context or {}).get("base_dir")
    path = Path(value).expanduser()
    if base is not None and not path.is_absolute():
        path = Path(base) / path
    return path


def path_field(*names: str):
    """A validator that resolves the named fields as config-relative paths."""
    return field_validator(*names, mode="before")(resolve_path)
