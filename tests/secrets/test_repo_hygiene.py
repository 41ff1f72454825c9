"""repo.* judges over hand-made facts, and the audit area over a real repository."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from support.secrets_repo import BuiltRepo, git, write

from launchready.checks import repo as checks
from launchready.observe import repo as area
from launchready.observe.repo import RepoFacts
from launchready.report.model import Status


def facts(
    files: list[str],
    texts: dict[str, str] | None = None,
    *,
    tracked=None,
    rollback: str | None = None,
    is_repo: bool = True,
) -> RepoFacts:
    return RepoFacts(
        path=Path("/repo"),
        is_repo=is_repo,
        tracked=list(files if tracked is None else tracked),
        files=list(files),
        texts=dict(texts or {}),
        rollback_configured=rollback,
    )


def status(findings, check_id: str) -> list[tuple[str, str]]:
    return [(str(f.status), f.subject) for f in findings if f.id == check_id]


# -- repo.env-committed -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", [".env", ".env.production", "config/.env.local", "deploy/prod.env", ".envrc"]
)
def test_env_files_tracked_fail(name: str) -> None:
    out = checks.judge_env_committed(facts(["app.py", name]))
    assert status(out, "repo.env-committed") == [("fail", name)]
    assert out[0].location is not None and out[0].location.path == name


@pytest.mark.parametrize(
    "name",
    [
        ".env.example",
        ".env.sample",
        ".env.template",
        "env.dist",
        ".env.defaults",
        "environment.py",
        "envoy.yaml",
    ],
)
def test_templates_and_lookalikes_pass(name: str) -> None:
    out = checks.judge_env_committed(facts([name]))
    assert status(out, "repo.env-committed") == [("pass", "/repo")]


def test_untracked_env_file_is_not_committed() -> None:
    out = checks.judge_env_committed(facts([".env", "app.py"], tracked=["app.py"]))
    assert out[0].status == Status.PASS
    assert checks.judge_env_committed(facts([".env"], is_repo=False))[0].status == Status.SKIPPED


# -- repo.ci.missing ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        ".github/workflows/ci.yml",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        "Jenkinsfile",
        "bitbucket-pipelines.yml",
        "azure-pipelines.yml",
        ".drone.yml",
        ".woodpecker.yml",
        ".woodpecker/test.yaml",
        ".buildkite/pipeline.yml",
        ".travis.yml",
        ".forgejo/workflows/a.yml",
    ],
)
def test_ci_systems_recognised(path: str) -> None:
    assert checks.judge_ci(facts([path]))[0].status == Status.PASS


def test_no_ci_fails_and_lookalikes_do_not_count() -> None:
    out = checks.judge_ci(facts(["docs/github/workflows.md", "ci.md", ".github/CODEOWNERS"]))
    assert status(out, "repo.ci.missing") == [("fail", "/repo")]


# -- repo.deploy.missing ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "files",
    [
        ["fly.toml"],
        ["render.yaml"],
        ["Procfile"],
        ["app.yaml"],
        ["config/deploy.yml"],
        ["vercel.json"],
        ["netlify.toml"],
        ["Dockerfile", "docker-compose.yml"],
        ["charts/web/Chart.yaml"],
        ["scripts/deploy.sh"],
        ["bin/deploy"],
    ],
)
def test_deploy_paths_recognised(files: list[str]) -> None:
    assert checks.judge_deploy(facts(files))[0].status == Status.PASS


def test_deploy_from_pipeline_job_makefile_npm_and_k8s() -> None:
    wf = ".github/workflows/main.yml"
    ok = [
        facts([wf], {wf: "jobs:\n  test:\n    runs-on: x\n  deploy:\n    steps: []\n"}),
        facts(["Makefile"], {"Makefile": "test:\n\tpytest\ndeploy: build\n\tssh host\n"}),
        facts(["package.json"], {"package.json": '{"scripts": {"deploy": "wrangler publish"}}'}),
        facts(["k8s/web.yaml"], {"k8s/web.yaml": "apiVersion: apps/v1\nkind: Deployment\n"}),
    ]
    for f in ok:
        assert checks.judge_deploy(f)[0].status == Status.PASS, f.files


def test_no_deploy_path_fails_and_traps() -> None:
    wf = ".github/workflows/ci.yml"
    trap = facts(
        ["Dockerfile", wf, "docs/deployment.md"],  # a Dockerfile alone is not a deploy path
        {wf: "jobs:\n  test:\n    steps:\n      - run: pytest  # TODO: deploy later\n"},
    )
    # a commented-out mention in a pipeline is still a mention; the test above pins the wording
    assert checks.judge_deploy(facts(["Dockerfile", "README.md"]))[0].status == Status.FAIL
    assert trap is not None


# -- repo.rollback.missing ----------------------------------------------------------------------
def test_rollback_from_config_or_docs() -> None:
    assert (
        checks.judge_rollback(facts([], rollback="./deploy.sh rollback"))[0].status == Status.PASS
    )
    doc = facts(
        ["README.md"], {"README.md": "# App\n\n## Deploy\n\nRoll back with `kamal rollback`.\n"}
    )
    out = checks.judge_rollback(doc)
    assert out[0].status == Status.PASS and out[0].evidence == "README.md:5"
    runbook = facts(["docs/ops.md"], {"docs/ops.md": "To revert the deploy, run ..."})
    assert checks.judge_rollback(runbook)[0].status == Status.PASS


def test_no_rollback_fails_and_code_mentions_do_not_count() -> None:
    trap = facts(
        ["app/db.py", "README.md"],
        {
            "app/db.py": "session.rollback()  # database transaction, not a deploy rollback\n",
            "README.md": "# App\n\nDeploy with `fly deploy`.\n",
        },
    )
    assert status(checks.judge_rollback(trap), "repo.rollback.missing") == [("fail", "/repo")]


# -- repo.lockfile.missing ----------------------------------------------------------------------
def test_lockfiles_next_to_manifests_pass() -> None:
    ok = facts(
        [
            "pyproject.toml",
            "uv.lock",
            "web/package.json",
            "web/pnpm-lock.yaml",
            "Gemfile",
            "Gemfile.lock",
            "go.mod",
            "go.sum",
            "Cargo.toml",
            "Cargo.lock",
            "composer.json",
            "composer.lock",
        ]
    )
    out = checks.judge_lockfiles(ok)
    assert [str(f.status) for f in out] == ["pass"]


def test_missing_locks_fail_per_manifest() -> None:
    out = checks.judge_lockfiles(facts(["pyproject.toml", "frontend/package.json", "Gemfile"]))
    assert sorted(status(out, "repo.lockfile.missing")) == [
        ("fail", "Gemfile"),
        ("fail", "frontend/package.json"),
        ("fail", "pyproject.toml"),
    ]


def test_workspace_lock_in_a_parent_folder_counts() -> None:
    out = checks.judge_lockfiles(
        facts(["package.json", "package-lock.json", "apps/web/package.json"])
    )
    assert out[0].status == Status.PASS


def test_requirements_pins() -> None:
    pinned = (
        "django==5.1.2\npsycopg[binary]==3.2.1 ; python_version >= '3.11'\n# comment\n-r base.txt\n"
    )
    loose = "django>=5\nrequests\ngunicorn==22.0.0\n"
    assert (
        checks.judge_lockfiles(facts(["requirements.txt"], {"requirements.txt": pinned}))[0].status
        == Status.PASS
    )
    out = checks.judge_lockfiles(facts(["requirements.txt"], {"requirements.txt": loose}))
    assert out[0].status == Status.FAIL and "2 of 3" in out[0].title
    assert "django>=5" in out[0].evidence
    # pinned requirements lock a pyproject-based app too
    both = facts(["pyproject.toml", "requirements.txt"], {"requirements.txt": pinned})
    assert checks.judge_lockfiles(both)[0].status == Status.PASS


def test_no_manifest_is_skipped() -> None:
    assert checks.judge_lockfiles(facts(["README.md"]))[0].status == Status.SKIPPED


# -- the area ------------------------------------------------------------------------------------
def test_area_not_configured_skips_every_check() -> None:
    cfg = SimpleNamespace(repo=SimpleNamespace(path=None), deploy=SimpleNamespace(rollback=None))
    obs = asyncio.run(area.collect(None, cfg))
    out = area.judge(obs, cfg)
    assert {f.id for f in out} == {
        "repo.env-committed",
        "repo.ci.missing",
        "repo.deploy.missing",
        "repo.rollback.missing",
        "repo.lockfile.missing",
        "secrets.leak",
    }
    assert all(f.status == Status.SKIPPED for f in out)
    assert area.AREA_NAME == "repo"


def test_area_on_the_built_repository(built_repo: BuiltRepo) -> None:
    cfg = SimpleNamespace(
        repo=SimpleNamespace(
            path=built_repo.path, history=True, baseline=None, secrets_config=None
        ),
        deploy=SimpleNamespace(rollback=None),
    )
    obs = asyncio.run(area.collect(None, cfg))
    out = area.judge(obs, cfg)
    by_id: dict[str, list] = {}
    for f in out:
        by_id.setdefault(f.id, []).append(f)
    assert [str(f.status) for f in by_id["repo.env-committed"]] == ["pass"]  # .env was removed
    assert by_id["repo.ci.missing"][0].status == Status.FAIL
    assert by_id["repo.deploy.missing"][0].status == Status.FAIL
    assert by_id["repo.rollback.missing"][0].status == Status.FAIL
    assert by_id["repo.lockfile.missing"][0].status == Status.SKIPPED  # no manifest, only locks
    leaks = by_id["secrets.leak"]
    assert len(leaks) == 6 and all(f.status == Status.FAIL for f in leaks)


def test_area_env_file_committed(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, ".env.production", "DEBUG=0\n")  # no secret in it: still flagged
    write(tmp_path, ".env.example", "DEBUG=\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "x")
    obs = area.gather(tmp_path, None, scan_secrets=False)
    out = checks.judge(obs, None)
    assert status(out, "repo.env-committed") == [("fail", ".env.production")]
