"""A realistic audit of a portal that is not ready: a dozen findings across areas and statuses."""

from __future__ import annotations

from datetime import UTC, datetime

from launchready.report.catalogue import CheckSpec
from launchready.report.model import Finding, Report, Severity, SourceLocation

# Specs are built directly (not declared with `check`) so that tests never collide with the
# catalogue the check modules register.
SPECS = {
    s.id: s
    for s in (
        CheckSpec("smoke.step", "Smoke step", Severity.HIGH, 0, "Fix the step so it passes."),
        CheckSpec("tls.cert.expired", "Certificate expired", Severity.CRITICAL, 1, "Renew it."),
        CheckSpec("exposure.file", "Sensitive file served", Severity.HIGH, 1, "Block the path."),
        CheckSpec("secrets.leak", "Secret in the repository", Severity.CRITICAL, 1, "Rotate it."),
        CheckSpec("repo.rollback.missing", "No rollback path", Severity.MEDIUM, 2, "Add one."),
        CheckSpec("email.dmarc.policy-none", "DMARC p=none", Severity.MEDIUM, 2, "Use p=reject."),
        CheckSpec("headers.hsts.missing", "No HSTS", Severity.MEDIUM, 3, "Send HSTS."),
        CheckSpec("headers.csp.missing", "No CSP", Severity.MEDIUM, 3, "Send a CSP."),
        CheckSpec("dns.caa.missing", "No CAA record", Severity.LOW, 3, "Add CAA."),
        CheckSpec("headers.version-leak", "Version leak", Severity.LOW, 4, "Hide versions."),
        CheckSpec("dns.resolve.failed", "Host does not resolve", Severity.HIGH, 0, "Fix DNS."),
        CheckSpec("cors.origin-reflected", "Origin reflected", Severity.HIGH, 1, "Allow-list."),
        CheckSpec("perf.latency", "Latency over target", Severity.MEDIUM, 3, "Speed it up."),
        CheckSpec("edge.none", "No edge in front", Severity.LOW, 3, "Put a CDN in front."),
    )
}


def sample_findings() -> list[Finding]:
    s = SPECS
    return [
        s["headers.version-leak"].finding(
            "warn", "https://portal.example.com/", evidence="Server: nginx/1.18.0"
        ),
        s["headers.hsts.missing"].finding(
            "fail", "https://portal.example.com/", evidence="no Strict-Transport-Security header"
        ),
        s["smoke.step"].finding(
            "fail",
            "core/login",
            "Login returned 200, expected 302",
            evidence="status (200) == 302",
            flow="core",
            step="login",
            duration_ms=84,
        ),
        s["smoke.step"].finding("pass", "core/login-page", "OK", flow="core", step="login-page"),
        s["smoke.step"].skipped("core/create-ticket", "an earlier step failed", flow="core"),
        s["tls.cert.expired"].finding(
            "fail",
            "admin.example.com:443",
            "Certificate expired 12 days ago",
            evidence="notAfter=2026-11-15T00:00:00Z",
        ),
        s["exposure.file"].finding(
            "fail", "https://portal.example.com/.env", evidence="200 OK, 312 bytes, DB_PASSWORD="
        ),
        s["secrets.leak"].finding(
            "fail",
            "portal/settings.py:12",
            "GitHub token in settings.py",
            evidence="ghp_abcd****",
            location=SourceLocation("portal/settings.py", 12),
            fingerprint_key="portal/settings.py:github-pat",
            rule="github-pat",
            in_history=False,
        ),
        s["repo.rollback.missing"].finding("fail", ".", evidence="no deploy.rollback configured"),
        s["email.dmarc.policy-none"].finding(
            "warn", "_dmarc.example.com", evidence="v=DMARC1; p=none"
        ),
        s["headers.csp.missing"].finding("warn", "https://portal.example.com/"),
        s["dns.caa.missing"].finding("warn", "example.com"),
        s["dns.resolve.failed"].passed("portal.example.com"),
        s["cors.origin-reflected"].passed("https://api.example.com/"),
        s["perf.latency"].skipped("GET /api/tickets", "no [perf] endpoints configured"),
        s["edge.none"].error("portal.example.com", "the edge probe timed out after 5.0 s"),
    ]


def make_report(findings: list[Finding], command: str = "audit") -> Report:
    return Report(
        command=command,
        target="https://portal.example.com",
        findings=findings,
        started_at=datetime(2026, 11, 27, 17, 0, tzinfo=UTC),
        duration_s=2.31,
    )
