"""The web areas against a real Django app (Django's own admin, debug pages and CSRF).

The app runs in its own process (Django settings are process-wide; other suites configure
Django differently in this one)."""

from __future__ import annotations

import urllib.request

import pytest
from support.web_django_portal import serve_django

from launchready.audit import run_audit

pytest.importorskip("django")

SITE = """[site]
url = "http://portal.launch.test"
login_url = "http://portal.launch.test/login/"
"""
BURST = "[audit]\nlogin_burst = 12\nlogin_burst_seconds = 5"


def audit(make_config, *, debug: bool, throttle: bool, only: list[str]):
    with serve_django(debug=debug, throttle=throttle) as port:
        cfg = make_config(SITE, http_port=port, extra=BURST)
        report = run_audit(cfg, only=only)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_attempts", timeout=5) as resp:
            attempts = int(resp.read())
    return {f.id: f for f in report.findings}, report, attempts


def test_django_admin_is_not_admin_open(make_config):
    _found, report, _ = audit(make_config, debug=False, throttle=False, only=["access"])
    admin = [f for f in report.findings if f.id == "access.admin-open"]
    assert admin and all(f.status == "pass" for f in admin)
    assert any("/admin/login/" in f.evidence for f in admin)


def test_debug_true_fires_exposure_debug(make_config):
    found, _, _ = audit(make_config, debug=True, throttle=False, only=["exposure"])
    f = found["exposure.debug"]
    assert f.status == "fail" and f.extra["framework"] == "Django"


def test_debug_false_has_no_debug_exposure(make_config):
    found, _, _ = audit(make_config, debug=False, throttle=False, only=["exposure"])
    assert found["exposure.debug"].status == "pass"
    assert found["exposure.file"].status == "pass"


def test_unthrottled_login_is_reported_and_csrf_held(make_config):
    found, _, attempts = audit(make_config, debug=False, throttle=False, only=["access"])
    f = found["access.ratelimit.missing"]
    assert f.status == "fail" and f.extra["attempts"] == 12
    assert attempts == 12  # every POST passed Django's CSRF check and reached the view


def test_throttled_login_is_not_reported(make_config):
    found, _, attempts = audit(make_config, debug=False, throttle=True, only=["access"])
    f = found["access.ratelimit.missing"]
    assert f.status == "pass" and "429" in f.evidence
    assert attempts == 6  # the burst stops once throttling shows
