"""The catalogue of checks: id -> title, default severity, tier and fix.

Every check module declares its checks with `check(...)` at import time, next to the code that
judges them (as the Observatory declares possible results next to each analyzer). The catalogue
is how a finding gets its defaults, how SARIF lists its rules, and how JUnit names its cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchready.report.model import Finding, Severity, SourceLocation, Status

_REGISTRY: dict[str, CheckSpec] = {}


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """What a check is about. `severity` and `tier` are defaults a finding may override."""

    id: str
    title: str
    severity: Severity
    tier: int
    fix: str
    description: str = ""

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    def finding(
        self,
        status: Status | str,
        subject: str,
        title: str | None = None,
        *,
        evidence: str = "",
        fix: str | None = None,
        severity: Severity | str | None = None,
        tier: int | None = None,
        location: SourceLocation | None = None,
        fingerprint_key: str | None = None,
        **extra: Any,
    ) -> Finding:
        """Build a finding of this check; unspecified parts come from the spec."""
        status = Status(status)
        return Finding(
            id=self.id,
            status=status,
            severity=Severity(severity) if severity is not None else self.severity,
            tier=self.tier if tier is None else tier,
            subject=subject,
            title=title or self.title,
            evidence=evidence,
            fix=self.fix if fix is None else fix,
            extra=dict(extra),
            location=location,
            fingerprint_key=fingerprint_key,
        )

    def passed(self, subject: str, title: str | None = None, **kw: Any) -> Finding:
        return self.finding(Status.PASS, subject, title or f"OK: {self.title}", fix="", **kw)

    def skipped(self, subject: str, why: str, **kw: Any) -> Finding:
        return self.finding(Status.SKIPPED, subject, f"Not checked: {why}", fix="", **kw)

    def error(self, subject: str, why: str, **kw: Any) -> Finding:
        return self.finding(Status.ERROR, subject, f"Could not check: {why}", **kw)


def check(
    id: str,
    title: str,
    severity: Severity | str,
    tier: int,
    fix: str,
    description: str = "",
) -> CheckSpec:
    """Declare a check. Declaring the same id twice with different contents is a bug."""
    spec = CheckSpec(id, title, Severity(severity), tier, fix, description)
    existing = _REGISTRY.get(id)
    if existing is not None and existing != spec:
        raise ValueError(f"check {id!r} declared twice with different contents")
    _REGISTRY[id] = spec
    return spec


def spec_for(check_id: str) -> CheckSpec | None:
    return _REGISTRY.get(check_id)


def all_specs() -> list[CheckSpec]:
    """Every declared check, after importing every check module."""
    from launchready.checks import load_all

    load_all()  # importing a check module registers its specs
    return sorted(_REGISTRY.values(), key=lambda s: s.id)
