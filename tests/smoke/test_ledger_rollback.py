"""The deploy ledger and the rollback runner (pure file and process work, no network)."""

from __future__ import annotations

from launchready.redact import REDACTOR
from launchready.smoke import ledger
from launchready.smoke.rollback import run_rollback


def test_last_good_is_the_latest_pass_for_this_site(tmp_path):
    path = tmp_path / "deploys.jsonl"
    assert ledger.last_good(path, "https://a.test") is None  # no ledger yet
    ledger.append(path, {"version": "v1", "url": "https://a.test", "result": "pass"})
    ledger.append(path, {"version": "v2", "url": "https://a.test", "result": "pass"})
    ledger.append(path, {"version": "v3", "url": "https://a.test", "result": "rolled-back"})
    ledger.append(path, {"version": "b9", "url": "https://b.test", "result": "pass"})
    with path.open("a") as fh:
        fh.write('{"version": "torn\n')  # a crash mid-write must not break the next deploy
    assert ledger.last_good(path, "https://a.test") == "v2"
    assert len(ledger.entries(path)) == 4


def test_ledger_lines_are_redacted(tmp_path):
    REDACTOR.add("ledger-secret-value")
    path = tmp_path / "deploys.jsonl"
    ledger.append(path, {"failed_steps": ["x"], "note": "ledger-secret-value"})
    assert "ledger-secret-value" not in path.read_text()


def test_rollback_gets_its_environment_and_is_bounded(tmp_path):
    result = run_rollback(
        'echo "$LAUNCHREADY_FAILED_VERSION"; exit 0', {"LAUNCHREADY_FAILED_VERSION": "v9"}
    )
    assert result.ok and result.output.strip() == "v9"
    failed = run_rollback("exit 4", {})
    assert not failed.ok and failed.exit_code == 4
    assert failed.finding().status == "fail"
    slow = run_rollback("sleep 5", {}, timeout=0.3)
    assert not slow.ok and slow.exit_code is None and "timed out" in slow.error
