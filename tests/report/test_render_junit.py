"""JUnit XML: valid against the Jenkins JUnit schema, counts right, hostile text survives."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema
from support.sample_report import make_report, sample_findings

from launchready.report.catalogue import CheckSpec
from launchready.report.render import render
from launchready.report.score import finalize

XSD = (Path(__file__).parent / "data" / "junit" / "jenkins-junit.xsd").read_text()
# Jenkins' JUnit plugin reads skipped/@message, which this 2010 schema predates: allow that one
# attribute in memory; everything else is validated as published.
_SKIPPED_WITH_MESSAGE = """<xs:element name="skipped">
        <xs:complexType><xs:simpleContent><xs:extension base="xs:string">
            <xs:attribute name="message" type="xs:string" use="optional"/>
        </xs:extension></xs:simpleContent></xs:complexType>
    </xs:element>"""


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    patched = XSD.replace('<xs:element name="skipped" type="xs:string"/>', _SKIPPED_WITH_MESSAGE)
    assert patched != XSD
    return xmlschema.XMLSchema(patched)


def junit_of(report) -> ET.Element:
    return ET.fromstring(render(report, "junit").encode())


def test_valid_against_the_jenkins_schema(sample_report, schema):
    schema.validate(render(sample_report, "junit"))


def test_schema_rejects_a_case_without_a_name(schema):
    # a control: the schema in use is strict enough to catch a broken report
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        schema.validate(
            '<testsuites><testsuite name="x" tests="1"><testcase/></testsuite></testsuites>'
        )


def test_one_suite_per_area_and_per_smoke_flow(sample_report):
    root = junit_of(sample_report)
    names = [s.get("name") for s in root.findall("testsuite")]
    assert names == sorted(names)
    assert "smoke.core" in names and "smoke" not in names
    assert {"tls", "headers", "secrets", "dns", "perf", "edge"} <= set(names)


def test_outcomes_and_counts(sample_report):
    root = junit_of(sample_report)
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        assert int(suite.get("errors")) == sum(1 for c in cases if c.find("error") is not None)
        assert int(suite.get("skipped")) == sum(1 for c in cases if c.find("skipped") is not None)
    assert int(root.get("tests")) == len(sample_report.findings)  # one case each here
    assert int(root.get("failures")) == 6 and int(root.get("errors")) == 1

    def case(classname, name):
        return root.find(f".//testcase[@classname='{classname}'][@name='{name}']")

    login = case("smoke.step", "core/login")
    assert login.find("failure").get("message") == "Login returned 200, expected 302"
    assert "status (200) == 302" in login.find("failure").text
    assert login.get("time") == "0.084"
    warn = case("headers.csp.missing", "https://portal.example.com/")
    assert warn.find("failure") is None and "WARN" in warn.find("system-out").text
    skipped = case("perf.latency", "GET /api/tickets")
    assert "no [perf] endpoints" in skipped.find("skipped").get("message")
    assert case("edge.none", "portal.example.com").find("error") is not None
    assert len(case("dns.resolve.failed", "portal.example.com")) == 0  # a pass is an empty case


def test_findings_on_one_case_join_into_one_failure():
    spec = CheckSpec("headers.cookie.insecure", "Insecure cookie", "high", 3, "Set flags.")
    findings = [
        spec.finding("fail", "https://p.example.com/", "sessionid lacks Secure"),
        spec.finding("fail", "https://p.example.com/", "csrftoken lacks SameSite"),
        spec.finding("warn", "https://p.example.com/", "lang cookie lacks HttpOnly"),
    ]
    root = junit_of(finalize(make_report(findings)))
    cases = root.findall(".//testcase")
    assert len(cases) == 1 and len(cases[0].findall("failure")) == 1
    failure = cases[0].find("failure")
    assert "sessionid" in failure.get("message") and "csrftoken" in failure.get("message")


def test_control_characters_and_markup_survive_as_valid_xml(schema):
    spec = CheckSpec("exposure.debug", "Debug page", "high", 1, "Turn DEBUG off.")
    nasty = spec.finding(
        "fail",
        "https://p.example.com/<x>&\"'",
        "Traceback \x1b[31mred\x1b[0m \x00 null \x0b tab ]]> end",
        evidence="line1\nline2\x07bell \ud800 lone surrogate",
    )
    text = render(finalize(make_report([nasty, *sample_findings()])), "junit")
    schema.validate(text)
    case = ET.fromstring(text.encode()).find(".//testcase[@classname='exposure.debug']")
    assert case.get("name") == "https://p.example.com/<x>&\"'"
    message = case.find("failure").get("message")
    assert "\x1b" not in message and "\x00" not in message and "\ufffd" in message
    assert "]]> end" in message
