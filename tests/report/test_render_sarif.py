"""SARIF 2.1.0: valid against the official OASIS schema, and what GitHub code scanning needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from support.sample_report import make_report, sample_findings

from launchready.config import parse_config
from launchready.report.catalogue import CheckSpec
from launchready.report.render import render
from launchready.report.render.sarif import Anchors, subject_host
from launchready.report.score import finalize

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text()
)
CONFIG = """\
[site]
url = "https://portal.example.com"
apex = "example.com"

[site.hosts]
app = "portal.example.com"
admin = "admin.example.com"

[repo]
path = "."
"""


def sarif_of(report, config=None) -> dict:
    return json.loads(render(report, "sarif", config=config))


def test_valid_against_the_official_schema(sample_report):
    errors = sorted(Draft7Validator(SCHEMA).iter_errors(sarif_of(sample_report)), key=str)
    assert errors == []


def test_schema_catches_a_broken_log():
    # a control: the committed schema really rejects what GitHub would reject
    broken = sarif_of(finalize(make_report(sample_findings())))
    broken["runs"][0]["results"][0]["level"] = "critical"
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(Draft7Validator(SCHEMA).iter_errors(broken))) >= 2


def test_driver_and_rules(sample_report):
    run = sarif_of(sample_report)["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "launchready" and driver["version"] and driver["informationUri"]
    rules = {r["id"]: r for r in driver["rules"]}
    leak = rules["secrets.leak"]
    assert leak["shortDescription"]["text"] and leak["fullDescription"]["text"]
    assert leak["help"]["text"] and leak["help"]["markdown"]
    assert "security" in leak["properties"]["tags"]
    assert leak["properties"]["security-severity"] == "9.5"
    for rule in driver["rules"]:
        severity = rule["properties"]["security-severity"]
        assert isinstance(severity, str) and 0.0 <= float(severity) <= 10.0
    assert rules["headers.version-leak"]["properties"]["security-severity"] == "3.0"
    assert rules["tls.cert.expired"]["properties"]["security-severity"] >= "9.0"


def test_results_only_for_fail_and_warn_with_levels_by_tier(sample_report):
    run = sarif_of(sample_report)["runs"][0]
    problems = [f for f in sample_report.findings if f.is_problem]
    assert len(run["results"]) == len(problems)
    levels = {(r["ruleId"], r["properties"]["subject"]): r["level"] for r in run["results"]}
    assert levels[("smoke.step", "core/login")] == "error"  # tier 0
    assert levels[("tls.cert.expired", "admin.example.com:443")] == "error"  # tier 1
    assert levels[("repo.rollback.missing", ".")] == "warning"  # tier 2
    assert levels[("headers.hsts.missing", "https://portal.example.com/")] == "warning"  # 3
    assert levels[("headers.version-leak", "https://portal.example.com/")] == "note"  # tier 4
    rules = run["tool"]["driver"]["rules"]
    by_fp = {f.fingerprint: f for f in problems}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        finding = by_fp[result["partialFingerprints"]["launchready/v1"]]
        assert finding.subject in result["message"]["text"]


def test_every_result_has_a_physical_location_even_without_config(sample_report):
    for result in sarif_of(sample_report)["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"]
        assert physical["region"]["startLine"] >= 1
        assert not physical["artifactLocation"]["uri"].startswith("/")
    locs = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]
        for r in sarif_of(sample_report)["runs"][0]["results"]
    }
    assert locs["secrets.leak"]["artifactLocation"]["uri"] == "portal/settings.py"
    assert locs["secrets.leak"]["region"]["startLine"] == 12
    assert locs["tls.cert.expired"]["artifactLocation"]["uri"] == "launchready.toml"


def test_results_anchor_to_the_config_line_that_declares_the_host(tmp_path, monkeypatch):
    (tmp_path / "ops").mkdir()
    cfg_path = tmp_path / "ops" / "launchready.toml"
    cfg_path.write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    cfg = parse_config(CONFIG, path=cfg_path)
    report = finalize(make_report(sample_findings()))
    results = sarif_of(report, cfg)["runs"][0]["results"]
    where = {
        (r["ruleId"], r["properties"]["subject"]): (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    }
    assert where[("tls.cert.expired", "admin.example.com:443")] == ("ops/launchready.toml", 7)
    assert where[("headers.hsts.missing", "https://portal.example.com/")] == (
        "ops/launchready.toml",
        2,
    )
    assert where[("dns.caa.missing", "example.com")] == ("ops/launchready.toml", 3)
    assert where[("email.dmarc.policy-none", "_dmarc.example.com")] == ("ops/launchready.toml", 3)
    assert where[("repo.rollback.missing", ".")] == ("ops/launchready.toml", 9)  # [repo]
    assert where[("smoke.step", "core/login")] == ("ops/launchready.toml", 1)
    assert where[("secrets.leak", "portal/settings.py:12")] == ("portal/settings.py", 12)


@pytest.mark.parametrize(
    ("subject", "host"),
    [
        ("https://Portal.example.com:8443/login?x=1", "portal.example.com"),
        ("admin.example.com:443", "admin.example.com"),
        ("example.com", "example.com"),
        ("127.0.0.1:8443", "127.0.0.1"),
        ("GET /api/tickets", None),
        ("core/login", None),
        ("portal/settings.py:12", None),
        ("abc123:portal/settings.py:4", None),
        (".", None),
    ],
)
def test_subject_host(subject, host):
    assert subject_host(subject) == host


def test_anchor_prefers_exact_host_then_closest_parent():
    cfg = parse_config(CONFIG)
    anchors = Anchors(cfg)
    assert anchors.line_for({"id": "dns.x", "subject": "admin.example.com"}) == 7
    assert anchors.line_for({"id": "dns.x", "subject": "deep.admin.example.com"}) == 7
    assert anchors.line_for({"id": "dns.x", "subject": "other.example.com"}) == 3
    assert anchors.line_for({"id": "dns.x", "subject": "unrelated.test"}) == 1


def test_unknown_check_ids_still_get_a_rule():
    odd = CheckSpec("newarea.thing", "Brand new", "high", 3, "Do it.").finding("fail", "x.y")
    run = sarif_of(finalize(make_report([odd])))["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "newarea.thing" in ids
    assert run["results"][0]["ruleIndex"] == ids.index("newarea.thing")
    assert not list(Draft7Validator(SCHEMA).iter_errors(sarif_of(finalize(make_report([odd])))))


def test_same_report_same_sarif(sample_report):
    assert render(sample_report, "sarif") == render(sample_report, "sarif")


def test_results_capped_at_githubs_limit_keeping_the_top(monkeypatch):
    from launchready.report.render import sarif

    monkeypatch.setattr(sarif, "MAX_RESULTS", 3)
    run = sarif_of(finalize(make_report(sample_findings())))["runs"][0]
    assert [r["properties"]["rank"] for r in run["results"]] == [1, 2, 3]
    assert run["properties"]["results_dropped"] == 7
