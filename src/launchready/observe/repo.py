"""The `repo` audit area: facts about the application's git repository, gathered locally.

Runs `git` (never the network) in a worker thread so the audit's event loop keeps going.
`judge` turns the facts into the repo.* and secrets.* findings.
"""

from __future__ import annotations

import asyncio
import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launchready.secrets.baseline import Baseline, load_baseline, load_gitleaksignore_text
from launchready.secrets.rules import load_rules
from launchready.secrets.scan import ScanResult, scan_history, scan_tree
from launchready.secrets.sources import is_repo, is_shallow, run_git, tree_files

AREA_NAME = "repo"
MAX_DOC_BYTES = 256 * 1024
# Files whose text the judges read: docs and scripts (rollback steps), CI and deploy configs.
TEXT_GLOBS = (
    "README*",
    "readme*",
    "RUNBOOK*",
    "DEPLOY*",
    "OPERATIONS*",
    "CONTRIBUTING*",
    "docs/*",
    "docs/*/*",
    "doc/*",
    "runbooks/*",
    "ops/*",
    "scripts/*",
    "bin/*",
    "deploy/*",
    "Makefile",
    "makefile",
    "justfile",
    "Justfile",
    "Taskfile.yml",
    "Procfile",
    "package.json",
    "fly.toml",
    "render.yaml",
    "app.yaml",
    "config/deploy.yml",
    "config/deploy.rb",
    "*.sh",
    ".github/workflows/*",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "Jenkinsfile",
    "bitbucket-pipelines.yml",
    "azure-pipelines.yml",
    ".drone.yml",
    ".woodpecker.yml",
    ".woodpecker/*",
    ".buildkite/*",
    ".travis.yml",
    ".forgejo/workflows/*",
    ".gitea/workflows/*",
    "requirements*.txt",
    "requirements/*.txt",
    "go.mod",
    "*.yaml",
    "*.yml",
    "k8s/*",
    "kubernetes/*",
    "manifests/*",
    "deploy/*/*",
)


@dataclass(slots=True)
class RepoFacts:
    path: Path | None
    is_repo: bool = False
    tracked: list[str] = field(default_factory=list)  # committed files (env-committed)
    files: list[str] = field(default_factory=list)  # tracked + untracked, not ignored
    texts: dict[str, str] = field(default_factory=dict)
    rollback_configured: str | None = None  # the `deploy.rollback` command, if any
    shallow: bool = False
    scan: ScanResult | None = None
    baseline: Baseline | None = None
    scan_error: str | None = None
    error: str | None = None


def _cfg(cfg: Any, section: str, key: str, default: Any = None) -> Any:
    return getattr(getattr(cfg, section, None), key, default)


def _wanted(rel: str) -> bool:
    return any(fnmatch.fnmatch(rel, g) for g in TEXT_GLOBS)


def gather(path: Path, cfg: Any = None, *, scan_secrets: bool = True) -> RepoFacts:
    facts = RepoFacts(path=path)
    facts.rollback_configured = _cfg(cfg, "deploy", "rollback")
    if not path.is_dir():
        facts.error = f"{path} is not a folder"
        return facts
    facts.is_repo = is_repo(path)
    facts.files = tree_files(path)
    if facts.is_repo:
        facts.tracked = sorted(p for p in run_git(path, "ls-files", "-z").split("\0") if p)
        facts.shallow = is_shallow(path)
    for rel in facts.files:
        if not _wanted(rel):
            continue
        full = path / rel
        try:
            if full.is_file() and full.stat().st_size <= MAX_DOC_BYTES:
                facts.texts[rel] = full.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    if scan_secrets:
        try:
            user_cfg = _cfg(cfg, "repo", "secrets_config") or (path / ".gitleaks.toml")
            ruleset = load_rules(user_cfg) if Path(user_cfg).is_file() else load_rules()
            history = bool(_cfg(cfg, "repo", "history", True)) and facts.is_repo
            # one process: this runs in a worker thread of the audit, where forking is unsafe
            facts.scan = (
                scan_history(path, ruleset, jobs=1) if history else scan_tree(path, ruleset)
            )
            base_path = _cfg(cfg, "repo", "baseline") or (path / ".launchready-baseline.jsonl")
            base = load_baseline(Path(base_path)) if Path(base_path).is_file() else Baseline()
            ignore = path / ".gitleaksignore"
            if ignore.is_file():
                load_gitleaksignore_text(ignore.read_text(encoding="utf-8", errors="replace"), base)
            facts.baseline = base
        except Exception as exc:  # the repo checks still run; the secret check reports error
            facts.scan_error = f"{type(exc).__name__}: {exc}"
    return facts


async def collect(observer: Any, cfg: Any) -> RepoFacts:
    """Gather the repo facts (no network). Not configured -> facts with `path` None."""
    path = _cfg(cfg, "repo", "path")
    if path is None:
        return RepoFacts(path=None)
    return await asyncio.to_thread(gather, Path(path), cfg)


def judge(obs: RepoFacts, cfg: Any) -> list:
    from launchready.checks import repo as repo_checks
    from launchready.checks import secrets as secret_checks

    return repo_checks.judge(obs, cfg) + secret_checks.judge(obs, cfg)
