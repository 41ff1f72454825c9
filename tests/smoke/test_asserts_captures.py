"""Pure parts: expectations, captures, templating, CSRF tokens, version matching. Each condition
with its clean control and its known traps."""

from __future__ import annotations

import json

import pytest

from launchready.net.types import HttpExchange
from launchready.smoke import csrf, template, version
from launchready.smoke.asserts import AssertSyntaxError, evaluate, parse_expectation
from launchready.smoke.captures import extract, parse_capture
from launchready.smoke.response import Response


def response(status=200, body=b"", headers=(), elapsed=12.0, error="") -> Response:
    ex = HttpExchange(
        "GET",
        "http://portal.test/x",
        status=status,
        body=body,
        headers=tuple(headers),
        elapsed_ms=elapsed,
        error=error,
    )
    return Response.of(ex)


JSON = response(
    body=json.dumps(
        {
            "user": {"name": "ann", "roles": ["staff", "admin"]},
            "count": 3,
            "ok": True,
            "items": [{"id": 7}],
            "none": None,
        }
    ).encode(),
    headers=[("Content-Type", "application/json"), ("Location", "/admin/")],
)


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("status == 200", True),
        ("status != 200", False),
        ("status < 300", True),
        ("status >= 300", False),
        ("status matches ^2", True),
        ("header Location == /admin/", True),
        ("header location matches ^/admin/$", True),  # header names are case-insensitive
        ("header Location contains adm", True),
        ("header X-Missing == x", False),
        ("header X-Missing != x", True),  # a missing header is "not equal"
        ("json user.name == ann", True),
        ('json user.name == "ann"', True),
        ("json $.user.roles[1] == admin", True),
        ("json user.roles contains staff", True),
        ("json user.roles contains root", False),
        ("json count == 3", True),
        ("json count > 2", True),
        ("json count < 2", False),
        ("json ok == true", True),
        ("json none == null", True),
        ("json items.0.id == 7", True),
        ("json nope == 1", False),
        ("json user.name > 2", False),  # not a number: a numeric op fails, never crashes
        ("body contains roles", True),
        ("body contains ROLES", False),
        ('body matches "count":\\s*3', True),
        ("duration < 100", True),
        ("duration < 5", False),
    ],
)
def test_expectations(text, ok):
    outcome = evaluate(parse_expectation(text), JSON, {})
    assert outcome.ok is ok, outcome


def test_failing_expectation_shows_expected_and_actual():
    outcome = evaluate(parse_expectation("status == 302"), response(200), {})
    assert (outcome.ok, outcome.expected, outcome.actual) == (False, "== 302", "200")
    outcome = evaluate(parse_expectation("header Location matches ^/admin/$"), response(200), {})
    assert outcome.actual == "<missing>"
    body = response(body=b"x" * 5000)
    outcome = evaluate(parse_expectation("body contains needle"), body, {})
    assert outcome.actual.startswith("5000 bytes: ") and len(outcome.actual) < 300


def test_no_response_and_templated_values():
    down = response(status=None, error="connect: refused")
    outcome = evaluate(parse_expectation("status == 200"), down, {})
    assert not outcome.ok and "connect: refused" in outcome.actual
    exp = parse_expectation("header Location == {{next}}")
    assert evaluate(exp, JSON, {"next": "/admin/"}).ok
    unset = evaluate(exp, JSON, {})
    assert not unset.ok and "next" in unset.actual


@pytest.mark.parametrize(
    "text",
    [
        "status",
        "status ==",
        "status = 200",
        "bodyy contains x",
        "header == x",
        "body < 3",
        "json a..b == 1",
        "duration < fast",
        "body matches [unclosed",
    ],
)
def test_bad_expectations_are_rejected(text):
    with pytest.raises(AssertSyntaxError):
        parse_expectation(text)


HTML = response(
    body=b'<html><head><meta name="csrf-token" content="rails-tok"></head><body>'
    b'<form><input type="hidden" name="csrfmiddlewaretoken" value="dj-tok">'
    b'<input name="_token" value="lv-tok"></form><h1 class="t"> Hello </h1>'
    b"<p>id=42;</p></body></html>",
    headers=[("Content-Type", "text/html; charset=utf-8"), ("X-Request-Id", "r-1")],
)


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        ("css input[name=csrfmiddlewaretoken] @value", "dj-tok"),
        ("css h1.t", "Hello"),
        ("css h1.missing", None),
        ("css input[name=nothing] @value", None),
        ("regex id=(\\d+);", "42"),
        ("regex Hello", "Hello"),  # no group: the whole match
        ("regex nope(\\d)", None),
        ("header x-request-id", "r-1"),
        ("header X-Absent", None),
        ("cookie sessionid", "s3cr3t-session"),
        ("cookie other", None),
    ],
)
def test_captures(spec, value):
    capture = parse_capture("v", spec)
    assert extract(capture, HTML, {"sessionid": "s3cr3t-session"}) == value


def test_json_capture_and_secret_names():
    assert extract(parse_capture("n", "json user.roles[0]"), JSON, {}) == "staff"
    assert extract(parse_capture("n", "json items"), JSON, {}) == '[{"id": 7}]'
    assert parse_capture("csrf", "css input @value").secret
    assert parse_capture("sid", "cookie sessionid").secret
    assert not parse_capture("pk", "regex /(\\d+)/").secret


def test_templating_is_plain_substitution():
    env = {"HOST": "h", "LR_PASSWORD": "pw-long-enough"}
    assert template.render("${HOST}/{{ a }}/{{b}}", {"a": "1", "b": "2"}, env) == "h/1/2"
    # a captured (server-chosen) value is never expanded from our environment
    assert template.render("{{x}}", {"x": "${LR_PASSWORD}"}, env) == "${LR_PASSWORD}"
    assert template.render("{{x|upper}}", {"x": "a"}, env) == "{{x|upper}}"  # no Jinja filters
    with pytest.raises(template.Unresolved):
        template.render("${NOPE}", {}, env)
    with pytest.raises(template.Unresolved):
        template.render("{{nope}}", {}, env)


def test_csrf_tokens_for_each_framework():
    page = HTML.text
    headers: dict[str, str] = {}
    form: dict[str, str] = {}
    assert (
        csrf.apply(
            "django",
            html=page,
            cookies={},
            base_url="https://p.test/app",
            headers=headers,
            form=form,
        )
        == ""
    )
    assert form["csrfmiddlewaretoken"] == "dj-tok" and headers["X-CSRFToken"] == "dj-tok"
    assert headers["Origin"] == "https://p.test" and headers["Referer"] == "https://p.test/app/"
    assert csrf.find_token(csrf.FRAMEWORKS["rails"], page, {}) == ("rails-tok", "page")
    assert csrf.find_token(csrf.FRAMEWORKS["laravel"], page, {}) == ("lv-tok", "page")
    # no token in the page: Django falls back to its cookie, Laravel echoes XSRF-TOKEN decoded
    assert csrf.find_token(csrf.FRAMEWORKS["django"], "<p>", {"csrftoken": "ck"}) == (
        "ck",
        "cookie",
    )
    headers = {}
    csrf.apply(
        "laravel",
        html="",
        cookies={"XSRF-TOKEN": "a%3Db"},
        base_url="http://p.test",
        headers=headers,
        form=None,
    )
    assert headers["X-XSRF-TOKEN"] == "a=b"
    why = csrf.apply("rails", html="<p>", cookies={}, base_url="", headers={}, form={})
    assert "no rails CSRF token" in why


def _version_doc(doc, status=200) -> HttpExchange:
    body = doc.encode() if isinstance(doc, str) else json.dumps(doc).encode()
    return HttpExchange("GET", "http://p.test/v", status=status, body=body)


@pytest.mark.parametrize(
    ("doc", "field", "expected", "ok"),
    [
        ({"version": "1.4.2"}, "version", "1.4.2", True),
        ({"version": "1.4.2"}, "version", "1.4.3", False),
        (
            {"source": "x", "version": "1.0", "commit": "0123456789abcdef", "build": "b"},
            "version",
            "0123456",
            True,
        ),
        ({"status": "pass", "releaseId": "abcdef1234"}, "version", "abcdef1", True),
        ({"app": {"rev": "deadbeefcafe"}}, "app.rev", "deadbeefcafe00", True),  # longer expected
        ({"version": "abc"}, "version", "ab", False),  # not a SHA: no prefix matching
        ({"version": "0123456789"}, "version", "012345", False),  # under 7 hex digits
        ("abc1234\n", "version", "abc1234", True),  # a bare text body
    ],
)
def test_version_matching(doc, field, expected, ok):
    assert version.matches(expected, _version_doc(doc), field) is ok


def test_version_on_error_status_is_never_a_match():
    assert not version.matches("1.0", _version_doc({"version": "1.0"}, status=503), "version")
