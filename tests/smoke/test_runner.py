"""The runner against tiny loopback servers: stop on failure, finally, retries, degraded,
read-only, redirects, one cookie jar per flow, scope."""

from __future__ import annotations

import asyncio
import textwrap
import threading
import time
from pathlib import Path

import pytest
from support.loopback import serve

from launchready.config import NetworkConfig
from launchready.report import Gate, Status
from launchready.report.score import exit_code_for
from launchready.smoke.findings import smoke_report
from launchready.smoke.flow import load_flow
from launchready.smoke.runner import run_flows

NET = NetworkConfig(timeout=3)


class App:
    """Routes by path; counts hits; remembers the Cookie header of each request."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.cookies: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, req) -> None:
        path = req.path.split("?")[0]
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            n = self.hits[path]
        self.cookies.append(req.headers.get("Cookie", ""))
        length = int(req.headers.get("Content-Length") or 0)
        if length:
            req.rfile.read(length)
        status, headers, body = 200, {}, b"ok"
        if path == "/flaky" and n == 1:
            status = 503
        elif path == "/fail":
            status = 500
        elif path == "/slow":
            time.sleep(0.25)
        elif path == "/redirect":
            status, headers = 302, {"Location": "/landing"}
        elif path == "/landing":
            body = b"landed"
        elif path == "/form":
            headers = {"Content-Type": "text/html"}
            body = b'<form><input name="csrfmiddlewaretoken" value="tok-0123456789"></form>'
        elif path == "/set-cookie":
            headers = {"Set-Cookie": "sid=abcdef123456; Path=/; HttpOnly"}
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)


@pytest.fixture
def app():
    handler = App()
    with serve(handler) as port:
        handler.base = f"http://127.0.0.1:{port}"
        yield handler


def flow(tmp_path: Path, text: str, name: str = "f.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return load_flow(path)


def run(app, *flows, read_only=False):
    results = run_flows(list(flows), NET, read_only=read_only)
    report = smoke_report(results, target=app.base)
    return results, report, {f.extra["step"]: f for f in report.findings}


def steps(app, tmp_path, body: str, **kw):
    f = flow(tmp_path, f'base_url = "{app.base}"\n' + textwrap.dedent(body))
    return run(app, f, **kw)


def test_a_failing_step_stops_the_flow_and_finally_still_runs(app, tmp_path):
    _, report, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "one"
        request = { url = "/fail" }
        expect = ["status == 200", "body contains ok"]

        [[step]]
        id = "two"
        request = { url = "/two" }

        [[finally]]
        id = "cleanup"
        request = { url = "/cleanup" }
        expect = ["status == 200"]
        """,
    )
    assert by["one"].status == Status.FAIL
    assert [e["ok"] for e in by["one"].extra["expectations"]] == [False, True]  # all evaluated
    assert by["two"].status == Status.SKIPPED and "two" not in str(app.hits)
    assert by["cleanup"].status == Status.PASS and app.hits["/cleanup"] == 1
    assert by["one"].subject == "f/one" and by["one"].tier == 0
    assert report.gate == Gate.FAIL and exit_code_for(report) == 1


def test_a_failing_cleanup_step_never_gates(app, tmp_path):
    _, report, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "one"
        request = { url = "/one" }
        expect = ["status == 200"]

        [[finally]]
        id = "cleanup"
        request = { url = "/fail" }
        expect = ["status == 200"]
        """,
    )
    assert by["cleanup"].status == Status.WARN and by["cleanup"].tier == 4
    assert report.gate == Gate.PASS and exit_code_for(report) == 0


def test_idempotent_steps_retry_and_mutating_steps_do_not(app, tmp_path):
    _, _, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "get"
        request = { url = "/flaky" }
        expect = ["status == 200"]
        retries = 2
        retry_delay_ms = 10

        [[step]]
        id = "post"
        request = { method = "POST", url = "/fail" }
        expect = ["status == 200"]
        """,
    )
    assert by["get"].status == Status.PASS and by["get"].extra["attempts"] == 2
    assert by["post"].status == Status.FAIL and app.hits["/fail"] == 1


def test_slow_but_correct_is_a_degraded_warn_that_does_not_gate(app, tmp_path):
    _, report, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "slow"
        request = { url = "/slow" }
        expect = ["status == 200"]
        degraded_ms = 100

        [[step]]
        id = "fast-control"
        request = { url = "/fast" }
        degraded_ms = 5000
        """,
    )
    assert by["slow"].status == Status.WARN and "degraded" in by["slow"].extra["reason"]
    assert by["fast-control"].status == Status.PASS
    assert report.gate == Gate.PASS


def test_read_only_skips_mutating_steps_and_steps_that_need_their_captures(app, tmp_path):
    _, report, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "look"
        request = { url = "/look" }

        [[step]]
        id = "create"
        request = { method = "POST", url = "/redirect" }
        capture = { where = "header Location" }

        [[step]]
        id = "open-it"
        request = { url = "{{where}}" }

        [[step]]
        id = "login"
        mutating = false
        request = { method = "POST", url = "/login" }
        """,
        read_only=True,
    )
    assert by["look"].status == Status.PASS and by["login"].status == Status.PASS
    assert by["create"].status == Status.SKIPPED and by["open-it"].status == Status.SKIPPED
    assert "/redirect" not in app.hits and "/landing" not in app.hits
    assert report.gate == Gate.PASS


def test_redirects_are_followed_only_when_asked(app, tmp_path):
    _, _, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "not-followed"
        request = { url = "/redirect" }
        expect = ["status == 302", "header Location == /landing"]

        [[step]]
        id = "followed"
        request = { url = "/redirect" }
        follow_redirects = true
        expect = ["status == 200", "body == landed"]
        """,
    )
    assert by["not-followed"].status == Status.PASS
    assert by["followed"].status == Status.PASS


def test_one_cookie_jar_per_flow(app, tmp_path):
    first = flow(
        tmp_path,
        f"""
        base_url = "{app.base}"
        [[step]]
        id = "set"
        request = {{ url = "/set-cookie" }}
        capture = {{ sid = "cookie sid" }}
        [[step]]
        id = "again"
        request = {{ url = "/again" }}
        """,
        "a.toml",
    )
    second = flow(
        tmp_path,
        f'base_url = "{app.base}"\n[[step]]\nid = "other"\nrequest = {{ url = "/other" }}\n',
        "b.toml",
    )
    results, _, _ = run(app, first, second)
    assert app.cookies == ["", "sid=abcdef123456", ""]
    assert results[0].steps[0].status == Status.PASS


def test_active_requests_to_hosts_outside_the_flow_are_refused(app, tmp_path):
    _, _, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "elsewhere"
        request = { method = "POST", url = "http://127.0.0.2:9/collect" }
        """,
    )
    assert by["elsewhere"].status == Status.FAIL
    assert "refusing an active POST" in by["elsewhere"].extra["reason"]


def test_nothing_answering_is_inconclusive(tmp_path):
    with serve(lambda req: None) as port:
        pass  # the port is closed again: connections are refused
    f = flow(
        tmp_path,
        f'base_url = "http://127.0.0.1:{port}"\n[[step]]\nid = "a"\nrequest = {{ url = "/" }}\n',
    )
    results = run_flows([f], NET)
    report = smoke_report(results, target="x")
    assert report.gate == Gate.INCONCLUSIVE and exit_code_for(report) == 3


def test_runs_inside_a_running_loop_too(app, tmp_path):
    from launchready.smoke.runner import run_flows_async

    f = flow(tmp_path, f'base_url = "{app.base}"\n[[step]]\nid = "a"\nrequest = {{ url = "/" }}\n')
    results = asyncio.run(run_flows_async([f], NET))
    assert results[0].steps[0].status == Status.PASS


def test_a_failing_steps_excerpt_never_shows_tokens_or_cookies(app, tmp_path):
    _, report, by = steps(
        app,
        tmp_path,
        """
        [[step]]
        id = "cookie"
        request = { url = "/set-cookie" }

        [[step]]
        id = "form"
        request = { url = "/form" }
        expect = ["status == 201"]
        """,
    )
    from launchready.report.render import render

    assert by["form"].status == Status.FAIL
    assert "csrfmiddlewaretoken" in by["form"].extra["response_excerpt"]
    text = render(report, "json")
    assert "tok-0123456789" not in text and "abcdef123456" not in text
