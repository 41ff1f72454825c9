"""site.login_flow in the audit: the login journey is judged first, and its failure is never
hidden behind a pass of the checks that needed the logged-in session."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from launchready.audit import run_audit
from launchready.cli import _load_commands, app
from launchready.config import load_config
from launchready.report import Status
from launchready.world import World

_load_commands()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with World() as world:
        yield world, world.write_config(tmp_path_factory.mktemp("demo"))


def test_login_journey_passes_and_session_cookie_is_judged(demo):
    _, config = demo
    report = run_audit(load_config(config), only=["smoke", "headers"])
    steps = {f.subject: f.status for f in report.findings if f.id == "smoke.step"}
    assert steps == {"login/login-page": Status.PASS, "login/login": Status.PASS}
    cookie = [f for f in report.findings if f.id == "headers.cookie.insecure"]
    assert any(f.status == Status.FAIL and "sessionid" in f.subject for f in cookie)


def test_wrong_password_fails_the_journey_first_and_turns_passes_into_errors(demo, tmp_path):
    _, config = demo
    folder = tmp_path / "wrong"
    folder.mkdir()
    for name in ("launchready.toml", "ca.pem"):
        (folder / name).write_text((config.parent / name).read_text())
    flow = (config.parent / "login.toml").read_text().replace("demo-password", "not-it")
    (folder / "login.toml").write_text(flow)
    report = run_audit(load_config(folder / "launchready.toml"), only=["smoke", "headers"])
    first = report.problems[0]
    assert (first.id, first.subject, first.tier) == ("smoke.step", "login/login", 0)
    cookie = [f for f in report.findings if f.id == "headers.cookie.insecure"]
    assert cookie and all(f.status != Status.PASS for f in cookie)


def test_unloadable_login_flow_is_a_config_error(demo, tmp_path):
    _, config = demo
    text = config.read_text().replace('login_flow = "login.toml"', 'login_flow = "broken.toml"')
    (tmp_path / "launchready.toml").write_text(text)
    (tmp_path / "ca.pem").write_text((config.parent / "ca.pem").read_text())
    (tmp_path / "broken.toml").write_text('name = "x"\n[[step]]\nid = \n')
    result = CliRunner().invoke(app, ["audit", "-c", str(tmp_path / "launchready.toml")])
    assert result.exit_code == 2
    assert "broken.toml" in result.output and "Traceback" not in result.output


def test_no_login_flow_is_skipped(tmp_path: Path):
    path = tmp_path / "launchready.toml"
    path.write_text('[site]\nurl = "https://portal.launch.test"\n')
    report = run_audit(load_config(path), only=["smoke"])
    assert [(f.id, f.status) for f in report.findings] == [("smoke.step", Status.SKIPPED)]
