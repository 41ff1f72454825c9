"""secrets.leak: turn scan results into findings, redacted before anything can print them."""

from __future__ import annotations

import re
from typing import Any

from launchready.redact import MASK, REDACTOR
from launchready.report.catalogue import check
from launchready.report.model import Finding, Severity, SourceLocation, Status
from launchready.secrets.baseline import Baseline
from launchready.secrets.scan import Leak, ScanResult

FIX_TREE = (
    "Rotate (revoke and reissue) this credential first: it was readable by everyone with the "
    "repository. Then remove it from the file, load it from the environment or a secret manager "
    "(add the name to .env.example), and keep the value out of git (.gitignore). If it is a "
    "test value, mark the line `# gitleaks:allow` or add it to the baseline with a reason."
)
FIX_HISTORY = (
    "1) Rotate or revoke it first: rewriting history does not un-leak anything. 2) Check the "
    "provider's access logs for use of it. 3) Purge it: `git filter-repo --replace-text "
    "<(echo 'SECRET==>REDACTED')` (or BFG), force-push all refs, and have everyone re-clone. "
    "4) Forks, CI caches, pull-request refs and mirrors keep copies. 5) Only after rotation, "
    "add its fingerprint to the baseline with a reason."
)

FIX_COMMITTED = (
    "1) Rotate (revoke and reissue) it first: it is in the git history, readable by everyone "
    "with a clone. 2) Load it from the environment or a secret manager instead of the file "
    "(add the name to .env.example). 3) Purge it from history with `git filter-repo "
    "--replace-text` (or BFG), force-push all refs and have everyone re-clone; forks, CI caches "
    "and pull-request refs keep copies."
)

SPEC = check(
    "secrets.leak",
    "Secret committed to the repository",
    Severity.CRITICAL,
    1,
    FIX_TREE,
    "A credential (API key, token, private key, password) is in the tree, the staged change, "
    "the history or a log.",
)


# Fixed public starts of token formats whose rule regex begins with an alternation.
_KNOWN_PREFIXES = re.compile(
    r"^(?:(?:sk|rk|pk)_(?:test|live|prod)_|xox[a-z]-|xapp-|(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)|"
    r"sk-(?:proj|svcacct|admin)-|sk-ant-(?:api|admin)\d\d-|gh[pousr]_|github_pat_|glpat-|"
    r"AIza|SG\.|key-|pubkey-|whsec_|npm_|pypi-|dop_v1_|doo_v1_|hf_|shp(?:at|ca|pa|ss)_|"
    r"django-insecure-|base64:)"
)


def public_prefix(leak: Leak) -> str:
    if leak.prefix and leak.secret.startswith(leak.prefix):
        return leak.prefix
    m = _KNOWN_PREFIXES.match(leak.secret)
    return m.group(0) if m and len(m.group(0)) < len(leak.secret) // 2 else ""


def keep_chars(leak: Leak) -> int:
    """How much of the secret output may show: the public prefix plus at most 4 characters,
    and never more than a quarter of what follows the prefix."""
    prefix = public_prefix(leak)
    rest = len(leak.secret) - len(prefix)
    return len(prefix) + max(0, min(4, rest // 4))


def masked(leak: Leak) -> str:
    return leak.secret[: keep_chars(leak)] + MASK


def register(leak: Leak) -> None:
    """Every output is scrubbed of this secret from now on (all its encodings)."""
    REDACTOR.add(leak.secret, keep=keep_chars(leak))


FIX_STAGED = (
    "Do not commit it: take it out of the change (edit the file, then `git add` again), load "
    "the value from the environment or a secret manager instead, and keep it out of git "
    "(.gitignore). If it already left your machine (pushed, pasted, logged), rotate it."
)


def leak_finding(leak: Leak, baselined: bool = False, mode: str = "tree") -> Finding:
    register(leak)
    severity = Severity.CRITICAL if leak.severity == "critical" else Severity.HIGH
    # test fixtures often hold fake values: still reported, one step lower and marked
    confidence = "medium" if leak.rule_id.startswith("generic") else "high"
    if leak.test_like:
        severity, confidence = Severity.HIGH, "low"
    extra: dict[str, Any] = {
        "rule": leak.rule_id,
        "in_history": leak.in_history,
        "confidence": confidence,
    }
    if leak.encoding:
        extra["encoding"] = leak.encoding
    if leak.commit:
        extra["commit"] = leak.commit
    if leak.author:
        extra["author"] = leak.author
    if leak.date:
        extra["date"] = leak.date
    if baselined:
        extra["baselined"] = True
    encoded = f" ({leak.encoding}-encoded)" if leak.encoding else ""
    where = f" in {leak.commit[:12]}" if leak.commit else ""
    by = f" by {leak.author}" if leak.author else ""
    when = f" on {leak.date[:10]}" if leak.date else ""
    if leak.in_history:
        title = f"Secret ({leak.rule_id}) deleted from the tree but still in git history"
        evidence = f"{leak.rule_id}: {masked(leak)}{encoded} added{where}{by}{when}"
        fix = FIX_HISTORY
    else:
        title = f"Secret ({leak.rule_id}) in {leak.path}"
        evidence = f"{leak.rule_id}: {masked(leak)}{encoded}"
        if leak.commit:
            evidence += f" (committed{where}{by}{when})"
        fix = FIX_COMMITTED if leak.commit else FIX_TREE
    if mode == "staged":
        title = f"Secret ({leak.rule_id}) in the staged change to {leak.path}"
        fix = FIX_STAGED
    elif mode in ("stdin", "file"):
        title = f"Secret ({leak.rule_id}) in {'standard input' if leak.path == '-' else leak.path}"
        fix = "Rotate it: logs are copied, shipped and kept. " + FIX_TREE.split(". ", 1)[1]
    if baselined:
        title = f"Accepted in the baseline: {title[0].lower()}{title[1:]}"
    return SPEC.finding(
        Status.PASS if baselined else Status.FAIL,
        leak.location,
        title,
        evidence=evidence,
        fix="" if baselined else fix,
        severity=severity,
        location=SourceLocation(leak.path, max(1, leak.line)),
        fingerprint_key=leak.fingerprint,
        **extra,
    )


def judge_scan(result: ScanResult, baseline: Baseline | None = None) -> list[Finding]:
    """One finding per leak (fail, or pass when the baseline accepts it); `pass` when clean."""
    out = [
        leak_finding(leak, bool(baseline) and baseline.matches(leak), result.mode)
        for leak in result.leaks
    ]
    if not out:
        what = {"history": "whole history", "staged": "staged change"}.get(result.mode, result.mode)
        out.append(SPEC.passed(result.target, f"No secrets found ({what}, {result.rules} rules)"))
    return out


def new_leaks(findings: list[Finding]) -> int:
    return sum(1 for f in findings if f.id == SPEC.id and f.status == Status.FAIL)


def judge(obs: Any, cfg: Any) -> list[Finding]:
    """Audit area entry point: `obs` is the repo area's `RepoFacts`."""
    if obs is None or getattr(obs, "path", None) is None:
        return [SPEC.skipped("repo", "[repo] path is not set")]
    if getattr(obs, "scan_error", None):
        return [SPEC.error(str(obs.path), obs.scan_error)]
    if obs.scan is None:
        return [SPEC.skipped(str(obs.path), "no scan was made")]
    return judge_scan(obs.scan, obs.baseline)
