"""A git repository built by the tests: secrets added, moved, rotated, deleted and left on a side
branch, plus decoys that must never be reported. Tokens are random per seed, never literals, so
this test suite holds no secret-shaped string of its own."""

from __future__ import annotations

import base64
import os
import random
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ALNUM = string.ascii_letters + string.digits
# conformance figures per replay mode: (total line, {family: Counter}), printed by conftest
CONFORMANCE: dict[str, tuple[str, dict]] = {}


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Dev One",
        "GIT_AUTHOR_EMAIL": "dev@example.test",
        "GIT_COMMITTER_NAME": "Dev One",
        "GIT_COMMITTER_EMAIL": "dev@example.test",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout.strip()


def write(repo: Path, rel: str, text: str) -> None:
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@dataclass
class Tokens:
    rng: random.Random

    def alnum(self, n: int) -> str:
        while True:
            s = "".join(self.rng.choice(ALNUM) for _ in range(n))
            if any(c.isdigit() for c in s) and any(c.isupper() for c in s):
                return s

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.rng.randbytes(nbytes)).decode()


@dataclass
class BuiltRepo:
    path: Path
    secrets: dict[str, str] = field(default_factory=dict)
    commits: dict[str, str] = field(default_factory=dict)


def private_key(t: Tokens) -> str:
    body = t.b64(240)
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return (
        "-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(lines) + "\n-----END RSA PRIVATE KEY-----\n"
    )


def build_repo(root: Path, seed: int = 7) -> BuiltRepo:
    t = Tokens(random.Random(seed))
    s = {
        "stripe": "sk_live_" + t.alnum(24),
        "db_password": t.alnum(14),
        "slack": f"xoxb-{t.digits(12)}-{t.digits(12)}-{t.alnum(24)}",
        "gitlab": "glpat-" + t.alnum(20),
        "github_untracked": "ghp_" + t.alnum(36),
        "github_allowed": "ghp_" + t.alnum(36),
        "aws_ignored": "AKIA"
        + "".join(t.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "private_key": private_key(t),
    }
    repo = BuiltRepo(root, s)
    git(root, "init", "-q", "-b", "main")
    # c1: secrets and decoys
    write(
        root,
        "config/settings.py",
        f'import os\nDEBUG = False\nSTRIPE_KEY = "{s["stripe"]}"\n'
        'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # the AWS docs example\n',
    )
    write(root, ".env", f"DATABASE_URL=postgres://app:{s['db_password']}@db.internal:5432/app\n")
    write(
        root,
        "README.md",
        (
            '# Portal\n\nSet `api_key = "<your-api-key>"` in your shell.\n'
            "export DB_PASSWORD=${DB_PASSWORD}\n"
            "DATABASE_URL=postgres://app:password@localhost/app\n"
            "request_id: 123e4567-e89b-12d3-a456-426614174000\n"
            "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            'SECRET_KEY = "changeme"\n'
        ),
    )
    write(
        root,
        "package-lock.json",
        (
            '{\n  "packages": {\n    "node_modules/left-pad": {\n'
            f'      "integrity": "sha512-{t.b64(64)}",\n'
            '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz"\n'
            "    }\n  }\n}\n"
        ),
    )
    write(
        root,
        "uv.lock",
        '[[package]]\nname = "django"\n'
        f'sdist = {{ hash = "sha256:{t.rng.randbytes(32).hex()}" }}\n',
    )
    write(root, "keys/deploy.pub", f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{t.b64(32)} dev@laptop\n")
    write(
        root,
        "app/public.pem",
        "-----BEGIN PUBLIC KEY-----\n" + t.b64(48) + "\n-----END PUBLIC KEY-----\n",
    )
    write(
        root,
        "app/crypto.py",
        f'public_key = "{t.b64(32)}"\nkeymap = {{"key": "ctrl+shift+down"}}\n',
    )
    write(root, "tests/fixture.py", f'TOKEN = "{s["github_allowed"]}"  # gitleaks:allow\n')
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    repo.commits["c1"] = git(root, "rev-parse", "HEAD")
    # c2: move the settings (and shift the line), add a Slack token and a private key
    git(root, "mv", "config/settings.py", "app/settings.py")
    old = (root / "app/settings.py").read_text()
    write(root, "app/settings.py", "# settings\n\n" + old)
    write(root, "deploy/slack.py", f'import os\nSLACK_BOT = "{s["slack"]}"\n')
    write(root, "deploy/key.pem", s["private_key"])
    git(root, "add", "-A")
    git(root, "commit", "-qm", "move settings, add deploy bits")
    repo.commits["c2"] = git(root, "rev-parse", "HEAD")
    # c3: delete .env and ignore it
    git(root, "rm", "-q", ".env")
    write(root, ".gitignore", ".env\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "stop tracking .env")
    repo.commits["c3"] = git(root, "rev-parse", "HEAD")
    # c4: the Slack token is rotated out of the code
    write(root, "deploy/slack.py", 'import os\nSLACK_BOT = os.environ["SLACK_BOT"]\n')
    git(root, "commit", "-qam", "read slack token from env")
    repo.commits["c4"] = git(root, "rev-parse", "HEAD")
    # c5: on a side branch only
    git(root, "checkout", "-q", "-b", "feature")
    write(root, "tools/ci.sh", f"GITLAB_TOKEN={s['gitlab']}\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "ci helper")
    repo.commits["c5"] = git(root, "rev-parse", "HEAD")
    git(root, "checkout", "-q", "main")
    # the working tree: an untracked note (scanned), an ignored .env (not scanned)
    write(root, "notes.txt", f"todo\ngh {s['github_untracked']}\n")
    write(root, ".env", f"AWS_ACCESS_KEY_ID={s['aws_ignored']}\n")
    return repo


@pytest.fixture(scope="module")
def built_repo(tmp_path_factory: pytest.TempPathFactory) -> BuiltRepo:
    return build_repo(tmp_path_factory.mktemp("repo"))
