"""`launchready smoke` as a library call: load flows, check their environment, run them, build
the report, and on a failed gate run the rollback command. Usable without the CLI."""

from __future__ import annotations

import glob
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from launchready.config import Config, NetworkConfig
from launchready.errors import ConfigError, UsageError
from launchready.redact import REDACTOR
from launchready.report import Gate, Report
from launchready.report.score import exit_code_for, finalize
from launchready.smoke import template
from launchready.smoke.findings import failed_step, smoke_report
from launchready.smoke.flow import Flow, load_flow
from launchready.smoke.rollback import RollbackResult, run_rollback
from launchready.smoke.runner import FlowResult, run_flows_async

STATE_DIR = ".launchready"


def flow_paths(cfg: Config | None, given: list[Path]) -> list[Path]:
    """Flows named on the command line, else `[smoke] flows` globs (config-relative), in order."""
    if given:
        return [Path(p) for p in given]
    if cfg is None or not cfg.smoke.flows:
        raise UsageError("no flows: name FLOW.toml files, or set [smoke] flows in launchready.toml")
    out: list[Path] = []
    for index, pattern in enumerate(cfg.smoke.flows):
        full = pattern if Path(pattern).is_absolute() else str(cfg.base_dir / pattern)
        matched = sorted(glob.glob(full))
        if not matched:
            raise ConfigError(
                f"no flow file matches {pattern!r}",
                file=cfg.display_path,
                key=f"smoke.flows[{index}]",
                line=cfg.line_of("smoke", "flows"),
            )
        out.extend(Path(m) for m in matched)
    return out


def load_checked(paths: list[Path]) -> list[Flow]:
    """Load flows and insist every `${ENV}` they use is set (exit 2 naming file and line)."""
    flows = [load_flow(p) for p in paths]
    for flow in flows:
        missing = flow.missing_env()
        if missing:
            file, name, line = missing[0]
            raise ConfigError(
                f"environment variable {name} is not set (the flow uses ${{{name}}})",
                file=file,
                line=line,
            )
    return flows


def state_dir(cfg: Config | None) -> Path:
    return (cfg.base_dir if cfg else Path.cwd()) / STATE_DIR


def save_report(report: Report, folder: Path, stem: str) -> Path:
    """The JSON report a rollback hook receives in LAUNCHREADY_REPORT (redacted, like every
    output)."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = report.started_at.strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stem}-{stamp}.json"
    path.write_text(REDACTOR.scrub(json.dumps(report.to_dict(), indent=2)), encoding="utf-8")
    return path


@dataclass
class SmokeRun:
    report: Report
    exit_code: int
    results: list[FlowResult]
    rollback: RollbackResult | None = None


async def run_smoke_async(
    cfg: Config | None,
    flows: list[Flow],
    *,
    read_only: bool = False,
    on_fail: str | None = None,
) -> SmokeRun:
    started_at, t0 = datetime.now(UTC), time.perf_counter()
    network = cfg.network if cfg else NetworkConfig()
    hosts = cfg.in_scope_hosts() if cfg else set()
    results = await run_flows_async(flows, network, scope_hosts=hosts, read_only=read_only)
    target = cfg.site.url if cfg else (template.render(flows[0].base_url, {}) if flows else "")
    report = smoke_report(results, target=target, started_at=started_at, t0=t0)
    code = exit_code_for(report)
    if report.gate != Gate.FAIL or not on_fail:
        return SmokeRun(report, code, results)
    path = save_report(report, state_dir(cfg) / "reports", "smoke")
    failed = failed_step(results)
    env = {
        "LAUNCHREADY_FAILED_STEP": failed.subject if failed else "",
        "LAUNCHREADY_REPORT": str(path),
    }
    rollback = run_rollback(on_fail, env)
    report.findings.append(rollback.finding())
    finalize(report, fail_on="high")
    report.duration_s = time.perf_counter() - t0
    return SmokeRun(report, 4 if rollback.ok else 5, results, rollback)
