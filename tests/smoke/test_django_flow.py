"""The Django admin example flow against a real Django admin on loopback (PostgreSQL-backed)."""

from __future__ import annotations

import json

from smoke_helpers import EXAMPLES, run_cli

FLOW = str(EXAMPLES / "django-admin.smoke.toml")


def _steps(report: dict) -> dict[str, dict]:
    return {f["step"]: f for f in report["findings"] if f["id"] == "smoke.step"}


def test_example_flow_runs_green(django_site, tmp_path):
    from smokeportal.tickets.models import Ticket
    from smokeportal.urls import REQUESTS

    before = Ticket.objects.count()
    REQUESTS.clear()
    proc = run_cli(["smoke", FLOW, "--format", "json"], django_site.env(), tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    steps = _steps(report)
    assert report["gate"] == "pass"
    assert [f["status"] for f in steps.values()] == ["pass"] * 15
    assert steps["create"]["subject"] == "django-admin.smoke/create"
    assert steps["login"]["tier"] == 0
    assert isinstance(steps["update"]["duration_ms"], float)
    assert steps["update"]["expectations"][0] == {
        "expect": "status == 302",
        "ok": True,
        "expected": "== 302",
        "actual": "302",
    }
    # the record was created, updated, then deleted by the finally steps
    assert Ticket.objects.count() == before
    # after logout the old session id was replayed, and refused (session-ended passed)
    logout = REQUESTS.index(next(r for r in REQUESTS if r[:2] == ("POST", "/admin/logout/")))
    dashboard_session = next(r[2] for r in REQUESTS if r[:2] == ("GET", "/admin/") and r[2])
    assert REQUESTS[logout + 1] == ("GET", "/admin/", dashboard_session)


def test_wrong_password_fails_login_and_skips_the_rest(django_site, tmp_path):
    env = django_site.env(LR_PASSWORD="wrong-password-123")
    proc = run_cli(["smoke", FLOW, "--format", "json"], env, tmp_path)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    steps = _steps(report)
    assert steps["login-page"]["status"] == "pass"
    login = steps["login"]
    assert login["status"] == "fail"
    # every expectation of the failing step is reported, expected vs actual
    assert [(e["expect"], e["ok"], e["actual"]) for e in login["expectations"]] == [
        ("status == 302", False, "200"),
        ("header Location matches ^/admin/$", False, "<missing>"),
    ]
    later = ["dashboard", "add-form", "create", "update", "logout", "session-ended"]
    assert all(steps[s]["status"] == "skipped" for s in later)
    assert report["gate"] == "fail"
    assert "wrong-password-123" not in proc.stdout + proc.stderr
