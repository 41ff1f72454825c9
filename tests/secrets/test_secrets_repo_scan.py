"""Tree, history and staged scans of a repository built by the tests, with exact locations."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.secrets_repo import BuiltRepo, Tokens, git, write

from launchready.checks.secrets import judge_scan
from launchready.report.model import Status
from launchready.secrets.rules import load_rules
from launchready.secrets.scan import scan_history, scan_staged, scan_text, scan_tree


def located(result) -> set[tuple[str, str, bool]]:
    return {(leak.rule_id, leak.location, leak.in_history) for leak in result.leaks}


def test_tree_scan_exact_locations(built_repo: BuiltRepo) -> None:
    result = scan_tree(built_repo.path, load_rules())
    assert located(result) == {
        ("stripe-access-token", "app/settings.py:5", False),  # moved and shifted down 2 lines
        ("private-key", "deploy/key.pem:1", False),
        ("github-pat", "notes.txt:2", False),  # untracked but not ignored: scanned
    }
    # decoys: documented example key, placeholders, digests, UUIDs, lock-file integrity hashes,
    # public keys, keymaps, an inline-allowed test token, an ignored .env: none reported
    secrets = {leak.secret for leak in result.leaks}
    assert built_repo.secrets["github_allowed"] not in secrets
    assert built_repo.secrets["aws_ignored"] not in secrets


def test_history_scan_reports_each_secret_once_where_it_was_added(built_repo: BuiltRepo) -> None:
    c = {k: v[:12] for k, v in built_repo.commits.items()}
    result = scan_history(built_repo.path, load_rules(), jobs=1)
    assert located(result) == {
        ("stripe-access-token", "app/settings.py:5", False),
        ("private-key", "deploy/key.pem:1", False),
        ("github-pat", "notes.txt:2", False),
        ("database-url-password", f"{c['c1']}:.env:1", True),  # deleted in c3: still leaked
        ("slack-bot-token", f"{c['c2']}:deploy/slack.py:2", True),  # rotated out in c4
        ("gitlab-pat", f"{c['c5']}:tools/ci.sh:1", True),  # only on a side branch
    }
    by_rule = {leak.rule_id: leak for leak in result.leaks}
    # still in the tree: the commit that introduced it, not the move commit
    assert by_rule["stripe-access-token"].commit == built_repo.commits["c1"]
    assert by_rule["private-key"].commit == built_repo.commits["c2"]
    assert by_rule["github-pat"].commit is None  # never committed
    assert by_rule["database-url-password"].author == "Dev One"
    assert not result.shallow


def test_history_scan_in_parallel_gives_the_same_answer(built_repo: BuiltRepo) -> None:
    one = located(scan_history(built_repo.path, load_rules(), jobs=1))
    two = located(scan_history(built_repo.path, load_rules(), jobs=2))
    assert one == two


def test_history_findings_say_rotate_first_then_filter_repo(built_repo: BuiltRepo) -> None:
    findings = judge_scan(scan_history(built_repo.path, load_rules(), jobs=1))
    gone = [f for f in findings if f.extra.get("in_history")]
    assert len(gone) == 3
    for f in gone:
        assert f.status == Status.FAIL and f.tier == 1
        assert f.fix.index("Rotate") < f.fix.index("git filter-repo")
        assert f.subject.split(":")[0] == f.extra["commit"][:12]
        assert f.location is not None and f.location.path in f.subject
    stripe = next(f for f in findings if f.extra.get("rule") == "stripe-access-token")
    assert stripe.subject == "app/settings.py:5" and stripe.extra["in_history"] is False
    assert stripe.location is not None and (stripe.location.path, stripe.location.line) == (
        "app/settings.py",
        5,
    )


def test_fingerprints_ignore_line_numbers(built_repo: BuiltRepo, tmp_path: Path) -> None:
    rules = load_rules()
    text = f'STRIPE = "{built_repo.secrets["stripe"]}"\n'
    a = scan_text(text, "app/settings.py", rules).leaks[0]
    b = scan_text("\n\n\n" + text, "app/settings.py", rules).leaks[0]
    assert a.line != b.line and a.fingerprint == b.fingerprint
    fa = judge_scan(scan_text(text, "app/settings.py", rules))[0]
    fb = judge_scan(scan_text("\n\n" + text, "app/settings.py", rules))[0]
    assert fa.fingerprint == fb.fingerprint and fa.subject != fb.subject


def test_shallow_clone_is_detected(built_repo: BuiltRepo, tmp_path: Path) -> None:
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{built_repo.path}", str(clone))
    result = scan_history(clone, load_rules(), jobs=1)
    assert result.shallow


@pytest.fixture
def staged_repo(tmp_path: Path) -> tuple[Path, Tokens]:
    import random

    t = Tokens(random.Random(11))
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, "app.py", "print('hi')\n")
    write(tmp_path, "old_secret.py", f'TOKEN = "ghp_{t.alnum(36)}"\n')
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "init")
    return tmp_path, t


def test_staged_scans_the_index_including_new_files(staged_repo: tuple[Path, Tokens]) -> None:
    repo, t = staged_repo
    staged_new = "sk_live_" + t.alnum(24)
    staged_mod = f"xoxb-{t.digits(12)}-{t.digits(12)}-{t.alnum(24)}"
    worktree_only = "ghp_" + t.alnum(36)
    write(repo, "new.py", f'# new\n\nSTRIPE = "{staged_new}"\n')
    write(repo, "app.py", f"print('hi')\nSLACK = \"{staged_mod}\"\n")
    git(repo, "add", "new.py", "app.py")
    git(repo, "rm", "-q", "old_secret.py")  # a staged deletion is not a leak
    # after staging, the working tree changes again: that must not be what is scanned
    write(repo, "new.py", f'TOKEN = "{worktree_only}"\n# new\n\nSTRIPE = "{staged_new}"\n')
    result = scan_staged(repo, load_rules())
    assert located(result) == {
        ("stripe-access-token", "new.py:3", False),
        ("slack-bot-token", "app.py:2", False),
    }
    assert worktree_only not in {leak.secret for leak in result.leaks}


def test_staged_with_nothing_staged_is_clean(staged_repo: tuple[Path, Tokens]) -> None:
    repo, _ = staged_repo
    result = scan_staged(repo, load_rules())
    assert result.leaks == []
    assert judge_scan(result)[0].status == Status.PASS


def test_stdin_and_log_files_use_path_dash() -> None:
    import random

    t = Tokens(random.Random(3))
    log = f"step 1 ok\nexport GITHUB_TOKEN=ghp_{t.alnum(36)}\nstep 2 ok\n"
    result = scan_text(log, "-", load_rules())
    assert located(result) == {("github-pat", "-:2", False)}


def test_path_only_rules_see_binary_files_in_tree_and_history(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "client.p12").write_bytes(b"0\x82\x00\x01binary keystore\x00\x01")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "add keystore")
    sha = git(tmp_path, "rev-parse", "HEAD")[:12]
    assert located(scan_tree(tmp_path, load_rules())) == {
        ("pkcs12-file", "certs/client.p12:1", False)
    }
    git(tmp_path, "rm", "-q", "certs/client.p12")
    git(tmp_path, "commit", "-qm", "remove keystore")
    assert located(scan_history(tmp_path, load_rules(), jobs=1)) == {
        ("pkcs12-file", f"{sha}:certs/client.p12:1", True)
    }


def test_diff_parser_edge_cases() -> None:
    from launchready.secrets.sources import parse_diff

    stream = (
        b"\x00aaa\x00Dev\x002026-01-01T00:00:00+00:00\n\n"
        b"diff --git a/sp ace.py b/sp ace.py\nindex 1..2 100644\n--- a/sp ace.py\n+++ b/sp ace.py\n"
        b"@@ -1,0 +2,2 @@\n+one\n+two\n"
        b"@@ -5 +7 @@\n-old\n\\ No newline at end of file\n+new\n\\ No newline at end of file\n"
        b'diff --git "a/t\\303\\244st.py" "b/t\\303\\244st.py"\nnew file mode 100644\n'
        b'--- /dev/null\n+++ "b/t\\303\\244st.py"\n@@ -0,0 +1 @@\n+++ looks like a header\n'
        b"diff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ b/gone.py\n@@ -3,2 +2,0 @@\n-x\n-y\n"
        b"diff --git a/mode.sh b/mode.sh\nold mode 100644\nnew mode 100755\n"
        b"\x00bbb\x00Dev\x002026-01-02T00:00:00+00:00\n\n"
        b"diff --git a/img.p12 b/img.p12\nnew file mode 100644\n"
        b"Binary files /dev/null and b/img.p12 differ\n"
    )
    # feed it in awkward pieces: chunk boundaries must not matter
    pieces = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    frags = list(parse_diff(iter(pieces), commits=True))
    got = [(f.commit, f.path, f.text, f.lines) for f in frags]
    assert got == [
        ("aaa", "sp ace.py", "one\ntwo\nnew", [2, 3, 7]),
        ("aaa", "täst.py", "++ looks like a header", [1]),
        ("bbb", "img.p12", "", None),
    ]
