"""No format carries a registered secret, in any encoding the format itself would produce."""

from __future__ import annotations

import html
import json
from xml.sax.saxutils import escape as xml_escape

import pytest
from support.sample_report import make_report, sample_findings

from launchready.redact import MASK, REDACTOR
from launchready.report.catalogue import CheckSpec
from launchready.report.render import FORMATS, render
from launchready.report.render.markdown import escape as md_escape
from launchready.report.score import finalize

# Characters every format escapes differently: & < > " ' | * _ \
SECRET = 'Zq9&s3cr<et>|"pa_ss*\\word'


@pytest.fixture(scope="module")
def leaky_report():
    REDACTOR.add(SECRET)
    spec = CheckSpec("smoke.step", "Smoke step", "high", 0, "Fix it.")
    leak = spec.finding(
        "fail",
        "core/login",
        f"Login rejected password {SECRET}",
        evidence=f"form: password={SECRET}&next=/admin/",
        flow="core",
        sent={"password": SECRET},
    )
    return finalize(make_report([leak, *sample_findings()]))


def _forms(value: str) -> set[str]:
    return {
        value,
        html.escape(value),
        html.escape(value, quote=False),
        xml_escape(value),
        json.dumps(value)[1:-1],
        md_escape(value),
        "Zq9&amp;s3cr",  # any escaped prefix long enough to recover it
        "s3cr&lt;et",
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_leaks_a_registered_secret(leaky_report, fmt):
    out = render(leaky_report, fmt)
    for form in _forms(SECRET):
        assert form not in out, (fmt, form)
    assert MASK in out or md_escape(MASK) in out  # the mark shows where the secret was


@pytest.mark.parametrize("fmt", FORMATS)
def test_scrub_of_the_output_is_idempotent(leaky_report, fmt):
    # the CLI scrubs once more on write; that second pass must not change a clean rendering
    out = render(leaky_report, fmt)
    assert REDACTOR.scrub(out) == out
