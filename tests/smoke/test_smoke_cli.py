"""`launchready smoke` end to end against the Django site: rollback exactly on failure, exit
codes 0/1/2/4/5, read-only mode, the text step table and the Hurl export."""

from __future__ import annotations

import json
import os
from pathlib import Path

from smoke_helpers import EXAMPLES, REPO, run_cli

FLOW = str(EXAMPLES / "django-admin.smoke.toml")


def test_rollback_runs_exactly_on_failure(django_site, tmp_path):
    log = tmp_path / "rollbacks.log"
    hook = f'echo "$LAUNCHREADY_FAILED_STEP $LAUNCHREADY_REPORT" >> {log}'
    ok = run_cli(["smoke", FLOW, "--on-fail", hook, "-f", "json"], django_site.env(), tmp_path)
    assert ok.returncode == 0 and not log.exists()
    bad = run_cli(
        ["smoke", FLOW, "--on-fail", hook, "-f", "json"],
        django_site.env(LR_PASSWORD="not-the-password"),
        tmp_path,
    )
    assert bad.returncode == 4, bad.stderr
    (line,) = log.read_text().splitlines()
    step, report_path = line.split(" ", 1)
    assert step == "django-admin.smoke/login"
    assert json.loads(Path(report_path).read_text())["gate"] == "fail"
    report = json.loads(bad.stdout)
    (rollback,) = [f for f in report["findings"] if f["id"] == "deploy.rollback"]
    assert rollback["status"] == "pass"


def test_failed_rollback_exits_5_and_no_rollback_exits_1(django_site, tmp_path):
    env = django_site.env(LR_PASSWORD="not-the-password")
    proc = run_cli(["smoke", FLOW, "--on-fail", "exit 3", "-f", "json"], env, tmp_path)
    assert proc.returncode == 5
    proc = run_cli(["smoke", FLOW, "-f", "text"], env, tmp_path)
    assert proc.returncode == 1
    table = proc.stdout
    assert table.startswith("launchready smoke: gate fail")
    assert (
        "FAIL  django-admin.smoke/login" in table and "skip  django-admin.smoke/dashboard" in table
    )
    assert "expect status == 302: expected == 302, actual 200" in table
    assert "django-login.toml:11" in table  # where the failing step is defined


def test_read_only_never_writes(django_site, tmp_path):
    from smokeportal.tickets.models import Ticket

    before = Ticket.objects.count()
    proc = run_cli(["smoke", FLOW, "--read-only", "-f", "json"], django_site.env(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    steps = {f["step"]: f["status"] for f in json.loads(proc.stdout)["findings"]}
    assert steps["login"] == "pass" and steps["dashboard"] == "pass"
    assert steps["create"] == "skipped" and steps["change-form"] == "skipped"
    assert Ticket.objects.count() == before


def test_usage_errors_exit_2_naming_file_and_line(django_site, tmp_path):
    env = django_site.env()
    del env["LR_PASSWORD"]
    proc = run_cli(["smoke", FLOW], env, tmp_path)
    assert proc.returncode == 2
    assert "LR_PASSWORD" in proc.stderr and "django-login.toml:11" in proc.stderr
    proc = run_cli(["smoke"], env, tmp_path)  # no flows, no config
    assert proc.returncode == 2 and "no flows" in proc.stderr
    cfg = tmp_path / "launchready.toml"
    cfg.write_text('[site]\nurl = "http://127.0.0.1:9"\n[smoke]\nflows = ["smoke/*.toml"]\n')
    proc = run_cli(["smoke", "-c", str(cfg)], env, tmp_path)
    assert proc.returncode == 2 and "smoke.flows[0]" in proc.stderr and ":4" in proc.stderr


def test_flows_come_from_the_config_in_order(django_site, tmp_path):
    (tmp_path / "smoke").mkdir()
    for name in ("b-second", "a-first"):
        (tmp_path / "smoke" / f"{name}.toml").write_text(
            'base_url = "${LR_BASE_URL}"\n[[step]]\nid = "health"\n'
            'request = { url = "/healthz" }\nexpect = ["json status == pass"]\n'
        )
    cfg = tmp_path / "launchready.toml"
    cfg.write_text(f'[site]\nurl = "{django_site.url}"\n[smoke]\nflows = ["smoke/*.toml"]\n')
    proc = run_cli(["smoke", "-c", str(cfg), "-f", "json"], django_site.env(), REPO)
    assert proc.returncode == 0, proc.stderr
    subjects = [f["subject"] for f in json.loads(proc.stdout)["findings"]]
    assert subjects == ["a-first/health", "b-second/health"]


def test_export_hurl(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = tmp_path / "journey.hurl"
    proc = run_cli(["smoke", FLOW, "--export", "hurl", "-o", str(out)], env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    hurl = out.read_text()
    assert "POST {{base_url}}/admin/login/?next=/admin/" in hurl
    assert "[FormParams]\nusername: {{LR_USERNAME}}\npassword: {{LR_PASSWORD}}" in hurl
    assert "csrfmiddlewaretoken: {{csrf_token}}" in hurl
    assert 'csrf_token: xpath "string((descendant-or-self::input[@name = ' in hurl
    assert 'header "Location" matches "^/admin/$"' in hurl
    assert "HTTP 302" in hurl and 'record_url: header "Location"' in hurl
    assert "# --- finally" in hurl
    assert "GET {{base_url}}{{record_url}}\n" in hurl  # Hurl needs absolute URLs
    assert "{{LR_TEXT_FIELD}}: launchready-smoke record\n" in hurl
    assert "${" not in hurl.split("# base_url in the flow", 1)[1].split("\n", 1)[1]


def test_smoke_before_dns_cutover_through_connect_to(django_site, tmp_path):
    """The public name in URLs, Host and subjects; the connection goes to the new stack."""
    cfg = tmp_path / "launchready.toml"
    cfg.write_text(
        '[site]\nurl = "http://portal.test"\n'
        f'[network]\nconnect_to = [":80:127.0.0.1:{django_site.port}"]\n'
    )
    env = django_site.env(LR_BASE_URL="http://portal.test")
    proc = run_cli(["smoke", "-c", str(cfg), FLOW, "-f", "json"], env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["target"] == "http://portal.test"
    urls = {f["url"] for f in report["findings"] if f["id"] == "smoke.step" and f["url"]}
    assert urls and all(u.startswith("http://portal.test/") for u in urls)
