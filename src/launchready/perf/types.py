"""What `launchready perf` observes, as plain data: the input of the pure judges in
`launchready.checks.perf`. Nothing here holds a socket or a connection, so every verdict can be
tested with hand-made values and re-judged from a saved report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from launchready.net.types import HttpExchange


@dataclass(slots=True)
class LatencyMeasurement:
    """One endpoint's window: latency from the planned send, plus the generator's own health.

    Every time is in milliseconds. `samples` counts requests of the window (errors included: a
    timeout is a sample equal to the time it took to give up).
    """

    rate: float
    samples: int
    duration_s: float
    window_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    lag_p99_ms: float
    lag_max_ms: float
    errors: int = 0
    timeouts: int = 0
    cap_hits: int = 0
    cpu_share: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    service_p95_ms: float = 0.0
    spectrum: list[tuple[float, float]] = field(default_factory=list)  # (percentile, ms)
    timeline: list[tuple[float, float, int]] = field(default_factory=list)  # (s, ms, failed)
    histogram: str = ""  # HdrHistogram, base64 (latency in µs)
    p95_ci_ms: tuple[float, float] | None = None  # order-statistic 95 % interval
    fatal: str = ""

    @property
    def achieved_rate(self) -> float:
        return self.samples / self.window_s if self.window_s > 0 else 0.0

    @property
    def error_share(self) -> float:
        return self.errors / self.samples if self.samples else 0.0


@dataclass(frozen=True, slots=True)
class QueryStat:
    """One normalized statement's share of one endpoint's run (a snapshot difference).

    `max_ms` is None when the backend cannot tell the max of the window (pg_stat_statements
    keeps a lifetime max, which cannot be diffed): slow-query verdicts are then mean-based.
    """

    statement: str
    calls: int
    total_ms: float
    max_ms: float | None = None
    rows: int = 0
    ids: tuple[str, ...] = ()

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.calls if self.calls else 0.0


@dataclass(slots=True)
class QueryWindow:
    """The database's view of one endpoint's run: every statement that ran during it."""

    backend: str  # "postgresql" or "mysql"
    statements: list[QueryStat] = field(default_factory=list)
    requests: int = 0  # requests sent while the window was open (warm-up included)
    reliable: bool = True  # False when the statistics were reset or evicted meanwhile
    note: str = ""
    skipped: str = ""  # the backend cannot report (performance_schema off ...): why
    error: str = ""  # reading the statistics failed: why


@dataclass(slots=True)
class EndpointObservation:
    """Everything measured about one `[[perf.endpoint]]`."""

    name: str
    method: str
    path: str
    url: str
    target_ms: float
    latency: LatencyMeasurement | None = None
    payload: HttpExchange | None = None
    queries: QueryWindow | None = None
    error: str = ""  # the endpoint could not be measured at all (login failed, out of scope)

    @property
    def subject(self) -> str:
        return f"{self.method} {self.path}"
