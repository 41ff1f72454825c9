"""HTML: one self-contained file, autoescaped, gauge bands, caps banner, filters that degrade."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from support.sample_report import make_report, sample_findings

from launchready.report.catalogue import CheckSpec
from launchready.report.render import render
from launchready.report.render.html import band
from launchready.report.score import finalize


class _Collector(HTMLParser):
    """Every tag with its attributes, to check what the page would load."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


def test_self_contained_nothing_loaded_from_anywhere(sample_report):
    html = render(sample_report, "html")
    for tag, attrs in tags_of(html):
        for name in ("src", "href", "xlink:href", "action", "data", "poster"):
            assert name not in attrs, (tag, attrs)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert html.count("<script") == 1 and html.count("<style") == 1


def test_autoescape_shows_markup_as_text():
    spec = CheckSpec("exposure.debug", "Debug page", "high", 1, "<b>Turn DEBUG off</b>")
    evil = spec.finding(
        "fail",
        'https://p.example.com/"><img src=x onerror=alert(1)>',
        "<script>alert('owned')</script>",
        evidence="</pre><script>document.cookie</script>",
        flow='" onmouseover="x',
    )
    html = render(finalize(make_report([evil])), "html")
    assert "<script>alert('owned')</script>" not in html
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in html
    assert "<script>document.cookie" not in html and "<img src=x" not in html
    assert "&lt;b&gt;Turn DEBUG off&lt;/b&gt;" in html
    assert html.count("<script") == 1  # only the page's own filter script


def test_verdict_gauge_and_capped_by_banner(sample_report):
    html = render(sample_report, "html")
    assert "NOT READY - gate failed: 2 critical and 2 high findings" in html
    assert "<svg" in html and 'aria-label="score 35 of 100, grade F: not ready"' in html
    assert "band-red" in html
    assert "Capped by:</strong> capped at 40: a core journey step fails" in html
    assert "Also capped at 75: no rollback path" in html


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0, "band-red"),
        (49, "band-red"),
        (50, "band-amber"),
        (89, "band-amber"),
        (90, "band-green"),
        (100, "band-green"),
        (None, "band-none"),
    ],
)
def test_gauge_colour_bands(score, expected):
    assert band(score) == expected


def test_findings_ranked_passes_collapsed_skipped_separate(sample_report):
    html = render(sample_report, "html")
    fix = html[html.index('id="fix-order"') : html.index('id="errors"')]
    ranks = [int(r) for r in re.findall(r'<span class="rank">(\d+)\.</span>', fix)]
    assert ranks == list(range(1, 11))
    assert fix.index("core/login") < fix.index("admin.example.com:443")
    assert "notAfter=2026-11-15T00:00:00Z" in fix and "Renew it." in fix
    passed = html[html.index('id="passed"') :]
    assert "<details>" in passed[: passed.index("dns.resolve.failed")]
    skipped = html[html.index('id="not-checked"') : html.index('id="passed"')]
    assert "perf.latency" in skipped and "no [perf] endpoints configured" in skipped
    assert "perf.latency" not in fix


def test_filters_are_hidden_until_the_script_reveals_them(sample_report):
    html = render(sample_report, "html")
    assert '<form class="filters" id="filters" hidden>' in html
    assert "form.hidden = false" in html
    for area in ("smoke", "tls", "headers"):
        assert f'<option value="{area}">{area}</option>' in html
    items = re.findall(r'data-area="([^"]+)" data-status="([^"]+)"', html)
    assert ("smoke", "fail") in items and ("cors", "pass") in items
    assert ("perf", "skipped") in items and ("edge", "error") in items


def test_report_without_score_or_findings_renders():
    html = render(finalize(make_report([]), inconclusive=True), "html")
    assert "INCONCLUSIVE" in html and "score not available" in html


def test_footer_names_versions_and_target(sample_report):
    sample_report.extra["git_sha"] = "abc1234"
    html = render(sample_report, "html")
    footer = html[html.index("<footer>") :]
    assert "launchready 0.1.0" in footer and "launchready-score/1" in footer
    assert "https://portal.example.com" in footer and "abc1234" in footer


def test_many_findings_render_quickly_enough_to_be_usable():
    spec = CheckSpec("headers.x", "x", "low", 4, "fix")
    findings = [spec.finding("warn", f"https://h{i}.example.com/") for i in range(2000)]
    html = render(finalize(make_report([*findings, *sample_findings()])), "html")
    assert html.count('class="finding ') == 2000 + 10


def test_latency_plots_are_embedded_inline_only():
    from launchready.report.render import render

    findings = sample_findings()
    latency = next(f for f in findings if f.id == "perf.latency")
    latency.extra["plots"] = {
        "spectrum": "data:image/png;base64,iVBORw0KGgo=",
        "timeline": "https://evil.example/track.png",  # never embedded
    }
    html = render(make_report(findings), "html")
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "evil.example" not in html
