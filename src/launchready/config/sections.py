"""The remaining sections of launchready.toml. Each area's issue extends its own section here
(unknown keys are rejected, so a new key must be declared before it can be used)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from launchready.config.base import Section, path_field


class SmtpRelayConfig(Section):
    """[email.smtp]: the relay the portal sends through, for the live delivery check."""

    model_config = ConfigDict(populate_by_name=True)  # `from` is a Python keyword

    host: str
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"  # tls = implicit TLS (465)
    username: str | None = None  # "${SMTP_USER}"
    password: str | None = None  # "${SMTP_PASSWORD}": from the environment only
    from_: str = Field(alias="from")
    to: str
    helo: str | None = None  # EHLO name; default: the host name of `from`


class ImapMailboxConfig(Section):
    """[email.imap]: the receiving mailbox where the test message must arrive."""

    host: str
    port: int = Field(993, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    username: str
    password: str  # "${IMAP_PASSWORD}"
    folders: list[str] = ["INBOX", "Junk", "Spam"]
    spam_folders: list[str] = ["Junk", "Spam", "[Gmail]/Spam", "Junk E-mail", "Bulk Mail"]
    wait: float = Field(60, gt=0, le=900)  # seconds to wait for the message to arrive
    poll: float = Field(2, gt=0, le=60)


class EmailConfig(Section):
    domain: str | None = None
    dkim_selectors: list[str] = []
    senders: list[str] = []
    smtp: SmtpRelayConfig | None = None
    imap: ImapMailboxConfig | None = None


class RepoConfig(Section):
    path: Path | None = None
    # launchready's own keys (not fixed by the contract): how the repo area scans for secrets,
    # and which environment variable names `launchready env check` requires.
    history: bool = True  # scan the whole history, not only the working tree
    baseline: Path | None = None  # accepted leaks (default: <path>/.launchready-baseline.jsonl)
    secrets_config: Path | None = None  # gitleaks-format rules (default: <path>/.gitleaks.toml)
    env_example: Path | None = None  # names of required variables (default: <path>/.env.example)
    env_required: list[str] = []  # required variable names, in addition to env_example's

    _paths = path_field("path", "baseline", "secrets_config", "env_example")


class SmokeConfig(Section):
    flows: list[str] = []


class DeployConfig(Section):
    version_url: str | None = None
    version_field: str = "version"
    health_url: str | None = None
    rollback: str | None = None
    # launchready's own extensions (documented in the README):
    ledger: Path = Path(".launchready/deploys.jsonl")  # JSON lines, one per `verify` run
    timeout: float = Field(300, gt=0)  # default for `verify --timeout`, seconds
    poll_interval: float = Field(2.0, gt=0, le=60)  # between version polls, seconds
    rollback_timeout: float = Field(600, gt=0)  # the rollback command is killed after this

    _paths = path_field("ledger")


class PerfEndpoint(Section):
    name: str | None = None
    method: str = "GET"
    path: str
    target_ms: float | None = Field(None, gt=0)
    # launchready's own keys: what a write sends (no body for GET/HEAD).
    headers: dict[str, str] = {}
    body: str | None = None

    @field_validator("method")
    @classmethod
    def _method(cls, v: str) -> str:
        v = v.upper()
        if v not in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}:
            raise ValueError(f"unknown HTTP method {v!r}")
        return v

    @property
    def effective_target_ms(self) -> float:
        if self.target_ms is not None:
            return self.target_ms
        return 300.0 if self.method in ("GET", "HEAD") else 700.0


class PerfConfig(Section):
    rate: float = Field(20, gt=0, le=20000)
    duration: float = Field(30, gt=0, le=3600)
    database_url: str | None = None
    slow_query_ms: float = Field(200, gt=0)
    endpoint: list[PerfEndpoint] = []
    # launchready's own keys (not fixed by the contract):
    warmup: float = Field(5, ge=0, le=600)  # seconds at the same rate, before the window
    login: Path | None = None  # a smoke flow whose session cookies every endpoint reuses
    max_inflight: int = Field(512, ge=1, le=10000)  # reaching it makes a run inconclusive
    request_timeout: float | None = Field(None, gt=0, le=300)  # default: network.timeout
    plots: str = "png"  # png, svg or none
    statement_log: Path | None = None  # PostgreSQL log with durations: per-execution maxima

    _paths = path_field("login", "statement_log")

    @field_validator("plots")
    @classmethod
    def _plots(cls, v: str) -> str:
        if v not in ("png", "svg", "none"):
            raise ValueError("plots must be one of png, svg, none")
        return v


class AuditConfig(Section):
    """[audit]: launchready's own knobs for the audit (not fixed by the contract)."""

    fail_on: str = "high"
    min_score: int | None = Field(None, ge=0, le=100)
    login_burst: int = Field(30, ge=1, le=200)
    login_burst_seconds: float = Field(10, gt=0, le=120)
    # Extra endpoints (paths relative to site.url, or URLs on a [site] host) for the CORS
    # probes: APIs are where CORS matters, and pages rarely link them.
    api_paths: list[str] = []
    # Category weights of the overall score (report/score.py), e.g. { journeys = 40 }.
    score_weights: dict[str, float] = {}

    @field_validator("score_weights")
    @classmethod
    def _score_weights(cls, v: dict[str, float]) -> dict[str, float]:
        from launchready.report.score import resolve_weights

        resolve_weights(v)  # unknown category or negative weight -> a config error
        return v

    @field_validator("fail_on")
    @classmethod
    def _fail_on(cls, v: str) -> str:
        allowed = ("critical", "high", "medium", "low", "info")
        if v not in allowed:
            raise ValueError(f"fail_on must be one of {', '.join(allowed)}")
        return v
