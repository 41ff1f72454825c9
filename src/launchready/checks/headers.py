"""`headers.*`: security headers and cookies of the canonical site, graded like the Observatory.

`headers.grade` is the Observatory's own verdict (algorithm v6, with the per-test arithmetic so
a reader can see why bonuses did not count). The other ids are our reading of the same
responses: HSTS on the first HTTPS answer, CSP with nonces/hashes/'strict-dynamic' understood,
and cookies judged only when they carry a session (a CDN or load-balancer cookie is not a
login). Pure: reads observations, never the network.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

from launchready.checks import observatory
from launchready.report.catalogue import check
from launchready.report.model import Finding, Status
from launchready.web import csp as csplib
from launchready.web.cookies import (
    JarCookie,
    is_platform_cookie,
    is_session_cookie,
    jar_from_set_cookie,
)
from launchready.web.observations import HeadersObservation
from launchready.web.preload import PreloadList

GRADE = check(
    "headers.grade",
    "Security headers graded like Mozilla's HTTP Observatory",
    "medium",
    3,
    "Raise the grade to B or better: add the missing headers listed in `tests` (CSP, HSTS, "
    "X-Frame-Options or frame-ancestors, nosniff, Referrer-Policy) at the edge or in the app.",
)
HSTS_MISSING = check(
    "headers.hsts.missing",
    "No HSTS on HTTPS",
    "high",
    3,
    "Send `Strict-Transport-Security: max-age=31536000; includeSubDomains` on every HTTPS "
    "response.",
)
HSTS_WEAK = check(
    "headers.hsts.weak",
    "HSTS max-age under six months",
    "medium",
    3,
    "Raise HSTS max-age to at least 15552000 (180 days); 31536000 is usual.",
)
CSP_MISSING = check(
    "headers.csp.missing",
    "No Content-Security-Policy",
    "high",
    3,
    "Send an enforced Content-Security-Policy (a strict one: `script-src 'nonce-…' "
    "'strict-dynamic'; object-src 'none'; base-uri 'none'`). Report-Only alone does not protect.",
)
CSP_UNSAFE = check(
    "headers.csp.unsafe",
    "CSP lets injected scripts run",
    "high",
    3,
    "Remove 'unsafe-inline', 'unsafe-eval', `*`, `http:`, `https:` and `data:` from script-src; "
    "use nonces or hashes (with 'strict-dynamic') instead; set object-src 'none' and base-uri.",
)
XCTO_MISSING = check(
    "headers.xcto.missing",
    "No X-Content-Type-Options: nosniff",
    "low",
    3,
    "Send `X-Content-Type-Options: nosniff` on every response.",
)
FRAME_MISSING = check(
    "headers.frame.missing",
    "Page can be framed (no X-Frame-Options or frame-ancestors)",
    "high",
    3,
    "Send `Content-Security-Policy: frame-ancestors 'none'` (or 'self'), or "
    "`X-Frame-Options: DENY`.",
)
REFERRER_MISSING = check(
    "headers.referrer.missing",
    "No safe Referrer-Policy",
    "low",
    3,
    "Send `Referrer-Policy: strict-origin-when-cross-origin` (or no-referrer, same-origin).",
)
COOKIE_INSECURE = check(
    "headers.cookie.insecure",
    "Session cookie lacks Secure, HttpOnly or SameSite",
    "high",
    1,
    "Set session and auth cookies with `Secure; HttpOnly; SameSite=Lax` (or Strict); prefer "
    "the `__Host-` prefix (Secure, Path=/, no Domain).",
)
VERSION_LEAK = check(
    "headers.version-leak",
    "Response headers reveal product versions",
    "low",
    4,
    "Strip version numbers from Server, X-Powered-By and similar headers (nginx "
    "`server_tokens off`, Apache `ServerTokens Prod`, Express `app.disable('x-powered-by')`).",
)

_LEAKY: list[str] = json.loads(
    resources.files("launchready.data.web").joinpath("leaky_headers.json").read_text()
)["headers"]
_VERSIONED = re.compile(r"\d+\.\d+|/\s*v?\d+\b|\bv\d+\b")
_GOOD_REFERRER = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
_PASSING_GRADES = {"A+", "A", "A-", "B+", "B"}


def judge(
    obs: HeadersObservation, cfg: Any = None, *, preload: PreloadList | None = None
) -> list[Finding]:
    site = obs.site
    ids = (GRADE, HSTS_MISSING, HSTS_WEAK, CSP_MISSING, CSP_UNSAFE, XCTO_MISSING, FRAME_MISSING,
           REFERRER_MISSING, COOKIE_INSECURE, VERSION_LEAK)  # fmt: skip
    if site is None or site.auto is None:
        why = obs.error or "the site gave no HTTP response"
        return [spec.error(obs.url, why) for spec in ids]
    subject = site.url
    findings = [_grade(site, preload, obs.preload_as_of)]
    findings += _hsts(site)
    findings += _csp(site)
    findings.append(_xcto(site))
    findings.append(_frame(site))
    findings.append(_referrer(site))
    cookies = cookie_findings(site, obs.cookie_sources)
    if obs.login_flow_error:  # the logged-in cookies were not seen: a pass would be a guess
        for f in cookies:
            f.extra["login_flow_error"] = obs.login_flow_error
            if f.status == Status.PASS:
                f.status = Status.ERROR
                f.title = f"Could not check the session cookie set at login: {obs.login_flow_error}"
    findings += cookies
    findings.append(_version_leak(site, subject))
    return findings


def _grade(site, preload: PreloadList | None, as_of: str) -> Finding:
    status = site.auto.status
    if status not in observatory.GRADED_STATUSES:
        return GRADE.error(
            site.url,
            f"the page answered {status}; the Observatory grades only "
            "2xx, 3xx, 401 and 403 responses",
        )
    g = observatory.grade(site, preload)
    tests = [
        {"test": o.test, "result": o.result, "pass": o.passed, "modifier": o.modifier}
        for o in g.outcomes
    ]
    arithmetic = f"100 {g.penalties:+d} = {g.interim}"
    if g.bonuses:
        arithmetic += f", bonuses {g.bonuses:+d} " + (
            "counted" if g.interim >= 90 else "not counted (interim score under 90)"
        )
    failing = [f"{o.result} ({o.modifier:+d})" for o in g.outcomes if o.modifier < 0]
    ok = g.grade in _PASSING_GRADES
    return GRADE.finding(
        Status.PASS if ok else Status.FAIL,
        site.url,
        f"Observatory grade {g.grade} ({g.score}/100)",
        evidence=arithmetic + ("; " + ", ".join(failing) if failing else ""),
        fix="" if ok else GRADE.fix,
        score=g.score,
        grade=g.grade,
        algorithm_version=g.algorithm_version,
        interim_score=g.interim,
        penalties=g.penalties,
        bonuses=g.bonuses,
        bonuses_counted=g.interim >= 90,
        tests_passed=g.tests_passed,
        tests=tests,
        hsts_preload_as_of=as_of,
    )


def _hsts(site) -> list[Finding]:
    https = site.https
    subject = site.url
    if https is None:
        why = "the site has no HTTPS response (see tls.missing)"
        return [HSTS_MISSING.skipped(subject, why), HSTS_WEAK.skipped(subject, why)]
    subject = next((h.url for h in site.https_redirects[:1]), subject)
    values = https.values("strict-transport-security")
    if not values:
        return [
            HSTS_MISSING.finding(
                Status.FAIL,
                subject,
                evidence="no Strict-Transport-Security header on the first HTTPS response",
            ),
            HSTS_WEAK.skipped(subject, "no HSTS header"),
        ]
    header = values[0]
    max_age = None
    if "," not in header:
        for part in (p.strip().lower() for p in header.split(";")):
            m = re.fullmatch(r'max-age\s*=\s*"?(\d+)"?', part)
            if m:
                max_age = int(m.group(1))
    if max_age is None:
        return [
            HSTS_MISSING.finding(
                Status.FAIL,
                subject,
                "HSTS header is invalid",
                evidence=f"Strict-Transport-Security: {header[:200]}",
            ),
            HSTS_WEAK.skipped(subject, "the HSTS header is invalid"),
        ]
    out = [
        HSTS_MISSING.passed(
            subject, "HSTS is sent", evidence=f"Strict-Transport-Security: {header[:200]}"
        )
    ]
    if max_age < 15_552_000:
        out.append(
            HSTS_WEAK.finding(
                Status.FAIL,
                subject,
                evidence=f"max-age={max_age} ({max_age // 86400} days) < 15552000 (180 days)",
                max_age=max_age,
            )
        )
    else:
        out.append(
            HSTS_WEAK.passed(subject, "HSTS max-age is at least six months", max_age=max_age)
        )
    return out


def _csp(site) -> list[Finding]:
    resp = site.auto
    subject = site.url
    header = csplib.split_policies(resp.values("content-security-policy"))
    meta = csplib.split_policies(resp.meta("content-security-policy"))
    policies = [p for p in header + meta if p]
    if not policies:
        ro = resp.first("content-security-policy-report-only")
        evidence = (
            "only Content-Security-Policy-Report-Only is sent: it reports, it does not block"
            if ro
            else "no Content-Security-Policy header or <meta>"
        )
        return [
            CSP_MISSING.finding(Status.FAIL, subject, evidence=evidence),
            CSP_UNSAFE.skipped(subject, "no CSP"),
        ]
    out = [
        CSP_MISSING.passed(
            subject, "A Content-Security-Policy is enforced", source="header" if header else "meta"
        )
    ]
    # Every enforced policy must allow a script for it to run: the strictest one decides, so
    # the site is unsafe only if EVERY policy is unsafe. We report the first policy's issues.
    evaluations = [csplib.evaluate(p, page_scheme=site.scheme) for p in policies]
    unsafe_all = all(e.unsafe for e in evaluations)
    best = min(evaluations, key=lambda e: len(e.unsafe))
    if unsafe_all:
        issues = evaluations[0].unsafe
        worst = "high" if any(i.severity == "high" for i in issues) else "medium"
        out.append(
            CSP_UNSAFE.finding(
                Status.FAIL,
                subject,
                f"CSP allows {', '.join(sorted({i.source or i.code for i in issues}))} for scripts",
                evidence="; ".join(i.message for i in issues),
                severity=worst,
                issues=[i.code for i in issues],
                notes=[i.message for i in evaluations[0].notes],
            )
        )
    elif best.notes:
        out.append(
            CSP_UNSAFE.finding(
                Status.WARN,
                subject,
                "CSP is missing hardening directives",
                evidence="; ".join(i.message for i in best.notes),
                severity="low",
                fix="Add `object-src 'none'` and `base-uri 'none'` (or 'self') to the policy.",
                notes=[i.code for i in best.notes],
                nonce_or_hash=best.nonce_or_hash,
                strict_dynamic=best.strict_dynamic,
            )
        )
    else:
        out.append(
            CSP_UNSAFE.passed(
                subject, nonce_or_hash=best.nonce_or_hash, strict_dynamic=best.strict_dynamic
            )
        )
    return out


def _xcto(site) -> Finding:
    value = site.auto.first("x-content-type-options")
    if value and value.strip().lower() == "nosniff":
        return XCTO_MISSING.passed(site.url, "X-Content-Type-Options: nosniff is sent")
    evidence = f"X-Content-Type-Options: {value}" if value else "header absent"
    return XCTO_MISSING.finding(Status.FAIL, site.url, evidence=evidence)


def _frame(site) -> Finding:
    # Our own reading, stricter than the Observatory's: frame-ancestors counts only in a header
    # (browsers ignore it in <meta>), and an X-Frame-Options must be DENY or SAMEORIGIN.
    value = site.auto.first("x-frame-options")
    if value and value.strip().lower() in ("deny", "sameorigin"):
        return FRAME_MISSING.passed(site.url, "Framing is restricted", via="x-frame-options")
    for policy in csplib.split_policies(site.auto.values("content-security-policy")):
        sources = csplib.parse_policy(policy).get("frame-ancestors")
        if sources is not None and not any(s.lower() in ("*", "https:", "http:") for s in sources):
            return FRAME_MISSING.passed(
                site.url, "Framing is restricted", via="csp frame-ancestors"
            )
    evidence = (
        f"X-Frame-Options: {value} is not DENY or SAMEORIGIN"
        if value
        else "neither X-Frame-Options nor CSP frame-ancestors (in a header) is sent"
    )
    return FRAME_MISSING.finding(Status.FAIL, site.url, evidence=evidence)


def _referrer(site) -> Finding:
    outcome = observatory.referrer_policy(site)
    policy = outcome.data.get("policy") if outcome.data else None
    if outcome.result == "referrer-policy-private":
        return REFERRER_MISSING.passed(site.url, f"Referrer-Policy {policy} is safe", policy=policy)
    if outcome.result == "referrer-policy-not-implemented":
        # Browsers default to strict-origin-when-cross-origin, so absence is only hygiene.
        return REFERRER_MISSING.finding(
            Status.WARN,
            site.url,
            "No Referrer-Policy (browser default applies)",
            evidence="header absent; modern browsers default to strict-origin-when-cross-origin",
            severity="info",
        )
    return REFERRER_MISSING.finding(
        Status.FAIL,
        site.url,
        f"Unsafe Referrer-Policy {policy or '(invalid)'}",
        evidence=f"Referrer-Policy: {', '.join(site.auto.values('referrer-policy'))}",
        policy=policy,
    )


def cookie_findings(site, extra_sources=()) -> list[Finding]:
    """One finding per session cookie seen on the site or on extra pages (the login page)."""
    jar: dict[str, tuple[JarCookie, str]] = {}
    for cookie in site.cookies:
        jar[cookie.key] = (cookie, site.url)
    for ex in extra_sources:
        for cookie in jar_from_set_cookie((ex.url, line) for line in ex.header_all("set-cookie")):
            jar[cookie.key] = (cookie, ex.url)
    https = site.scheme == "https"
    out: list[Finding] = []
    ignored = sorted(k for k in jar if is_platform_cookie(k))
    sessions = {k: v for k, v in jar.items() if is_session_cookie(k)}
    for name, (cookie, url) in sorted(sessions.items()):
        missing = []
        if https and not cookie.secure:
            missing.append("Secure")
        if not cookie.http_only:
            missing.append("HttpOnly")
        if cookie.same_site is None:
            missing.append(
                "SameSite"
                if cookie.raw_same_site is None
                else f"a valid SameSite (got {cookie.raw_same_site!r})"
            )
        elif cookie.same_site == "none" and not cookie.secure:
            missing.append("Secure (required by SameSite=None)")
        if name.lower().startswith("__host-") and (
            not cookie.secure or cookie.path != "/" or not cookie.host_only
        ):
            missing.append("the __Host- rules (Secure, Path=/, no Domain)")
        subject = f"{url} cookie {name}"
        key = f"{url}\0{name}"
        if not missing:
            out.append(
                COOKIE_INSECURE.passed(
                    subject,
                    f"Session cookie {name} is Secure, HttpOnly and SameSite",
                    fingerprint_key=key,
                    cookie=name,
                )
            )
            continue
        severity = (
            "critical" if "Secure" in missing else "high" if "HttpOnly" in missing else "medium"
        )
        out.append(
            COOKIE_INSECURE.finding(
                Status.FAIL,
                subject,
                f"Session cookie {name} lacks {', '.join(missing)}",
                evidence=f"Set-Cookie: {name}=…; " + _attrs(cookie),
                severity=severity,
                fingerprint_key=key,
                cookie=name,
                missing=missing,
            )
        )
    if not sessions:
        out.append(
            COOKIE_INSECURE.passed(
                site.url,
                "OK: no session cookie is set without a login",
                cookies_seen=sorted(jar),
                platform_cookies_ignored=ignored,
            )
        )
    return out


def _attrs(cookie: JarCookie) -> str:
    parts = [f"Path={cookie.path}"] if cookie.path else []
    if cookie.secure:
        parts.append("Secure")
    if cookie.http_only:
        parts.append("HttpOnly")
    if cookie.raw_same_site is not None:
        parts.append(f"SameSite={cookie.raw_same_site}")
    return "; ".join(parts)


def _version_leak(site, subject: str) -> Finding:
    leaks = []
    for name in _LEAKY:
        for value in site.auto.values(name):
            if _VERSIONED.search(value):
                leaks.append(f"{name}: {value[:120]}")
    if not leaks:
        return VERSION_LEAK.passed(subject, "No product version in response headers")
    return VERSION_LEAK.finding(Status.FAIL, subject, evidence="; ".join(leaks), headers=leaks)
