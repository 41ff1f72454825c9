"""`launchready secrets [PATH|-] [--history|--staged]`: find committed credentials.

Exit 1 when any leak is not in the baseline, 0 otherwise, 2 on bad input (CONTRACT §1).
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from launchready.checks.secrets import judge_scan, new_leaks
from launchready.cli import app
from launchready.cli.output import (
    FORMAT_HELP,
    OUTPUT_HELP,
    Format,
    default_format,
    run_guarded,
    stderr,
    write_text,
)
from launchready.errors import UsageError
from launchready.report.model import Gate, Report
from launchready.secrets.baseline import (
    Baseline,
    load_baseline,
    load_gitleaksignore_text,
    render_baseline,
)
from launchready.secrets.render import rank, render_report
from launchready.secrets.rules import RuleSet, load_rules
from launchready.secrets.scan import (
    ScanResult,
    scan_history,
    scan_staged,
    scan_text,
    scan_tree,
)
from launchready.secrets.sources import is_repo, run_git

DEFAULT_BASELINE = ".launchready-baseline.jsonl"


def _root_of(path: Path) -> Path:
    try:
        return Path(run_git(path, "rev-parse", "--show-toplevel").strip())
    except UsageError:
        return path


def _baseline(explicit: Path | None, root: Path | None) -> Baseline:
    base = load_baseline(explicit) if explicit else Baseline()
    if root is not None:
        implicit = root / DEFAULT_BASELINE
        if explicit is None and implicit.is_file():
            base = load_baseline(implicit)
        ignore = root / ".gitleaksignore"
        if ignore.is_file():
            load_gitleaksignore_text(ignore.read_text(encoding="utf-8", errors="replace"), base)
    return base


def _rules(source: Path | str | None, decode: bool) -> RuleSet:
    ruleset = load_rules(source) if source else load_rules()
    ruleset.decode = decode
    return ruleset


def run_scan(
    target: str,
    history: bool,
    staged: bool,
    config: Path | None,
    log_opts: str | None,
    jobs: int | None,
    decode: bool = False,
) -> tuple[ScanResult, Path | None]:
    if history and staged:
        raise UsageError("--history and --staged exclude each other")
    if target == "-":
        if history or staged:
            raise UsageError("--history/--staged scan a repository, not standard input")
        ruleset = _rules(config, decode)
        return scan_text(sys.stdin.read(), "-", ruleset), None
    path = Path(target)
    if not path.exists():
        raise UsageError(f"{target}: no such file or directory")
    if path.is_file():
        if history or staged:
            raise UsageError(f"{target} is a file: --history/--staged need a repository folder")
        ruleset = _rules(config, decode)
        text = path.read_bytes().decode("utf-8", errors="replace")
        return scan_text(text, str(path), ruleset, mode="file"), None
    root = path.resolve()
    user_cfg = root / ".gitleaks.toml"
    ruleset = _rules(config or (user_cfg if user_cfg.is_file() else None), decode)
    if history:
        top = _root_of(root)  # git reports paths from the top of the repository
        return scan_history(top, ruleset, shlex.split(log_opts or ""), jobs), top
    if staged:
        if not is_repo(root):
            raise UsageError(f"{target} is not a git repository (--staged needs one)")
        return scan_staged(_root_of(root), ruleset), _root_of(root)
    return scan_tree(root, ruleset), root


@app.command("secrets")
def secrets_command(
    target: Annotated[
        str, typer.Argument(help="Folder to scan (default .), a log file, or - for stdin.")
    ] = ".",
    history: Annotated[
        bool, typer.Option("--history", help="Scan every commit reachable from any ref.")
    ] = False,
    staged: Annotated[
        bool, typer.Option("--staged", help="Scan the staged change (pre-commit).")
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Accepted leaks (JSON Lines, gitleaks report, .secrets.baseline or "
            ".gitleaksignore).",
        ),
    ] = None,
    write_baseline: Annotated[
        Path | None,
        typer.Option(
            "--write-baseline", help="Write every current leak to FILE as accepted, and exit 0."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="A gitleaks-format rule file (default: .gitleaks.toml in the folder, "
            "else the built-in rules).",
        ),
    ] = None,
    log_opts: Annotated[
        str | None,
        typer.Option(
            "--log-opts", help="Extra `git log` options for --history, e.g. '--since=2025-01-01'."
        ),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Worker processes for --history.")
    ] = None,
    decode: Annotated[
        bool, typer.Option("--decode", help="Also scan base64-encoded runs, decoded.")
    ] = False,
    fmt: Annotated[Format | None, typer.Option("--format", "-f", help=FORMAT_HELP)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help=OUTPUT_HELP)] = None,
) -> None:
    """Find API keys, tokens, private keys and passwords in a tree, its history, the staged
    change, or a build log. Values are never printed."""

    def go() -> int:
        started = time.monotonic()
        result, root = run_scan(target, history, staged, config, log_opts, jobs, decode)
        base = _baseline(baseline, root)
        if write_baseline is not None:
            keep = load_baseline(write_baseline).entries if write_baseline.is_file() else []
            write_baseline.write_text(render_baseline(result.leaks, keep), encoding="utf-8")
            base = load_baseline(write_baseline)
            stderr.print(f"wrote {len(result.leaks)} leak(s) to {write_baseline}")
        findings = rank(judge_scan(result, base))
        if result.shallow:
            stderr.print(
                "[yellow]warning:[/] shallow clone: commits before the cut were not scanned "
                "(in GitHub Actions use actions/checkout with fetch-depth: 0)"
            )
        report = Report(
            command="secrets",
            target=result.target,
            findings=findings,
            duration_s=time.monotonic() - started,
            gate=Gate.FAIL if new_leaks(findings) else Gate.PASS,
            extra={
                "scan": {
                    "mode": result.mode,
                    "rules": result.rules,
                    "fragments": result.fragments,
                    "bytes": result.bytes,
                    "commits_with_leaks": result.commits,
                    "shallow": result.shallow,
                    "skipped_files": len(result.skipped),
                    "baseline_fixed": len(base.fixed(result.leaks)) if base else 0,
                }
            },
        )
        chosen = default_format(fmt, output)
        write_text(render_report(report, chosen), output)
        return 1 if report.gate == Gate.FAIL else 0

    raise typer.Exit(run_guarded(go))
