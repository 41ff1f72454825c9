"""`launchready verify` against the real Django site whose reported version changes during the
run: one test per exit code (0, 1, 3, 4, 5), the ledger, and the rollback environment."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from smoke_helpers import EXAMPLES, run_cli


def _config(site, folder: Path, *, rollback: str | None = None) -> Path:
    text = f"""
[site]
url = "{site.url}"

[smoke]
flows = ["{EXAMPLES / "django-admin.smoke.toml"}"]

[deploy]
version_url = "{site.url}/version"
version_field = "build.version"
health_url = "{site.url}/healthz"
poll_interval = 0.2
"""
    if rollback:
        text += f"rollback = {json.dumps(rollback)}\n"
    path = folder / "launchready.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _switch_after_first_poll(site, new_version: str) -> threading.Thread:
    """Deploy `new_version` once `verify` has seen the old one (its first /version request)."""
    from smokeportal.urls import VERSION_POLLS

    VERSION_POLLS.clear()

    def switch() -> None:
        if VERSION_POLLS.wait(30):
            site.set_version(new_version)

    thread = threading.Thread(target=switch, daemon=True)
    thread.start()
    return thread


def _ledger(folder: Path) -> list[dict]:
    path = folder / ".launchready" / "deploys.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def _verify(site, folder: Path, *args: str):
    cfg = _config(site, folder)
    proc = run_cli(
        ["verify", "-c", str(cfg), "--format", "json", *args], site.env(), folder, timeout=90
    )
    report = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc, report


def _by_id(report: dict, check_id: str) -> list[dict]:
    return [f for f in report["findings"] if f["id"] == check_id]


def test_exit_0_when_the_new_version_appears_and_smoke_passes(django_site, tmp_path):
    django_site.set_version("v1")
    marker = tmp_path / "rolled-back"
    switch = _switch_after_first_poll(django_site, "abc1234def5678")
    proc, report = _verify(
        django_site,
        tmp_path,
        "--expect-version",
        "abc1234",  # short SHA prefix of what the site reports
        "--timeout",
        "20",
        "--on-fail",
        f"touch {marker}",
    )
    switch.join(5)
    assert proc.returncode == 0, proc.stderr
    (version,) = _by_id(report, "deploy.version")
    assert version["status"] == "pass"
    assert version["seen"][0] == "v1" and version["seen"][-1] == "abc1234def5678"
    assert _by_id(report, "deploy.health")[0]["status"] == "pass"
    assert {f["status"] for f in _by_id(report, "smoke.step")} == {"pass"}
    assert not marker.exists()  # the rollback runs only on failure
    (entry,) = _ledger(tmp_path)
    assert entry["result"] == "pass" and entry["version"] == "abc1234"
    assert entry["url"] == django_site.url and entry["exit_code"] == 0
    assert isinstance(entry["score"], int)


def test_exit_3_when_the_version_never_appears(django_site, tmp_path):
    django_site.set_version("v1")
    switch = _switch_after_first_poll(django_site, "v1-hotfix")  # another build, not ours
    proc, report = _verify(django_site, tmp_path, "--expect-version", "v2", "--timeout", "1.5")
    switch.join(5)
    assert proc.returncode == 3, proc.stderr
    assert report["gate"] == "inconclusive"
    (version,) = _by_id(report, "deploy.version")
    assert version["status"] == "fail" and version["reported"] == "v1-hotfix"
    assert version["seen"] == ["v1", "v1-hotfix"]
    assert not _by_id(report, "smoke.step")  # nothing ran against the wrong build
    assert _ledger(tmp_path)[0]["result"] == "inconclusive"


def test_exit_1_when_smoke_fails_and_no_rollback_is_configured(django_site, tmp_path):
    django_site.set_version("broken-2")
    proc, report = _verify(django_site, tmp_path, "--expect-version", "broken-2", "--timeout", "5")
    assert proc.returncode == 1, proc.stderr
    steps = {f["step"]: f for f in _by_id(report, "smoke.step")}
    assert steps["dashboard"]["status"] == "fail"
    assert steps["dashboard"]["attempts"] == 2  # an idempotent GET with retries = 1
    assert steps["create"]["status"] == "skipped"
    assert _by_id(report, "deploy.rollback")[0]["status"] == "skipped"
    assert _ledger(tmp_path)[0]["result"] == "fail"


def test_exit_4_rolls_back_and_reverifies_the_previous_version(django_site, tmp_path):
    django_site.set_version("v1")
    env_dump = tmp_path / "rollback-env.txt"
    rollback = (
        f'printf %s "$LAUNCHREADY_PREVIOUS_VERSION" > {django_site.version_file} && '
        f"env | grep ^LAUNCHREADY_ | sort >> {env_dump}"
    )
    switch = _switch_after_first_poll(django_site, "broken-3")
    proc, report = _verify(
        django_site,
        tmp_path,
        "--expect-version",
        "broken-3",
        "--timeout",
        "20",
        "--on-fail",
        rollback,
    )
    switch.join(5)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert django_site.version_file.read_text() == "v1"
    lines = env_dump.read_text().splitlines()
    env = dict(line.split("=", 1) for line in lines)
    assert sum(line.startswith("LAUNCHREADY_FAILED_VERSION=") for line in lines) == 1  # once
    assert env["LAUNCHREADY_FAILED_VERSION"] == "broken-3"
    assert env["LAUNCHREADY_PREVIOUS_VERSION"] == "v1"  # seen before the switch
    assert env["LAUNCHREADY_FAILED_STEP"] == "django-admin.smoke/dashboard"
    saved = json.loads(Path(env["LAUNCHREADY_REPORT"]).read_text())
    assert saved["command"] == "verify" and saved["gate"] == "fail"
    (reverify,) = _by_id(report, "deploy.reverify")
    assert reverify["status"] == "pass"
    statuses = {s["step"].split("/")[1]: s["status"] for s in reverify["steps"]}
    # read-only: logs in and looks around, never creates or updates twice
    assert statuses["login"] == "pass" and statuses["dashboard"] == "pass"
    assert statuses["create"] == "skipped" and statuses["update"] == "skipped"
    assert _ledger(tmp_path)[0]["result"] == "rolled-back"


@pytest.mark.parametrize(
    ("rollback", "why"),
    [("echo rollback broke >&2; exit 7", "rollback"), ("true", "reverify")],
)
def test_exit_5_when_rollback_or_reverify_fails(django_site, tmp_path, rollback, why):
    django_site.set_version("broken-4")
    proc, report = _verify(
        django_site,
        tmp_path,
        "--expect-version",
        "broken-4",
        "--timeout",
        "1",
        "--previous-version",
        "v1",
        "--on-fail",
        rollback,
    )
    assert proc.returncode == 5, proc.stdout + proc.stderr
    (rb,) = _by_id(report, "deploy.rollback")
    if why == "rollback":
        assert rb["status"] == "fail" and rb["exit_code"] == 7
        assert "rollback broke" in rb["evidence"]
        assert not _by_id(report, "deploy.reverify")
    else:
        assert rb["status"] == "pass"
        (reverify,) = _by_id(report, "deploy.reverify")
        assert reverify["status"] == "fail"
        assert "never appeared" in reverify["evidence"]
    assert _ledger(tmp_path)[0]["result"] == "rollback-failed"


def test_verify_without_version_url_is_a_config_error(django_site, tmp_path):
    cfg = tmp_path / "launchready.toml"
    cfg.write_text(f'[site]\nurl = "{django_site.url}"\n\n[deploy]\nhealth_url = "x"\n')
    proc = run_cli(
        ["verify", "-c", str(cfg), "--expect-version", "v1"], django_site.env(), tmp_path
    )
    assert proc.returncode == 2
    assert "deploy.version_url" in proc.stderr and "launchready.toml" in proc.stderr
