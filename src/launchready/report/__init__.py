"""Report model, scoring, and renderers: one model, many formats."""

from launchready.report.catalogue import CheckSpec, check, spec_for
from launchready.report.model import (
    SCHEMA,
    Finding,
    Gate,
    Report,
    Severity,
    SourceLocation,
    Status,
)

__all__ = [
    "SCHEMA",
    "CheckSpec",
    "Finding",
    "Gate",
    "Report",
    "Severity",
    "SourceLocation",
    "Status",
    "check",
    "spec_for",
]
