"""Repo hygiene: can this portal be rebuilt, deployed and rolled back from its repository, and is
its configuration kept out of git? Pure judges over `observe.repo.RepoFacts`."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from launchready.report.catalogue import check
from launchready.report.model import Finding, Severity, SourceLocation, Status

ENV_COMMITTED = check(
    "repo.env-committed",
    "An environment file is tracked by git",
    Severity.HIGH,
    1,
    "Stop tracking it: `git rm --cached <file>`, add it to .gitignore, commit a `.env.example` "
    "with the names only, and rotate every value it held (it stays in the history: see "
    "`launchready secrets --history`).",
)
CI_MISSING = check(
    "repo.ci.missing",
    "No CI pipeline",
    Severity.MEDIUM,
    2,
    "Add a pipeline that runs the tests and `launchready secrets --history` on every push "
    "(e.g. .github/workflows/ci.yml or .gitlab-ci.yml).",
)
DEPLOY_MISSING = check(
    "repo.deploy.missing",
    "No repeatable deploy path",
    Severity.MEDIUM,
    2,
    "Make deploying one command that anyone can run the same way: a pipeline deploy job, a "
    "deploy script in the repository, or the platform's config (fly.toml, render.yaml, Procfile, "
    "Kamal's config/deploy.yml ...).",
)
ROLLBACK_MISSING = check(
    "repo.rollback.missing",
    "No rollback path",
    Severity.MEDIUM,
    2,
    "Write down how to go back to the previous release (e.g. `kamal rollback`, `fly deploy "
    "--image <previous>`, `helm rollback`) in the README or a runbook, and set "
    "`[deploy] rollback` so `launchready verify` can run it on a failed gate.",
)
LOCKFILE_MISSING = check(
    "repo.lockfile.missing",
    "Dependencies are not locked",
    Severity.MEDIUM,
    2,
    "Commit a lock file so every build installs the same versions (uv lock / poetry lock / "
    "pip-compile, npm install, bundle lock, composer update, go mod tidy, "
    "cargo generate-lockfile).",
)

# -- .env files --------------------------------------------------------------------------------
_ENV_NAME = re.compile(r"^(?:\.env(?:\..+)?|.+\.env|\.envrc)$", re.IGNORECASE)
_ENV_TEMPLATE = re.compile(
    r"(?:example|sample|template|dist|defaults?|schema|tpl|skel|placeholder)(?:\.|$)", re.IGNORECASE
)


def is_env_file(rel: str) -> bool:
    name = posixpath.basename(rel)
    return bool(_ENV_NAME.match(name)) and not _ENV_TEMPLATE.search(name)


# -- CI systems --------------------------------------------------------------------------------
CI_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("GitHub Actions", re.compile(r"^\.github/workflows/[^/]+\.ya?ml$")),
    ("GitLab CI", re.compile(r"^\.gitlab-ci\.ya?ml$")),
    ("CircleCI", re.compile(r"^\.circleci/config\.ya?ml$")),
    ("Jenkins", re.compile(r"(?:^|/)Jenkinsfile(?:\.[\w-]+)?$")),
    ("Bitbucket Pipelines", re.compile(r"^bitbucket-pipelines\.ya?ml$")),
    ("Azure Pipelines", re.compile(r"^(?:\.azure-pipelines/.+|azure-pipelines[\w.-]*)\.ya?ml$")),
    ("Drone", re.compile(r"^\.drone\.(?:ya?ml|jsonnet|star)$")),
    ("Woodpecker", re.compile(r"^\.woodpecker(?:\.ya?ml|/[^/]+\.ya?ml)$")),
    ("Buildkite", re.compile(r"^\.buildkite/[^/]*\.ya?ml$")),
    ("Travis CI", re.compile(r"^\.travis\.ya?ml$")),
    ("AppVeyor", re.compile(r"^\.?appveyor\.ya?ml$")),
    ("Semaphore", re.compile(r"^\.semaphore/[^/]+\.ya?ml$")),
    ("Google Cloud Build", re.compile(r"^cloudbuild\.ya?ml$")),
    ("AWS CodeBuild", re.compile(r"^buildspec\.ya?ml$")),
    ("TeamCity", re.compile(r"^\.teamcity/")),
    ("Forgejo/Gitea Actions", re.compile(r"^\.(?:forgejo|gitea)/workflows/[^/]+\.ya?ml$")),
    ("Bitrise", re.compile(r"^bitrise\.ya?ml$")),
    ("Codemagic", re.compile(r"^codemagic\.ya?ml$")),
    ("Harness", re.compile(r"^\.harness/")),
    ("Tekton", re.compile(r"^\.tekton/")),
]

# -- deploy paths ------------------------------------------------------------------------------
DEPLOY_FILES: list[tuple[str, re.Pattern[str]]] = [
    ("Fly.io (fly.toml)", re.compile(r"(?:^|/)fly\.toml$")),
    ("Render (render.yaml)", re.compile(r"(?:^|/)render\.ya?ml$")),
    ("Procfile (Heroku/Dokku)", re.compile(r"(?:^|/)Procfile$")),
    ("heroku.yml", re.compile(r"(?:^|/)heroku\.yml$")),
    ("App Engine (app.yaml)", re.compile(r"^app\.ya?ml$")),
    ("Kamal (config/deploy.yml)", re.compile(r"(?:^|/)config/deploy(?:\.[\w-]+)?\.yml$")),
    ("Capistrano", re.compile(r"(?:^|/)(?:Capfile|config/deploy\.rb)$")),
    ("Vercel (vercel.json)", re.compile(r"(?:^|/)vercel\.json$")),
    ("Netlify (netlify.toml)", re.compile(r"(?:^|/)netlify\.toml$")),
    ("Railway", re.compile(r"(?:^|/)railway\.(?:json|toml)$")),
    ("Platform.sh", re.compile(r"(?:^|/)\.platform\.app\.yaml$")),
    ("AWS CodeDeploy (appspec.yml)", re.compile(r"(?:^|/)appspec\.ya?ml$")),
    ("Serverless", re.compile(r"(?:^|/)serverless\.ya?ml$")),
    ("Helm chart", re.compile(r"(?:^|/)Chart\.yaml$")),
    ("Kustomize", re.compile(r"(?:^|/)kustomization\.ya?ml$")),
    ("Skaffold", re.compile(r"(?:^|/)skaffold\.ya?ml$")),
    ("Nixpacks", re.compile(r"(?:^|/)nixpacks\.toml$")),
    ("Ansible playbook", re.compile(r"(?:^|/)(?:playbook|deploy|site)[\w-]*\.ya?ml$")),
    (
        "deploy script",
        re.compile(
            r"(?:^|/)(?:deploy|release|ship)(?:[-_][\w-]+)?(?:\.(?:sh|bash|py|rb|ps1|js|ts|mjs))?$"
        ),
    ),
]
_COMPOSE = re.compile(r"(?:^|/)(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$")
_DOCKERFILE = re.compile(r"(?:^|/)(?:Dockerfile|Containerfile)(?:\.[\w-]+)?$")
_K8S = re.compile(r"^\s*kind:\s*(?:Deployment|StatefulSet|DaemonSet|Service|Ingress)\s*$", re.M)
_DEPLOY_WORD = re.compile(
    r"(?im)^[^#\n]*\b(?:deploy|release|kamal\s+deploy|fly(?:ctl)?\s+deploy|vercel\s+--prod|"
    r"heroku\s+container:release|helm\s+upgrade|kubectl\s+(?:apply|set\s+image|rollout)|"
    r"cap\s+production|render\s+deploy|railway\s+up|netlify\s+deploy)\b"
)
_MAKE_DEPLOY = re.compile(r"(?m)^(?:deploy|release)[\w-]*\s*:")
_PKG_DEPLOY = re.compile(r'"(?:deploy|release)[\w:-]*"\s*:')

# -- rollback ----------------------------------------------------------------------------------
_ROLLBACK = re.compile(
    r"(?i)\b(?:roll[\s-]?back|revert(?:ing)?\s+(?:the\s+|a\s+)?(?:deploy|release)|"
    r"rollout\s+undo|previous\s+(?:release|version|image)|redeploy\s+the\s+previous)"
)
_DOC_FILE = re.compile(
    r"(?i)(?:^|/)(?:readme|runbook|deploy|operations|ops|contributing)[^/]*$|^docs?/|^runbooks?/|"
    r"^ops/|^scripts/|^bin/|(?:^|/)(?:Makefile|justfile|Taskfile\.yml|package\.json)$|\.sh$"
)


def _cfg(cfg: Any, section: str, key: str, default: Any = None) -> Any:
    return getattr(getattr(cfg, section, None), key, default)


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def judge_env_committed(obs: Any) -> list[Finding]:
    if not obs.is_repo:
        return [ENV_COMMITTED.skipped(str(obs.path), "not a git repository")]
    found = [p for p in obs.tracked if is_env_file(p)]
    if not found:
        return [ENV_COMMITTED.passed(str(obs.path), "No .env-style file is tracked")]
    return [
        ENV_COMMITTED.finding(
            Status.FAIL,
            rel,
            f"{rel} is tracked by git",
            evidence=f"`git ls-files` lists {rel}",
            location=SourceLocation(rel, 1),
        )
        for rel in found
    ]


def ci_systems(files: list[str]) -> list[tuple[str, str]]:
    out = []
    for rel in files:
        for name, pattern in CI_PATTERNS:
            if pattern.search(rel):
                out.append((name, rel))
                break
    return out


def judge_ci(obs: Any) -> list[Finding]:
    found = ci_systems(obs.files)
    if not found:
        return [
            CI_MISSING.finding(
                Status.FAIL,
                str(obs.path),
                "No CI pipeline configuration in the repository",
                evidence="none of: .github/workflows/, .gitlab-ci.yml, .circleci/, Jenkinsfile, "
                "bitbucket-pipelines.yml, azure-pipelines.yml, .drone.yml, .woodpecker, "
                ".buildkite ...",
            )
        ]
    names = sorted({n for n, _ in found})
    return [
        CI_MISSING.passed(
            str(obs.path),
            f"CI: {', '.join(names)}",
            evidence=", ".join(sorted(p for _, p in found)[:5]),
        )
    ]


def deploy_paths(obs: Any) -> list[str]:
    """Every repeatable deploy path the repository shows, as 'what (where)'."""
    out: list[str] = []
    for rel in obs.files:
        for name, pattern in DEPLOY_FILES:
            if pattern.search(rel):
                out.append(f"{name} ({rel})")
                break
    if any(_DOCKERFILE.search(p) for p in obs.files):
        compose = [p for p in obs.files if _COMPOSE.search(p)]
        if compose:
            out.append(f"Dockerfile + compose ({compose[0]})")
    for rel, text in obs.texts.items():
        if rel.endswith((".yaml", ".yml")) and _K8S.search(text) and "apiVersion:" in text:
            out.append(f"Kubernetes manifest ({rel})")
        elif any(p.search(rel) for _, p in CI_PATTERNS):
            m = _DEPLOY_WORD.search(text)
            if m:
                out.append(f"pipeline deploy step ({rel}:{_line_of(text, m.start())})")
        elif rel.rsplit("/", 1)[-1] in ("Makefile", "makefile", "justfile", "Justfile"):
            m = _MAKE_DEPLOY.search(text)
            if m:
                out.append(f"{rel} target ({rel}:{_line_of(text, m.start())})")
        elif rel.endswith("package.json"):
            m = _PKG_DEPLOY.search(text)
            if m:
                out.append(f"npm script ({rel}:{_line_of(text, m.start())})")
    return sorted(set(out))


def judge_deploy(obs: Any) -> list[Finding]:
    found = deploy_paths(obs)
    if not found:
        return [
            DEPLOY_MISSING.finding(
                Status.FAIL,
                str(obs.path),
                "No deploy job, script or platform config in the repository",
                evidence="no pipeline deploy step, deploy script, fly.toml, render.yaml, Procfile, "
                "app.yaml, config/deploy.yml, vercel.json, netlify.toml, Dockerfile+compose, "
                "Kubernetes manifest or Helm chart",
            )
        ]
    return [
        DEPLOY_MISSING.passed(
            str(obs.path), f"Deploy path: {found[0]}", evidence="; ".join(found[:5])
        )
    ]


def judge_rollback(obs: Any) -> list[Finding]:
    if obs.rollback_configured:
        return [ROLLBACK_MISSING.passed(str(obs.path), "Rollback command set in [deploy] rollback")]
    for rel in sorted(obs.texts):
        if not _DOC_FILE.search(rel) and not any(p.search(rel) for _, p in CI_PATTERNS):
            continue
        text = obs.texts[rel]
        m = _ROLLBACK.search(text)
        if m:
            line = _line_of(text, m.start())
            return [
                ROLLBACK_MISSING.passed(
                    str(obs.path),
                    f"Rollback documented in {rel}",
                    evidence=f"{rel}:{line}",
                    location=SourceLocation(rel, line),
                )
            ]
    return [
        ROLLBACK_MISSING.finding(
            Status.FAIL,
            str(obs.path),
            "No rollback step: neither [deploy] rollback nor a documented one",
            evidence="no `rollback` in README, docs/, runbooks, scripts or pipelines; "
            "[deploy] rollback is not set",
        )
    ]


# -- lock files --------------------------------------------------------------------------------
# manifest file name -> (ecosystem, lock file names)
MANIFESTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "package.json": (
        "npm",
        (
            "package-lock.json",
            "npm-shrinkwrap.json",
            "yarn.lock",
            "pnpm-lock.yaml",
            "bun.lockb",
            "bun.lock",
        ),
    ),
    "pyproject.toml": (
        "Python",
        (
            "uv.lock",
            "poetry.lock",
            "pdm.lock",
            "pixi.lock",
            "Pipfile.lock",
            "requirements.lock",
            "pylock.toml",
        ),
    ),
    "Pipfile": ("Pipenv", ("Pipfile.lock",)),
    "setup.py": ("Python", ("uv.lock", "poetry.lock", "requirements.lock")),
    "Gemfile": ("Ruby", ("Gemfile.lock",)),
    "composer.json": ("PHP", ("composer.lock",)),
    "go.mod": ("Go", ("go.sum",)),
    "Cargo.toml": ("Rust", ("Cargo.lock",)),
    "mix.exs": ("Elixir", ("mix.lock",)),
    "pubspec.yaml": ("Dart", ("pubspec.lock",)),
    "Package.swift": ("Swift", ("Package.resolved",)),
}
_REQ_FILE = re.compile(r"(?:^|/)requirements[\w.-]*\.(?:txt|in)$")
_PINNED = re.compile(r"^[A-Za-z0-9_.\-\[\],]+\s*===?\s*[\w.*+!-]+")


def requirement_pins(text: str) -> tuple[int, list[str]]:
    """(number of requirement lines, the ones not pinned with ==)."""
    total, loose = 0, []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("-", "--")):
            continue
        line = line.split(";", 1)[0].strip()
        if "://" in line or line.startswith((".", "/")):
            continue  # a URL or a local path: not a version pin question
        total += 1
        if not _PINNED.match(line):
            loose.append(line)
    return total, loose


def judge_lockfiles(obs: Any) -> list[Finding]:
    files = set(obs.files)
    out: list[Finding] = []
    locked: list[str] = []
    python_pinned: set[str] = set()
    for rel in sorted(files):
        if _REQ_FILE.search(rel) and rel.endswith(".txt"):
            text = obs.texts.get(rel)
            if text is None:
                continue
            total, loose = requirement_pins(text)
            if total and not loose:
                locked.append(rel)
                python_pinned.add(posixpath.dirname(rel).removesuffix("/requirements"))
            elif loose:
                out.append(
                    LOCKFILE_MISSING.finding(
                        Status.FAIL,
                        rel,
                        f"{rel}: {len(loose)} of {total} requirements are not pinned",
                        evidence="not pinned with ==: " + ", ".join(loose[:5]),
                        location=SourceLocation(rel, 1),
                    )
                )
    for rel in sorted(files):
        name = posixpath.basename(rel)
        if name not in MANIFESTS or "node_modules/" in rel or "vendor/" in rel:
            continue
        ecosystem, locks = MANIFESTS[name]
        folder = posixpath.dirname(rel)
        if name == "go.mod" and "require" not in (obs.texts.get(rel) or "require"):
            continue
        # a lock beside the manifest or in any parent folder (workspaces, monorepos)
        parents, cur = [folder], folder
        while cur:
            cur = posixpath.dirname(cur)
            parents.append(cur)
        found = [
            posixpath.join(p, lock) if p else lock
            for p in parents
            for lock in locks
            if (posixpath.join(p, lock) if p else lock) in files
        ]
        if (
            ecosystem == "Python"
            and not found
            and any(folder == p or folder.startswith(p + "/") or p == "" for p in python_pinned)
        ):
            found = ["pinned requirements"]
        if found:
            locked.append(found[0])
        else:
            out.append(
                LOCKFILE_MISSING.finding(
                    Status.FAIL,
                    rel,
                    f"{rel} has no lock file ({ecosystem})",
                    evidence=f"none of {', '.join(locks)} next to {rel} or above it",
                    location=SourceLocation(rel, 1),
                )
            )
    if out:
        return out
    if not locked:
        return [LOCKFILE_MISSING.skipped(str(obs.path), "no dependency manifest found")]
    return [
        LOCKFILE_MISSING.passed(
            str(obs.path), f"Dependencies locked ({', '.join(sorted(set(locked))[:4])})"
        )
    ]


ALL_SPECS = (ENV_COMMITTED, CI_MISSING, DEPLOY_MISSING, ROLLBACK_MISSING, LOCKFILE_MISSING)


def judge(obs: Any, cfg: Any) -> list[Finding]:
    if obs is None or getattr(obs, "path", None) is None:
        return [s.skipped("repo", "[repo] path is not set") for s in ALL_SPECS]
    if obs.error:
        return [s.error(str(obs.path), obs.error) for s in ALL_SPECS]
    return (
        judge_env_committed(obs)
        + judge_ci(obs)
        + judge_deploy(obs)
        + judge_rollback(obs)
        + judge_lockfiles(obs)
    )
