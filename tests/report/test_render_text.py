"""Text, JSON and Markdown renderings: verdict first, order kept, content escaped, size capped."""

from __future__ import annotations

import json
import re

import pytest
from support.sample_report import make_report, sample_findings

from launchready.report.catalogue import CheckSpec
from launchready.report.render import render
from launchready.report.render.markdown import escape, github_outputs
from launchready.report.score import finalize


def test_text_verdict_first_then_score_and_cap(sample_report):
    lines = render(sample_report, "text").splitlines()
    assert lines[0] == "NOT READY - gate failed: 2 critical and 2 high findings"
    assert lines[1].startswith("Score 35/100, grade F (not ready) - capped at 40: ")


def test_text_fix_list_in_rank_order_with_evidence_and_fix(sample_report):
    text = render(sample_report, "text")
    ranks = [int(m) for m in re.findall(r"^\s*(\d+)\. ", text, re.M)]
    assert ranks == list(range(1, 11))
    login = text.index("smoke.step  core/login")
    assert login < text.index("secrets.leak") < text.index("headers.version-leak")
    assert "evidence: notAfter=2026-11-15T00:00:00Z" in text and "fix: Renew it." in text
    assert "Could not check (1)" in text and "Checks by area" in text


def test_text_is_plain_and_fits_100_columns(sample_report):
    text = render(sample_report, "text")
    assert "\x1b" not in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_text_treats_report_content_as_text_not_markup():
    spec = CheckSpec("headers.x", "x", "high", 3, "[/] fix")
    finding = spec.finding("fail", "https://p.example.com/[bold]", "[red]Title[/red] [/]")
    text = render(finalize(make_report([finding])), "text")
    assert "[red]Title[/red] [/]" in text and "https://p.example.com/[bold]" in text


def test_text_when_gate_passes_and_when_inconclusive():
    ok = finalize(make_report([CheckSpec("dns.a", "a", "low", 3, "").passed("example.com")]))
    assert render(ok, "text").startswith("READY - gate passed\nScore 100/100, grade A (ready)")
    gone = finalize(make_report([]), inconclusive=True)
    first = render(gone, "text").splitlines()[0]
    assert first.startswith("INCONCLUSIVE - ") and "Score: n/a" in render(gone, "text")
    why = finalize(make_report([]), inconclusive="no nameserver answered")
    assert render(why, "text").startswith("INCONCLUSIVE - no nameserver answered\n")


def test_json_is_the_report_dict_in_model_order(sample_report):
    text = render(sample_report, "json")
    data = json.loads(text)
    assert data == json.loads(json.dumps(sample_report.to_dict()))
    assert list(data)[:3] == ["schema", "tool", "command"]
    assert data["score_model"]["caps_applied"][0]["cap"] == 40
    assert data["fail_on"] == "high"
    assert [f["rank"] for f in data["findings"][:10]] == list(range(1, 11))
    assert render(sample_report, "json") == text  # stable


def test_unknown_format_is_refused(sample_report):
    with pytest.raises(ValueError, match="unknown format"):
        render(sample_report, "pdf")


# --- markdown ------------------------------------------------------------------------------


def test_markdown_verdict_first_headings_from_h3(sample_report):
    md = render(sample_report, "markdown")
    assert md.startswith("### ❌ NOT READY - gate failed: 2 critical and 2 high findings\n")
    headings = re.findall(r"^(#+) ", md, re.M)
    assert headings and min(len(h) for h in headings) >= 3
    assert md.count("<details>") == md.count("</details>") >= 2


def test_markdown_escapes_pipes_and_html():
    spec = CheckSpec("exposure.debug", "Debug", "high", 1, "Fix | it")
    finding = spec.finding(
        "fail", "https://p.example.com/a|b", "</details><script>alert(1)</script> *x* | y"
    )
    md = render(finalize(make_report([finding])), "markdown")
    assert "<script>" not in md and "</details><script>" not in md
    row = next(line for line in md.splitlines() if line.startswith("| 1 |"))
    # 6 columns: 7 unescaped pipes
    assert len(re.findall(r"(?<!\\)\|", row)) == 7
    assert escape("a|b\nc") == "a\\|b c"


def test_markdown_stays_under_1_mib_with_30k_findings():
    spec = CheckSpec("exposure.file", "Sensitive file served", "high", 1, "Block the path. " * 4)
    findings = [
        spec.finding("fail", f"https://h{i}.example.com/.env", evidence="x" * 60)
        for i in range(30_000)
    ]
    report = finalize(make_report(findings))
    md = render(report, "markdown")
    assert len(md.encode()) < 1024 * 1024
    shown = md.count("https://h")
    match = re.search(r"\*\*(\d+) findings not shown\*\*", md)
    assert match and int(match.group(1)) == 30_000 - shown  # each finding listed once at most
    assert md.rstrip().endswith("</details>")


def test_github_outputs(sample_report):
    assert github_outputs(sample_report.to_dict()) == {
        "ready": "false",
        "score": "35",
        "grade": "F",
        "blocking": "4",
    }


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "html", "sarif", "junit"])
def test_every_format_renders_a_report_that_was_never_finalized(fmt):
    # a command that crashed half-way still writes what it has (CONTRACT §4: a report for
    # every exit code but 2)
    raw = make_report(sample_findings())
    out = render(raw, fmt)
    assert out.strip() and "portal.example.com" in out
