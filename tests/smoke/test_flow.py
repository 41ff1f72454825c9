"""Flow files: the fixed core, the extensions, and errors that name file, key and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from smoke_helpers import EXAMPLES

from launchready.errors import ConfigError
from launchready.smoke.flow import load_flow

DATA = Path(__file__).parent / "data"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_flow(path)
    return info.value


def test_contract_example_parses():
    flow = load_flow(DATA / "core.toml")
    assert [s.id for s in flow.steps] == ["login-page", "login"]
    login = flow.steps[1]
    assert login.mutating and login.method == "POST" and not login.follow_redirects
    assert flow.steps[0].capture[0].attr == "value"
    assert flow.stem == "core"
    missing = {name for _, name, _ in flow.missing_env({"LR_BASE_URL": "http://x"})}
    assert missing == {"LR_USERNAME", "LR_PASSWORD"}


def test_example_includes_its_login_fragment():
    flow = load_flow(EXAMPLES / "django-admin.smoke.toml")
    assert flow.stem == "django-admin.smoke"
    assert [s.id for s in flow.steps[:2]] == ["login-page", "login"]
    assert flow.steps[1].source.endswith("fragments/django-login.toml")
    assert flow.steps[1].mutating is False  # marked: a login changes no business data
    assert flow.finally_steps[0].id == "cleanup-login-page"
    assert all(s.cleanup for s in flow.finally_steps)
    assert not any(s.cleanup for s in flow.steps)


def test_include_as_a_step_splices_in_place_and_cycles_are_refused(tmp_path):
    write(tmp_path, "frag/a.toml", '[[step]]\nid = "a"\nrequest = { url = "/a" }\n')
    flow = load_flow(
        write(
            tmp_path,
            "f.toml",
            """
            [[step]]
            id = "first"
            request = { url = "/" }

            [[step]]
            include = "frag/a.toml"
            """,
        )
    )
    assert [s.id for s in flow.steps] == ["first", "a"]
    write(tmp_path, "c1.toml", 'include = ["c2.toml"]\n')
    write(tmp_path, "c2.toml", 'include = ["c1.toml"]\n')
    err = error_of(
        write(tmp_path, "top.toml", 'include = ["c1.toml"]\n[[step]]\nid="x"\nrequest={url="/"}\n')
    )
    assert "include cycle" in str(err) and "c1.toml" in str(err)


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\n'
            'expect = [\n  "status == 200",\n  "status =! 200",\n]\n',
            6,
            "expected one of",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\nexpect = ["body matches (unclosed"]\n',
            4,
            "bad regular expression",
        ),
        ('[[step]]\nid = "a"\nrequest = { url = "/" }\nexpect = ["status == ok"]\n', 4, "number"),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\nexpect = ["cookie x == 1"]\n',
            4,
            "must start with",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { method = "POST", url = "/" }\nretries = 2\n',
            4,
            "never retried",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/", form = {a = "1"}, body = "x" }\n',
            3,
            "at most one body",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\ncapture = { x = "xpath //a" }\n',
            4,
            "must start with",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\ncapture = { x = "css a[[" }\n',
            4,
            "bad CSS",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/{{pk}}" }\n',
            1,
            "not captured by an earlier step",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\ncsrf = "spring"\n',
            4,
            "csrf must be one of",
        ),
        ('[[step]]\nid = "a"\nrequest = { url = "/" }\nwait = 3\n', 4, "unknown key"),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/" }\n\n'
            '[[step]]\nid = "a"\nrequest = { url = "/" }\n',
            5,
            "used twice",
        ),
        (
            '[[step]]\nid = "a"\nrequest = { url = "/", method = "FETCH" }\n',
            3,
            "unknown HTTP method",
        ),
        ('name = "x"\n[[step]]\nid = "a"\nrequest = { url = "/" \n', 4, "not valid TOML"),
    ],
)
def test_errors_name_file_and_line(tmp_path, body, line, words):
    path = write(tmp_path, "bad.toml", body)
    err = error_of(path)
    assert words in str(err)
    assert err.file == str(path.resolve()) or err.file == str(path)
    assert err.line == line, str(err)


def test_a_capture_used_before_it_is_made_is_an_error_but_finally_may_use_any(tmp_path):
    flow = load_flow(
        write(
            tmp_path,
            "ok.toml",
            """
            [[step]]
            id = "make"
            request = { method = "POST", url = "/things" }
            capture = { thing = "header Location" }

            [[finally]]
            id = "delete"
            request = { method = "DELETE", url = "{{thing}}" }
            """,
        )
    )
    assert flow.finally_steps[0].mutating
    err = error_of(
        write(
            tmp_path,
            "bad-finally.toml",
            """
            [[step]]
            id = "make"
            request = { url = "/" }

            [[finally]]
            id = "delete"
            request = { method = "DELETE", url = "{{nothing_captures_this}}" }
            """,
        )
    )
    assert "nothing_captures_this" in str(err) and err.line == 5
