"""`launchready secrets` end to end: exit codes, baselines, ignore files, and redaction of every
output format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.secrets_repo import BuiltRepo, write
from typer.testing import CliRunner

import launchready.cli.env
import launchready.cli.secrets  # noqa: F401 - registers the command
from launchready.cli import app

runner = CliRunner()
FORMATS = ["json", "text", "sarif", "markdown", "html", "junit"]


def run(*args: str, input: str | None = None):
    return runner.invoke(app, ["secrets", *args], input=input, catch_exceptions=False)


def planted(repo: BuiltRepo) -> list[str]:
    return [v.strip() for v in repo.secrets.values()]


def assert_no_secret(text: str, repo: BuiltRepo) -> None:
    for value in planted(repo):
        if value.startswith("-----BEGIN"):
            body = value.splitlines()[1]
            assert body not in text
            continue
        assert value not in text, value[:6]
        # never more than a public prefix + 4 characters: no 9-char run of the value shows up
        prefix = re.match(r"^[a-z]+[_-](?:live_)?", value)
        start = len(prefix.group(0)) if prefix else 0
        for i in range(start, len(value) - 8):
            assert value[i : i + 9] not in text, (value[:4], i)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_output_format_carries_a_secret(built_repo: BuiltRepo, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = run(str(built_repo.path), "--history", "--format", fmt, "-o", str(out))
    assert result.exit_code == 1
    text = out.read_text()
    assert "secrets.leak" in text or "Secret" in text
    assert_no_secret(text + result.output, built_repo)


def test_json_report_fields_and_sarif_locations(built_repo: BuiltRepo, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    run(str(built_repo.path), "--history", "--format", "json", "-o", str(out))
    report = json.loads(out.read_text())
    assert report["schema"] == "launchready.report/1" and report["gate"] == "fail"
    leaks = [f for f in report["findings"] if f["id"] == "secrets.leak"]
    assert len(leaks) == 6
    for f in leaks:
        assert {"rule", "in_history"} <= f.keys() and f["tier"] == 1 and f["rank"] >= 1
        assert f["location"]["path"] in f["subject"]
    stripe = next(f for f in leaks if f["rule"] == "stripe-access-token")
    assert stripe["evidence"].startswith("stripe-access-token: sk_live_")
    assert re.search(r"sk_live_\w{0,4}\*\*\*\*", stripe["evidence"])
    sarif_out = tmp_path / "r.sarif"
    run(str(built_repo.path), "--format", "sarif", "-o", str(sarif_out))
    sarif = json.loads(sarif_out.read_text())
    uris = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in sarif["runs"][0]["results"]
    }
    assert ("app/settings.py", 5) in uris and ("notes.txt", 2) in uris


def test_exit_codes(built_repo: BuiltRepo, tmp_path: Path) -> None:
    assert run(str(tmp_path / "nope")).exit_code == 2
    clean = tmp_path / "clean"
    write(clean, "app.py", "print('hello')\n")
    assert run(str(clean), "--format", "json").exit_code == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nid = "x"\nregex = """unterminated\n')
    result = run(str(clean), "--config", str(bad))
    assert result.exit_code == 2
    assert "bad.toml" in result.output
    badre = tmp_path / "badre.toml"
    badre.write_text("[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n")
    result = run(str(clean), "--config", str(badre))
    assert result.exit_code == 2 and "rules[0].regex" in result.output
    assert run(str(clean), "--history", "--staged").exit_code == 2


def test_stdin_and_log_file(built_repo: BuiltRepo, tmp_path: Path) -> None:
    token = built_repo.secrets["github_untracked"]
    result = run("-", "--format", "json", input=f"build ok\nGH={token}\n")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [f["subject"] for f in report["findings"]] == ["-:2"]
    assert token not in result.output
    log = tmp_path / "build.log"
    log.write_text(f"x\ny\nGH={token}\n")
    result = run(str(log), "--format", "json")
    assert json.loads(result.stdout)["findings"][0]["subject"] == f"{log}:3"


def test_baseline_round_trip(built_repo: BuiltRepo, tmp_path: Path) -> None:
    import random

    from support.secrets_repo import Tokens, git

    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", str(repo))
    t = Tokens(random.Random(5))
    first = "ghp_" + t.alnum(36)
    write(repo, "a.py", f'T = "{first}"\n')
    base = tmp_path / "baseline.jsonl"
    result = run(str(repo), "--write-baseline", str(base), "--format", "json")
    assert result.exit_code == 0
    lines = base.read_text().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert set(entry) == {"fingerprint", "any_path", "rule", "path", "secret_sha256", "reason"}
    assert first not in base.read_text() and "line" not in entry
    # moving the secret down does not break the match (no line numbers in fingerprints)
    write(repo, "a.py", f'\n\n\nT = "{first}"\n')
    assert run(str(repo), "--baseline", str(base), "--format", "json").exit_code == 0
    # a new secret fails; the accepted one is listed as pass
    second = "sk_live_" + t.alnum(24)
    write(repo, "b.py", f'S = "{second}"\n')
    result = run(str(repo), "--baseline", str(base), "--format", "json")
    assert result.exit_code == 1
    statuses = {f["subject"]: f["status"] for f in json.loads(result.stdout)["findings"]}
    assert statuses == {"a.py:4": "pass", "b.py:1": "fail"}
    # writing again keeps old entries, adds the new one, stays sorted: merge-friendly
    run(str(repo), "--write-baseline", str(base), "--baseline", str(base))
    lines = base.read_text().splitlines()
    assert len(lines) == 2 and lines == sorted(lines)


def test_gitleaksignore_both_forms(built_repo: BuiltRepo, tmp_path: Path) -> None:
    import random

    from support.secrets_repo import Tokens

    t = Tokens(random.Random(9))
    repo = tmp_path / "g"
    write(repo, "a.py", f'T = "ghp_{t.alnum(36)}"\n')
    write(repo, ".gitleaksignore", "# accepted test token\na.py:github-pat:1\n")
    assert run(str(repo), "--format", "json").exit_code == 0
    from launchready.secrets.baseline import load_gitleaksignore_text
    from launchready.secrets.scan import Leak

    base = load_gitleaksignore_text("abc123:a.py:github-pat:7\n")
    leak = Leak("github-pat", "", "high", "ghp_", "ghp_x", "a.py", 7, commit="abc123")
    assert base.matches(leak)
    leak.line = 8
    assert not base.matches(leak)


def test_env_check_never_prints_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    template = tmp_path / ".env.example"
    template.write_text("DATABASE_URL=postgres://example\nAPI_TOKEN=\nSENTRY_DSN=\n")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:Zq8vLm2pXr9t@db/app")
    monkeypatch.setenv("API_TOKEN", "")
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    result = runner.invoke(app, ["env", "check", "--required", str(template), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    states = {f["subject"]: f["state"] for f in report["findings"]}
    assert states == {"DATABASE_URL": "present", "API_TOKEN": "empty", "SENTRY_DSN": "missing"}
    assert "Zq8vLm2pXr9t" not in result.output
    listing = (
        "DATABASE_URL=postgres://u:Zq8vLm2pXr9t@db/app\nAPI_TOKEN=abc\nSENTRY_DSN=x\nEXTRA=1\n"
    )
    result = runner.invoke(
        app,
        ["env", "check", "--required", str(template), "--names", "-", "--format", "json"],
        input=listing,
    )
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {f["subject"]: f["state"] for f in report["findings"]}["EXTRA"] == "unexpected"
    assert "Zq8vLm2pXr9t" not in result.output
    names_only = "DATABASE_URL\nAPI_TOKEN\n"
    result = runner.invoke(
        app, ["env", "check", "--required", str(template), "--names", "-"], input=names_only
    )
    assert result.exit_code == 1  # SENTRY_DSN missing
    result = runner.invoke(app, ["env", "check", "--required", str(tmp_path / "none")])
    assert result.exit_code == 2


def test_baseline_imports_and_expiry(tmp_path: Path) -> None:
    import hashlib
    import random
    from datetime import date

    from support.secrets_repo import Tokens

    from launchready.secrets.baseline import entry_for, load_baseline
    from launchready.secrets.scan import Leak

    t = Tokens(random.Random(13))
    secret = "ghp_" + t.alnum(36)
    leak = Leak("github-pat", "", "high", "ghp_", secret, "app/a.py", 3, commit="c0ffee")
    # detect-secrets: sha1 of the secret per file
    ds = tmp_path / ".secrets.baseline"
    sha1 = hashlib.sha1(secret.encode()).hexdigest()
    ds.write_text(
        json.dumps(
            {
                "version": "1.5.0",
                "results": {
                    "app/a.py": [{"type": "GitHub Token", "hashed_secret": sha1, "line_number": 99}]
                },
            }
        )
    )
    assert load_baseline(ds).matches(leak)
    # a gitleaks JSON report: its fingerprints are commit:file:rule:line
    gl = tmp_path / "gitleaks.json"
    gl.write_text(
        json.dumps([{"RuleID": "github-pat", "Fingerprint": "c0ffee:app/a.py:github-pat:3"}])
    )
    assert load_baseline(gl).matches(leak)
    # our own entries: expired ones stop matching
    entry = entry_for(leak, "rotated 2026-01-02")
    mine = tmp_path / "b.jsonl"
    mine.write_text(json.dumps({**entry, "expires": "2026-01-31"}) + "\n")
    assert load_baseline(mine, today=date(2026, 1, 30)).matches(leak)
    assert not load_baseline(mine, today=date(2026, 2, 1)).matches(leak)
    # a rename keeps matching through the path-less fingerprint
    moved = Leak("github-pat", "", "high", "ghp_", secret, "lib/a.py", 1)
    assert load_baseline(mine, today=date(2026, 1, 30)).matches(moved)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"fingerprint": "abc"}\n{oops\n')
    with pytest.raises(Exception) as err:
        load_baseline(broken)
    assert "broken.jsonl:2" in str(err.value)


def test_user_gitleaks_toml_in_the_folder_is_used(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".gitleaks.toml",
        (
            "[extend]\nuseDefault = true\n"
            "[[rules]]\nid = 'corp-token'\nregex = '''corp_[a-z0-9]{16}'''\nkeywords = ['corp_']\n"
        ),
    )
    write(tmp_path, "a.py", "T = 'corp_q8vlm2pxr9ab7zt3'\n")
    result = run(str(tmp_path), "--format", "json")
    assert result.exit_code == 1
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["corp-token"]


def test_env_check_names_from_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "launchready.toml"
    cfg.write_text(
        '[site]\nurl = "https://portal.example.com"\n'
        '[repo]\nenv_required = ["LR_TEST_ONE", "LR_TEST_TWO"]\n'
    )
    monkeypatch.setenv("LR_TEST_ONE", "1")
    monkeypatch.delenv("LR_TEST_TWO", raising=False)
    result = runner.invoke(app, ["env", "check", "-c", str(cfg), "--format", "json"])
    assert result.exit_code == 1
    states = {f["subject"]: f["state"] for f in json.loads(result.stdout)["findings"]}
    assert states == {"LR_TEST_ONE": "present", "LR_TEST_TWO": "missing"}
