"""`launchready perf` end to end: a real portal on loopback backed by a throwaway PostgreSQL with
pg_stat_statements, a real slow statement, a real N+1 page, a login flow; and the CLI contract.

Runs are short (200/s x 1 s) and no timing is asserted: latency verdicts are asserted only where
they hold by construction (pg_sleep(0.12) cannot answer within 50 ms), and always allow
`inconclusive`, which a busy CI machine may rightly produce.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from array import array
from pathlib import Path

import pytest
from support.loopback import reply, serve

from launchready.config import parse_config
from launchready.perf.generator import LoadPlan, RawRun
from launchready.perf.run import run_perf
from launchready.report.score import exit_code_for
from perf.app import SESSION, serve_app

LOGIN_FLOW = """
name = "login"
[[step]]
id = "form"
request = { method = "GET", url = "/login" }
expect = ["status == 200"]
capture = { csrf = "css input[name=csrf] @value" }
[[step]]
id = "login"
request = { method = "POST", url = "/login", form = { csrf = "{{csrf}}", password = "${LR_PW}" } }
expect = ["status == 302"]
"""


def config_text(
    port: int, endpoints: str, perf_extra: str = "", rate: int = 100, duration: float = 2
) -> str:
    return f"""
[site]
url = "http://portal.launch.test:{port}"
[network]
connect_to = ["portal.launch.test:{port}:127.0.0.1:{port}"]
timeout = 5
[perf]
rate = {rate}
duration = {duration}
warmup = 0.2
{perf_extra}
{endpoints}
"""


def endpoint(path: str, target: int = 300, method: str = "GET") -> str:
    return (
        f'[[perf.endpoint]]\nname = "{path}"\nmethod = "{method}"\n'
        f'path = "{path}"\ntarget_ms = {target}\n'
    )


def load(tmp_path: Path, text: str):
    file = tmp_path / "launchready.toml"
    file.write_text(text)
    return parse_config(text, path=file)


def by(report, check_id: str, subject: str):
    found = [f for f in report.findings if f.id == check_id and f.subject == subject]
    assert len(found) == 1, (check_id, subject, [(f.id, f.subject) for f in report.findings])
    return found[0]


def fake_runner(latency_ms: float):
    """A generator stand-in with exactly known samples (for tests of everything around it)."""

    def run(plan: LoadPlan) -> RawRun:
        n = plan.window_requests
        raw = RawRun(sent=n, warmup_sent=plan.warmup_requests, window_s=n / plan.rate)
        raw.latency = array("d", [latency_ms / 1000] * n)
        raw.service = array("d", [latency_ms / 1000] * n)
        raw.lag = array("d", [0.0001] * n)
        raw.planned_offset = array("d", [i / plan.rate for i in range(n)])
        raw.failed = array("b", [0] * n)
        raw.statuses = {200: n}
        return raw

    return run


@pytest.mark.needs_pg_binaries
def test_real_portal_slow_statement_n_plus_one_and_login(tmp_path, pg_cluster, pg_dsn, monkeypatch):
    monkeypatch.setenv("LR_PW", "pw")
    (tmp_path / "login.toml").write_text(LOGIN_FLOW)
    with serve_app(pg_dsn, slow_s=0.12) as port:
        cfg = load(
            tmp_path,
            config_text(
                port,
                endpoint("/fast")
                + endpoint("/slow", target=50)
                + endpoint("/items")
                + endpoint("/private"),
                f'database_url = "{pg_cluster.url()}"\nslow_query_ms = 100\nlogin = "login.toml"\n'
                f'statement_log = "{pg_cluster.log_path}"',
                rate=200,
                duration=1,
            ),
        )
        report = run_perf(cfg)

    slow = by(report, "perf.query.slow", "GET /slow")
    assert slow.status == "warn"
    assert slow.extra["statement"] == "SELECT pg_sleep(?)"
    assert slow.extra["basis"] == "mean" and slow.extra["mean_ms"] >= 100
    assert slow.extra["calls"] >= 200
    assert slow.extra["max_ms"] >= 100  # per execution, from the statement log
    n1 = by(report, "perf.query.n-plus-one", "GET /items")
    assert n1.status == "warn"
    assert n1.extra["statement"] == "SELECT name FROM items WHERE id = ?"
    assert n1.extra["per_request"] == pytest.approx(10, rel=0.05)
    for subject in ("GET /fast", "GET /private"):
        assert by(report, "perf.query.n-plus-one", subject).status == "pass"
        assert by(report, "perf.query.slow", subject).status == "pass"
    assert by(report, "perf.query.slow", "GET /items").status == "pass"

    slow_latency = by(report, "perf.latency", "GET /slow")
    assert slow_latency.status == "fail" or slow_latency.extra.get("inconclusive")
    private = by(report, "perf.latency", "GET /private")
    assert private.extra["errors"] == 0, private.extra.get(
        "statuses"
    )  # the login's cookie rode along
    assert set(private.extra["statuses"]) == {"200"}
    for f in report.findings:
        if f.id == "perf.latency" and f.status != "error":
            assert f.extra["plots"]["spectrum"].startswith("data:image/png;base64,")
            assert f.extra["plots"]["timeline"].startswith("data:image/png;base64,")
            assert f.extra["requests"] == 200 and f.extra["rate"] == 200
    assert report.gate in ("fail", "inconclusive")
    assert exit_code_for(report) in (1, 3)
    text = json.dumps(report.to_dict())
    assert SESSION not in text
    assert report.to_dict()["perf"]["queries"]["GET /items"]


@pytest.mark.needs_pg_binaries
def test_without_login_the_private_endpoint_fails_on_errors(tmp_path, pg_dsn):
    with serve_app(pg_dsn) as port:
        report = run_perf(
            load(tmp_path, config_text(port, endpoint("/private"), rate=50, duration=1))
        )
    f = by(report, "perf.latency", "GET /private")
    assert f.status == "fail" and f.extra["errors"] == f.extra["requests"]
    assert "HTTP 403" in f.evidence
    assert by(report, "perf.query.slow", "GET /private").status == "skipped"
    assert report.gate == "fail"


@pytest.mark.needs_pg_binaries
def test_payload_size_and_compression(tmp_path, pg_dsn):
    with serve_app(pg_dsn) as port:
        cfg = load(
            tmp_path,
            config_text(port, endpoint("/big") + endpoint("/small-text") + endpoint("/fast")),
        )
        report = run_perf(cfg, runner=fake_runner(10.0))
    assert by(report, "perf.payload.large", "GET /big").status == "warn"
    assert by(report, "perf.payload.uncompressed", "GET /big").status == "warn"
    assert by(report, "perf.payload.large", "GET /small-text").status == "pass"
    assert by(report, "perf.payload.uncompressed", "GET /small-text").status == "warn"
    assert by(report, "perf.payload.uncompressed", "GET /fast").status == "pass"  # 2 bytes
    assert report.gate == "pass"  # payload warnings do not fail the latency gate


def test_out_of_scope_endpoint_gets_no_load_and_makes_the_run_inconclusive(tmp_path):
    sent: list[LoadPlan] = []
    cfg = load(tmp_path, config_text(1, endpoint("http://elsewhere.launch.test/x")))
    report = run_perf(cfg, runner=lambda plan: sent.append(plan) or RawRun())
    assert sent == []
    f = by(report, "perf.latency", "GET http://elsewhere.launch.test/x")
    assert f.status == "error" and "not named in [site]" in f.title
    assert report.gate == "inconclusive" and exit_code_for(report) == 3


def test_unreachable_site_is_inconclusive_and_gets_no_load(tmp_path):
    sent: list[LoadPlan] = []
    cfg = load(tmp_path, config_text(1, endpoint("/x")))  # port 1: refused
    report = run_perf(cfg, runner=lambda plan: sent.append(plan) or RawRun())
    assert sent == []
    f = by(report, "perf.latency", "GET /x")
    assert f.status == "fail" and "does not answer" in f.title and f.extra["p95_ms"] is None
    assert report.gate == "inconclusive"  # nothing answered at all: exit 3, not 1


def test_one_endpoint_down_while_others_answer_is_a_finding_not_exit_3(tmp_path):
    with serve(reply(200, b"{}", {"Content-Type": "application/json"})) as port:
        text = config_text(port, endpoint("/a") + endpoint("http://api.launch.test:81/x"))
        text = text.replace("[site]\n", '[site]\nhosts = { api = "api.launch.test" }\n').replace(
            f'connect_to = ["portal.launch.test:{port}:127.0.0.1:{port}"]',
            f'connect_to = ["portal.launch.test:{port}:127.0.0.1:{port}", '
            '"api.launch.test:81:127.0.0.1:1"]',
        )
        report = run_perf(load(tmp_path, text), runner=fake_runner(10.0))
    assert by(report, "perf.latency", "GET /a").status == "pass"
    down = by(report, "perf.latency", "GET http://api.launch.test:81/x")
    assert down.status == "fail" and "127.0.0.1" not in down.evidence
    assert report.gate == "fail"


def test_baseline_shows_change_per_endpoint(tmp_path):
    with serve(reply(200, b"{}", {"Content-Type": "application/json"})) as port:
        cfg = load(tmp_path, config_text(port, endpoint("/a")))
        old = run_perf(cfg, runner=fake_runner(10.0))
        old_file = tmp_path / "old.json"
        old_file.write_text(json.dumps(old.to_dict()))
        new = run_perf(cfg, runner=fake_runner(20.0), baseline=old_file)
    f = by(new, "perf.latency", "GET /a")
    change = f.extra["baseline"]["p95_ms"]
    assert change["before"] == pytest.approx(10, rel=0.01)
    assert change["after"] == pytest.approx(20, rel=0.01)
    assert change["change_pct"] == pytest.approx(100, abs=1)
    assert new.to_dict()["perf"]["baseline"]["endpoints"][0]["endpoint"] == "GET /a"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "LAUNCHREADY_LOOPBACK_ONLY": "1"}
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    code = "from launchready.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_too_few_samples_is_inconclusive_exit_3_without_numbers(tmp_path):
    with serve(reply(200, b"{}", {"Content-Type": "application/json"})) as port:
        text = (
            config_text(port, endpoint("/x"))
            .replace("rate = 100", "rate = 10")
            .replace("duration = 2", "duration = 1")
        )
        (tmp_path / "launchready.toml").write_text(text)
        done = run_cli("perf", "-f", "json", "-q", cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    report = json.loads(done.stdout)
    assert report["command"] == "perf" and report["gate"] == "inconclusive"
    latency = next(f for f in report["findings"] if f["id"] == "perf.latency")
    assert latency["p95_ms"] is None and latency["requests"] == 10
    assert "fewer than the 200" in latency["title"]


def test_cli_config_error_exits_2_naming_the_key(tmp_path):
    (tmp_path / "launchready.toml").write_text('[site]\nurl = "http://x.test"\n[perf]\nrate = -1\n')
    done = run_cli("perf", cwd=tmp_path)
    assert done.returncode == 2
    flat = "".join(done.stderr.split())  # rich may wrap long paths
    assert "launchready.toml:4:[perf.rate]:Inputshouldbegreaterthan0" in flat


def test_cli_text_table_and_bad_baseline(tmp_path):
    (tmp_path / "launchready.toml").write_text('[site]\nurl = "http://x.test"\n')
    done = run_cli("perf", "-f", "text", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "launchready perf" in done.stdout and "gate: PASS" in done.stdout
    (tmp_path / "old.json").write_text("{}")
    done = run_cli("perf", "--baseline", "old.json", cwd=tmp_path)
    assert done.returncode == 2 and "not a JSON report" in done.stderr


def test_errors_name_the_public_host_never_the_connect_to_target(tmp_path):
    from launchready.perf.run import public_text

    cfg = load(tmp_path, config_text(4321, endpoint("/x")))
    text = "connect: [Errno 111] Connect call failed ('127.0.0.1', 4321)"
    shown = public_text(text, "http://portal.launch.test:4321/x", cfg)
    assert "127.0.0.1" not in shown and "portal.launch.test:4321" in shown
    report = run_perf(cfg, runner=lambda plan: RawRun())  # nothing listens on 4321
    for f in report.findings:
        assert "127.0.0.1" not in f.title + f.evidence, f.title


def test_failed_login_sends_no_load_and_is_inconclusive(tmp_path, monkeypatch):
    monkeypatch.setenv("LR_PW", "wrong-pw-5c1e")  # redactor state is global: be unique
    (tmp_path / "login.toml").write_text(
        '[[step]]\nid = "login"\n'
        'request = { method = "POST", url = "/login", form = { password = "${LR_PW}" } }\n'
        'expect = ["status == 302"]\n'
    )
    sent: list[LoadPlan] = []
    with serve(reply(403, b"bad login")) as port:
        cfg = load(tmp_path, config_text(port, endpoint("/x"), 'login = "login.toml"'))
        report = run_perf(cfg, runner=lambda plan: sent.append(plan) or RawRun())
    assert sent == []
    f = by(report, "perf.latency", "GET /x")
    assert f.status == "error" and "login flow failed: login/login" in f.title
    assert report.gate == "inconclusive"
