"""Config: typed sections, ${ENV}, relative paths, and errors naming file, key and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchready.config import load_config, parse_config
from launchready.errors import ConfigError
from launchready.redact import REDACTOR

MINIMAL = '[site]\nurl = "https://portal.example.com"\n'


def test_minimal_config_has_defaults():
    cfg = parse_config(MINIMAL)
    assert cfg.site.host == "portal.example.com"
    assert cfg.network.timeout == 5.0
    assert cfg.perf.endpoint == []


@pytest.mark.parametrize(
    ("text", "key", "line", "words"),
    [
        (
            '[site]\nurl = "https://a.example"\n\n[network]\ntimeot = 3\n',
            "network.timeot",
            5,
            "unknown key",
        ),
        (
            '[site]\nurl = "https://a.example"\n[network]\ntimeout = "slow"\n',
            "network.timeout",
            4,
            "valid number",
        ),
        ('[site]\nhosts = { app = "a.example" }\n', "site.url", 1, "missing"),
        ('[site]\nurl = "ftp://a.example"\n', "site.url", 2, "http(s) URL"),
        (
            '[site]\nurl = "https://a.example"\n[network]\nconnect_to = ["a:b"]\n',
            "network.connect_to",
            4,
            "HOST1:PORT1:HOST2:PORT2",
        ),
        (
            '[site]\nurl = "https://a.example"\n[network]\nnameservers = ["ns.example"]\n',
            "network.nameservers",
            4,
            "IP address",
        ),
        (
            '[site]\nurl = "https://a.example"\n[[perf.endpoint]]\npath = "/x"\nmethod = "FETCH"\n',
            "perf.endpoint[0].method",
            5,
            "unknown HTTP method",
        ),
    ],
)
def test_errors_name_file_key_and_line(text, key, line, words, tmp_path: Path):
    path = tmp_path / "launchready.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert f":{line}:" in message
    assert key in message
    assert words in message


def test_toml_syntax_error_names_line(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[site]\nurl = "https://a.example"\n[network\n')
    with pytest.raises(ConfigError, match=r"c\.toml:3: not valid TOML"):
        load_config(path)


def test_missing_file_says_how_to_start(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="launchready init"):
        load_config(None)


def test_env_substitution_and_secret_masking(monkeypatch):
    monkeypatch.setenv("LR_TEST_DB_PASSWORD", "hunter2-very-secret")
    monkeypatch.setenv("LR_TEST_HOST", "portal.example.com")
    cfg = parse_config(
        '[site]\nurl = "https://${LR_TEST_HOST}"\n'
        '[perf]\ndatabase_url = "postgresql://app:${LR_TEST_DB_PASSWORD}@db/app"\n'
    )
    assert cfg.site.host == "portal.example.com"
    assert "hunter2-very-secret" in cfg.perf.database_url
    assert "hunter2" not in REDACTOR.scrub(f"url={cfg.perf.database_url}")
    # A non-secret name is not masked:
    assert "portal.example.com" in REDACTOR.scrub(cfg.site.url)


def test_missing_env_var_is_a_config_error(monkeypatch):
    monkeypatch.delenv("LR_NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(ConfigError, match=r":2: \[site.url\]: environment variable LR_NOT_SET"):
        parse_config('[site]\nurl = "https://${LR_NOT_SET_ANYWHERE}"\n')


def test_relative_paths_resolve_against_config_folder(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "ca.pem").write_text("x")
    path = tmp_path / "sub" / "launchready.toml"
    path.write_text(MINIMAL + '[network]\nca_bundle = "ca.pem"\n[repo]\npath = ".."\n')
    cfg = load_config(path)
    assert cfg.network.ca_bundle == tmp_path / "sub" / "ca.pem"
    assert cfg.repo.path.resolve() == tmp_path.resolve()


def test_missing_ca_bundle_is_named(tmp_path: Path):
    path = tmp_path / "launchready.toml"
    path.write_text(MINIMAL + '[network]\nca_bundle = "nope.pem"\n')
    with pytest.raises(ConfigError, match=r":4: \[network.ca_bundle\]: ca_bundle file"):
        load_config(path)


def test_connect_to_parses_curl_forms():
    cfg = parse_config(
        MINIMAL + '[network]\nconnect_to = [":443:127.0.0.1:8443", '
        '"a.example:80:[::1]:8080", "::127.0.0.2:"]\n'
    )
    rules = cfg.network.connect_rules
    assert rules[0].matches("anything.example", 443) and not rules[0].matches("x", 80)
    assert rules[1].target("a.example", 80).host == "::1"
    assert rules[2].matches("b.example", 1234)
    assert rules[2].target("b.example", 1234).port == 1234


def test_scope_lists_every_site_host():
    cfg = parse_config(
        '[site]\nurl = "https://portal.example.com"\napex = "example.com"\n'
        'hosts = { api = "api.example.com" }\norigin = "127.0.0.9"\n'
        'login_url = "https://login.example.com/in"\n'
    )
    assert cfg.in_scope_hosts() == {
        "portal.example.com",
        "example.com",
        "www.example.com",
        "api.example.com",
        "127.0.0.9",
        "login.example.com",
    }
