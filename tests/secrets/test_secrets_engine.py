"""The rule loader and the detection engine: each step of gitleaks' pipeline, its clean control
and its known traps."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from support.secrets_repo import Tokens

from launchready.errors import ConfigError
from launchready.secrets.engine import (
    MAX_LINE,
    Detector,
    Fragment,
    semi_generic_anchor,
    shannon_entropy,
)
from launchready.secrets.rules import compile_go, load_rules

T = Tokens(random.Random(42))


def rules_from(tmp_path: Path, text: str):
    cfg = tmp_path / "rules.toml"
    cfg.write_text(text)
    return load_rules(cfg)


def ids(hits) -> list[str]:
    return sorted(h.rule.id for h in hits)


def test_go_patterns_compile_with_re2_meaning() -> None:
    # a mid-pattern (?i) and \z, both rejected or different in Python's re
    p = compile_go(r"\bEZAK(?i)[a-z0-9]{4}\z")
    assert p.search("x EZAKabCD")
    assert not p.search("x ezakabcd")  # the flag applies after EZAK only
    assert not p.search("x EZAKabCD\n")  # \z is the very end, not before a final newline
    assert compile_go(r"\w").search("é") is None  # ASCII classes, as in RE2


def test_entropy_must_be_strictly_greater(tmp_path: Path) -> None:
    rules = rules_from(tmp_path, "[[rules]]\nid = 'r'\nregex = '''tok_([a-d]{4})'''\nentropy = 2\n")
    det = Detector(rules)
    assert shannon_entropy("abcd") == 2.0
    assert det.scan_text("tok_abcd") == []  # exactly the threshold: not a secret
    rules.rules["r"].entropy = 1.99
    assert ids(Detector(rules).scan_text("tok_abcd")) == ["r"]


def test_secret_group_and_first_non_empty_group(tmp_path: Path) -> None:
    rules = rules_from(
        tmp_path,
        (
            "[[rules]]\nid = 'sg'\nregex = '''(key|pass)=(\\w+)'''\nsecretGroup = 2\n"
            "[[rules]]\nid = 'first'\nregex = '''(?:a=(\\w+)|b=(\\w+))'''\n"
        ),
    )
    hits = {h.rule.id: h.secret for h in Detector(rules).scan_text("pass=hunter22 b=xyz")}
    assert hits == {"sg": "hunter22", "first": "xyz"}


def test_keyword_prefilter_skips_the_regex(tmp_path: Path) -> None:
    rules = rules_from(
        tmp_path, "[[rules]]\nid = 'k'\nregex = '''[0-9]{6}'''\nkeywords = ['pin']\n"
    )
    det = Detector(rules)
    assert det.scan_text("code 123456") == []
    assert ids(det.scan_text("PIN 123456")) == ["k"]  # keywords are case-insensitive


def test_allowlists_targets_conditions_and_stopwords(tmp_path: Path) -> None:
    rules = rules_from(
        tmp_path,
        """
[[rules]]
id = "r"
regex = '''(\\w+)=([A-Za-z0-9]{8,})'''
secretGroup = 2
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''^demo_''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''#\\s*fake''']
[[rules.allowlists]]
condition = "AND"
paths = ['''^fixtures/''']
stopwords = ["sample"]
[[rules.allowlists]]
stopwords = ["notreal"]
""",
    )
    det = Detector(rules)
    assert det.scan_text("demo_key=Q8vLm2pXr9", "a.py") == []  # match target
    assert det.scan_text("key=Q8vLm2pXr9  # fake", "a.py") == []  # line target
    assert det.scan_text("key=xxNOTREALxx", "a.py") == []  # stopword, case-insensitive
    # AND: path and stopword must both hold
    assert det.scan_text("key=SAMPLEq8vLm", "fixtures/x.py") == []
    assert ids(det.scan_text("key=SAMPLEq8vLm", "src/x.py")) == ["r"]
    assert ids(det.scan_text("key=Q8vLm2pXr9", "fixtures/x.py")) == ["r"]


def test_global_allowlists_paths_and_target_rules(tmp_path: Path) -> None:
    rules = rules_from(
        tmp_path,
        """
[allowlist]
paths = ['''(?:^|/)vendor/''']
[[allowlists]]
targetRules = ["b"]
regexes = ['''^ignored''']
[[rules]]
id = "a"
regex = '''a=(\\w{6,})'''
[[rules]]
id = "b"
regex = '''b=(\\w{6,})'''
""",
    )
    det = Detector(rules)
    assert det.scan_text("a=Q8vLm2pX", "vendor/lib.py") == []
    assert ids(det.scan_text("a=ignoredX b=ignoredX", "app.py")) == ["a"]


def test_inline_allow_markers(tmp_path: Path) -> None:
    det = Detector(load_rules())
    token = "ghp_" + T.alnum(36)
    assert ids(det.scan_text(f"t = '{token}'\n")) == ["github-pat"]
    assert det.scan_text(f"t = '{token}'  # gitleaks:allow\n") == []
    assert det.scan_text(f"t = '{token}'  # pragma: allowlist secret\n") == []


def test_generic_hit_inside_a_specific_hit_is_dropped() -> None:
    token = "sk_live_" + T.alnum(24)
    hits = Detector(load_rules()).scan_text(f'api_key = "{token}"\n')
    assert ids(hits) == ["stripe-access-token"]
    hits = Detector(load_rules(), generic_filter=False).scan_text(f'api_key = "{token}"\n')
    assert ids(hits) == ["generic-api-key", "stripe-access-token"]


def test_binary_and_overlong_lines_are_skipped() -> None:
    token = "ghp_" + T.alnum(36)
    det = Detector(load_rules())
    assert det.scan([Fragment(f"\x00\x01{token}", "blob.bin")]) == []
    assert det.stats.binary_skipped == ["blob.bin"]
    long_line = "x" * (MAX_LINE + 1) + token
    hits = det.scan_text(f"{long_line}\nt = '{token}'\n")
    assert [(h.rule.id, h.line) for h in hits] == [("github-pat", 2)]


def test_placeholders_and_documented_examples_are_not_secrets() -> None:
    det = Detector(load_rules())
    decoys = [
        'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"',
        'aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
        'api_key = "<your-api-key>"',
        'api_token = "${API_TOKEN}"',
        'secret_key = "{{ vault_secret_key }}"',
        'password = "changeme"',
        'auth_token = "xxxxxxxxxxxxxxxxxxxx"',
        "DATABASE_URL=postgres://app:${DB_PASSWORD}@db/app",
        "DATABASE_URL=postgres://user:password@localhost/app",
        'stripe.api_key = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"',
        '"key": "ctrl+shift+down"',
        "request_id = 123e4567-e89b-12d3-a456-426614174000",
        "sha256 = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        'public_key = "MCowBQYDK2VwAyEA3qJ8b1n0pZ8h6m4QvCk0l9yX2cU7eR5tW1sA4dF6gH8="',
    ]
    for line in decoys:
        assert det.scan_text(line + "\n", "settings.py") == [], line


def test_launchready_rules_find_what_portals_leak() -> None:
    det = Detector(load_rules())
    pw = T.alnum(16)
    django = "django-insecure-" + T.alnum(40)
    laravel = "base64:" + T.b64(32)
    cases = {
        f"DATABASE_URL=postgres://app:{pw}@db.internal:5432/app": ("database-url-password", pw),
        f"REDIS_URL=rediss://default:{pw}@cache:6380/0": ("database-url-password", pw),
        f'SECRET_KEY = "{django}"': ("django-secret-key", django),
        f"APP_KEY={laravel}": ("laravel-app-key", laravel),
        f"secret_key_base: {T.rng.randbytes(64).hex()}": ("rails-secret-key-base", None),
    }
    for line, (rule, secret) in cases.items():
        hits = det.scan_text(line + "\n", "config.env")
        assert rule in ids(hits), line
        if secret:
            assert any(h.secret == secret for h in hits)


def test_joined_batches_give_the_same_hits_as_single_fragments() -> None:
    det = Detector(load_rules())
    frags = []
    for i in range(40):
        body = f"x = {i}\napi_key = '{T.alnum(20)}'\n" if i % 3 else "print('hello')\n"
        if i == 7:  # a secret split across two fragments must not be joined into one
            body = "api_key =\n"
        if i == 8:
            body = f"'{T.alnum(20)}'\n"
        frags.append(Fragment(body, f"f{i}.py"))
    one = {(h.path, h.line, h.secret) for f in frags for h in det.scan([Fragment(f.text, f.path)])}
    joined = {
        (h.path, h.line, h.secret) for h in det.scan([Fragment(f.text, f.path) for f in frags])
    }
    assert one == joined and len(one) >= 20


def test_anchor_only_for_the_semi_generic_template() -> None:
    assert semi_generic_anchor(r"(?i)[\w.-]{0,50}?(?:twitter)(?:[ \t\w.-]{0,20})x") is not None
    assert semi_generic_anchor(r"(?i)[\w.-]{0,50}?(?:jira)x|\b(ATATT3[A-Z]{5})") is None
    assert semi_generic_anchor(r"\bghp_[0-9a-zA-Z]{36}") is None


def test_extend_use_default_and_disabled_rules(tmp_path: Path) -> None:
    rules = rules_from(
        tmp_path,
        """
[extend]
useDefault = true
disabledRules = ["generic-api-key", "github-pat"]
[[rules]]
id = "corp-token"
regex = '''corp_[a-z0-9]{12}'''
keywords = ["corp_"]
""",
    )
    assert "generic-api-key" not in rules.rules and "github-pat" not in rules.rules
    assert "stripe-access-token" in rules.rules and "corp-token" in rules.rules
    det = Detector(rules)
    assert ids(det.scan_text("t = corp_q8vlm2pxr9ab\n")) == ["corp-token"]


def test_bad_configs_name_the_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        rules_from(tmp_path, "[[rules]]\nid = 'a'\nregex = '''(unclosed'''\n")
    assert "rules.toml" in str(err.value) and "rules[0].regex" in str(err.value)
    with pytest.raises(ConfigError) as err:
        rules_from(tmp_path, "[[rules]]\nid = 'a'\nregex = \n")
    assert "rules.toml:3" in str(err.value)
    with pytest.raises(ConfigError):
        rules_from(tmp_path, "[[rules]]\nid = 'a'\n")
    with pytest.raises(ConfigError):
        load_rules(tmp_path / "missing.toml")


def test_decoding_base64_runs_is_opt_in() -> None:
    import base64

    token = "ghp_" + T.alnum(36)
    encoded = base64.b64encode(f"GITHUB_TOKEN={token}\n".encode()).decode()
    text = f"kind: ConfigMap\nblob: {encoded}\n"
    assert Detector(load_rules()).scan_text(text, "values.txt") == []
    hits = Detector(load_rules(), decode=True).scan_text(text, "values.txt")
    assert [(h.rule.id, h.secret, h.line, h.fragment.encoding) for h in hits] == [
        ("github-pat", token, 2, "base64")
    ]
    # decoded binary noise and plain words are not rescanned as text
    noise = base64.b64encode(T.rng.randbytes(48)).decode()
    assert Detector(load_rules(), decode=True).scan_text(f"x = '{noise}'\n") == []
