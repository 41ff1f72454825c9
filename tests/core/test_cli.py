"""The CLI contract: exit codes, one-line errors, reports written for every exit but 2."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from launchready.cli import _load_commands, app

_load_commands()
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "launchready.toml"
    path.write_text(text)
    return path


def test_help_lists_every_contract_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("audit", "demo", "secrets", "smoke", "verify", "perf", "env", "init"):
        assert command in result.output


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[site]\nurl = "https://a.example"\n[netwrk]\ntimeout = 1\n', ":3: [netwrk]: unknown key"),
        ('[site]\nurl = "https://a.example"\n[network]\ntimeout = -1\n', "[network.timeout]"),
    ],
)
def test_bad_config_exits_2_with_one_clear_line(tmp_path, text, needle):
    path = write(tmp_path, text)
    out = tmp_path / "report.json"
    result = invoke("audit", "-c", str(path), "-o", str(out), "--no-progress")
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # no report on exit 2


def test_missing_config_file_exits_2(tmp_path):
    result = invoke("audit", "-c", str(tmp_path / "nope.toml"))
    assert result.exit_code == 2 and "config file not found" in result.output


def test_unknown_area_and_fail_on_are_usage_errors(tmp_path):
    path = write(tmp_path, '[site]\nurl = "https://a.example"\n')
    assert invoke("audit", "-c", str(path), "--only", "dnss").exit_code == 2
    assert invoke("audit", "-c", str(path), "--fail-on", "severe").exit_code == 2


def _dead_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_nameserver_is_inconclusive_exit_3_with_report(tmp_path):
    port = _dead_udp_port()
    path = write(
        tmp_path,
        '[site]\nurl = "https://portal.launch.test"\n[network]\n'
        f'nameservers = ["127.0.0.1:{port}"]\ntimeout = 0.3\n',
    )
    out = tmp_path / "report.json"
    result = invoke("audit", "-c", str(path), "-o", str(out), "--format", "json", "--no-progress")
    assert result.exit_code == 3
    report = json.loads(out.read_text())
    assert report["gate"] == "inconclusive"
    statuses = {f["id"]: f["status"] for f in report["findings"]}
    assert statuses["dns.resolve.failed"] == "error"


def test_every_command_is_built_and_documents_itself():
    # No command may pretend to work or be a stub: each has its own help and options.
    for command in (
        ("secrets",),
        ("smoke",),
        ("verify",),
        ("perf",),
        ("env", "check"),
        ("audit",),
        ("demo",),
        ("init",),
    ):
        result = invoke(*command, "--help")
        assert result.exit_code == 0, command
        assert "not built yet" not in result.output
        assert "--help" in result.output and len(result.output.splitlines()) > 5, command


def test_init_writes_a_config_that_loads(tmp_path):
    from launchready.config import load_config

    target = tmp_path / "launchready.toml"
    assert invoke("init", str(target)).exit_code == 0
    assert load_config(target).site.url == "https://portal.example.com"
    assert invoke("init", str(target)).exit_code == 2  # no silent overwrite


def test_writing_to_a_device_keeps_the_device(tmp_path):
    import os
    import stat

    from launchready.cli.output import write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        write_text('{"x": 1}', fifo)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # not replaced by a regular file
        assert os.read(reader, 100) == b'{"x": 1}'
    finally:
        os.close(reader)
    write_text("discard", Path("/dev/null"))
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_only_secrets_runs_the_repo_pass_and_reports_secrets_only(tmp_path):
    import subprocess

    repo = tmp_path / "app"
    repo.mkdir()
    token = "ghp_" + "Zq8mX2vN4bR7tY1uW3eK5sD9fG6hJ0lP2aQ4"
    (repo / "settings.py").write_text(f'GITHUB_TOKEN = "{token}"\n')
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    path = write(tmp_path, '[site]\nurl = "https://portal.launch.test"\n[repo]\npath = "app"\n')
    out = tmp_path / "report.json"
    result = invoke("audit", "-c", str(path), "--only", "secrets", "-o", str(out), "-f", "json")
    report = json.loads(out.read_text())
    assert result.exit_code == 1
    assert {f["area"] for f in report["findings"]} == {"secrets"}
    leak = next(f for f in report["findings"] if f["status"] == "fail")
    assert leak["subject"] == "settings.py:1" and token not in out.read_text()
