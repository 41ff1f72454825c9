"""The report model: `launchready.report/1` (CONTRACT §4).

Every command produces a `Report` made of `Finding`s. Score, gate and fix order are computed in
`report.score`; every output format is rendered from `Report.to_dict()`. This module holds data
only: it never touches the network, the file system or the terminal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from launchready import __version__

SCHEMA = "launchready.report/1"


class Status(StrEnum):
    FAIL = "fail"
    WARN = "warn"
    PASS = "pass"
    ERROR = "error"
    SKIPPED = "skipped"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def order(self) -> int:
        """0 for critical .. 4 for info: lower is worse."""
        return list(Severity).index(self)


class Gate(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


# Business impact that orders the fixes (CONTRACT §4).
TIER_NAMES = {
    0: "a core journey is broken",
    1: "data or secrets are exposed",
    2: "the team cannot detect or recover",
    3: "hardening",
    4: "hygiene and cosmetics",
}

_CORE_KEYS = (
    "id",
    "area",
    "status",
    "severity",
    "tier",
    "subject",
    "title",
    "evidence",
    "fix",
    "rank",
    "fingerprint",
)


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in the user's files a finding can be anchored to (SARIF needs one per result)."""

    path: str
    line: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line}


@dataclass(slots=True)
class Finding:
    """One verdict of one check about one subject.

    `fingerprint_key` lets a check say what identifies "the same problem" when the subject alone
    does not (a secret's subject carries a line number, which must not enter the fingerprint).
    """

    id: str
    status: Status
    severity: Severity
    tier: int
    subject: str
    title: str
    evidence: str = ""
    fix: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    rank: int | None = None
    location: SourceLocation | None = None
    fingerprint_key: str | None = None
    recorded_fingerprint: str | None = None

    @property
    def area(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def fingerprint(self) -> str:
        if self.recorded_fingerprint:
            return self.recorded_fingerprint
        key = self.fingerprint_key if self.fingerprint_key is not None else self.subject
        return hashlib.sha256(f"{self.id}\0{key}".encode()).hexdigest()[:24]

    @property
    def is_problem(self) -> bool:
        return self.status in (Status.FAIL, Status.WARN)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "area": self.area,
            "status": str(self.status),
            "severity": str(self.severity),
            "tier": self.tier,
            "subject": self.subject,
            "title": self.title,
            "evidence": self.evidence,
            "fix": self.fix,
            "rank": self.rank,
            "fingerprint": self.fingerprint,
        }
        if self.location is not None:
            out["location"] = self.location.to_dict()
        for key, value in self.extra.items():
            if key not in _CORE_KEYS and key != "location":
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """Read a finding back from a JSON report (for diffs and baselines)."""
        extra = {k: v for k, v in data.items() if k not in _CORE_KEYS and k != "location"}
        loc = data.get("location")
        return cls(
            id=data["id"],
            status=Status(data["status"]),
            severity=Severity(data["severity"]),
            tier=int(data["tier"]),
            subject=data["subject"],
            title=data["title"],
            evidence=data.get("evidence", ""),
            fix=data.get("fix", ""),
            extra=extra,
            rank=data.get("rank"),
            location=SourceLocation(loc["path"], int(loc.get("line", 1))) if loc else None,
            recorded_fingerprint=data.get("fingerprint"),
        )


@dataclass(slots=True)
class Report:
    """A whole run of one command. `extra` carries command-specific sections (score model, caps,
    DNS inventory, smoke timeline ...) that renderers may show."""

    command: str
    target: str
    findings: list[Finding]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_s: float = 0.0
    score: int | None = None
    grade: str | None = None
    gate: Gate = Gate.PASS
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def problems(self) -> list[Finding]:
        """Fail and warn findings in fix order."""
        ranked = [f for f in self.findings if f.rank is not None]
        return sorted(ranked, key=lambda f: f.rank or 0)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "tool": {"name": "launchready", "version": __version__},
            "command": self.command,
            "target": self.target,
            "started_at": self.started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": round(self.duration_s, 3),
            "score": self.score,
            "grade": self.grade,
            "gate": str(self.gate),
            "findings": [f.to_dict() for f in self.findings],
        }
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out
