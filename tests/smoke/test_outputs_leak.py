"""No report, log, ledger or hook output holds a password or a session/CSRF cookie value.

The CLI runs in its own process (a fresh redactor, as in production); every output it writes is
collected: each format to a file, stdout, stderr, the deploy ledger, the report handed to the
rollback hook, and the hook's own output (which echoes the password on purpose).
"""

from __future__ import annotations

import json

from smoke_helpers import EXAMPLES, run_cli

FLOW = str(EXAMPLES / "django-admin.smoke.toml")
FORMATS = ("text", "json", "markdown", "html", "sarif", "junit")


def _collect(proc, *files) -> list[str]:
    texts = [proc.stdout, proc.stderr]
    texts += [f.read_text(encoding="utf-8") for f in files if f.exists()]
    return texts


def test_no_output_contains_a_password_or_cookie_value(django_site, tmp_path):
    from smokeportal.urls import ISSUED_COOKIES

    ISSUED_COOKIES.clear()
    outputs: list[str] = []
    wrong = "wrong-Passw0rd-xyz"
    hook = 'test -s "$LAUNCHREADY_REPORT" && echo "hook sees $LR_PASSWORD"'
    runs = [(fmt, django_site.env(LR_PASSWORD=wrong), 4) for fmt in FORMATS]
    runs += [("json", django_site.env(), 0), (None, django_site.env(), 0)]
    for fmt, env, code in runs:
        out = tmp_path / f"report-{fmt}-{code}.out"
        args = ["--format", fmt, "-o", str(out)] if fmt else []  # None: default, to stdout
        proc = run_cli(["smoke", FLOW, *args, "--on-fail", hook], env, tmp_path)
        assert proc.returncode == code, proc.stderr
        outputs += _collect(proc, out)

    django_site.set_version("broken-9")
    cfg = tmp_path / "launchready.toml"
    cfg.write_text(
        f'[site]\nurl = "{django_site.url}"\n[smoke]\nflows = ["{FLOW}"]\n'
        f'[deploy]\nversion_url = "{django_site.url}/version"\nversion_field = "build.version"\n'
        f"poll_interval = 0.2\nrollback = {json.dumps(hook)}\n"
    )
    proc = run_cli(
        ["verify", "-c", str(cfg), "--expect-version", "broken-9", "--timeout", "1"],
        django_site.env(),
        tmp_path,
    )
    assert proc.returncode == 5, proc.stderr  # the hook does not restore a healthy version
    django_site.set_version("v1")
    outputs += _collect(proc)
    state = tmp_path / ".launchready"
    files = sorted(state.rglob("*"))
    assert any(f.name == "deploys.jsonl" for f in files)
    assert any(f.suffix == ".json" for f in files)  # reports handed to the rollback hook
    outputs += [f.read_text(encoding="utf-8") for f in files if f.is_file()]

    session_ids = [c for c in ISSUED_COOKIES if len(c) == 32]
    assert session_ids, "the app issued no session cookie: the scan would prove nothing"
    secrets = {django_site.password, wrong, *ISSUED_COOKIES}
    joined = "\n".join(outputs)
    assert "hook sees ****" in joined  # the hook ran and its output was kept, masked
    for secret in secrets:
        assert secret not in joined, f"a secret value leaked ({secret[:3]}...)"
