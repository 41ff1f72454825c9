"""`access.*`: admin routes open to anyone, and a login that takes a burst of failures.

An admin URL is protected when it redirects to a login, answers 401/403, or shows a login form
(a password field). A 2xx that looks like the site's answer to a random path is a catch-all,
not an admin page. Throttling is recognised from 429, Retry-After, RateLimit headers (IETF
draft and X-RateLimit-*), or a lockout page. Pure: judges what the collector recorded.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from launchready.net.types import HttpExchange, RedirectChain
from launchready.report.catalogue import check
from launchready.report.model import Finding, Status
from launchready.web.exposure import like_baseline, shape
from launchready.web.observations import AccessObservation, BurstResult

ADMIN_OPEN = check(
    "access.admin-open",
    "An admin route answers without authentication",
    "critical",
    1,
    "Put the admin route behind authentication (a login redirect, 401 or 403 for anonymous "
    "requests), and ideally behind a VPN or an IP allow-list.",
)
RATELIMIT_MISSING = check(
    "access.ratelimit.missing",
    "The login takes a burst of failed attempts without throttling",
    "medium",
    3,
    "Throttle failed logins per account and per IP (429 with Retry-After, or a temporary "
    "lockout): django-axes / django-ratelimit, Flask-Limiter, express-rate-limit, Rack::Attack, "
    "or the edge's rate-limiting rules.",
)

_LOGIN_WORDS = re.compile(
    r"log-?in|sign-?in|sign_in|auth|sso|session|account|oauth|saml|cas/", re.IGNORECASE
)
_PASSWORD_FIELD = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)
_LOCKOUT = re.compile(
    r"too many (failed |login )?(attempts|requests|tries)|temporarily (locked|blocked)"
    r"|account (is |has been )?locked|locked out|try again (later|in \d+)|rate limit"
    r"|slow down|throttled|exceeded",
    re.IGNORECASE,
)
_RATE_HEADERS = ("retry-after", "ratelimit", "ratelimit-limit", "ratelimit-remaining",
                 "ratelimit-reset", "ratelimit-policy", "x-ratelimit-limit",
                 "x-ratelimit-remaining", "x-ratelimit-reset", "x-rate-limit-limit",
                 "x-rate-limit-remaining")  # fmt: skip


def judge(obs: AccessObservation, cfg: Any = None) -> list[Finding]:
    return [*_admin(obs), _ratelimit(obs)]


def _admin(obs: AccessObservation) -> list[Finding]:
    if obs.error and not obs.admin:
        return [ADMIN_OPEN.error("admin", obs.error)]
    if not obs.admin:
        return [ADMIN_OPEN.skipped("admin", "no admin path was probed")]
    baseline = [shape(b) for b in obs.baseline if b.ok]
    out = []
    for chain in obs.admin:
        verdict, why = admin_verdict(chain, baseline)
        if verdict == "open":
            final = chain.final
            out.append(
                ADMIN_OPEN.finding(
                    Status.FAIL,
                    chain.start,
                    f"Admin route {urlsplit(chain.start).path} is open",
                    evidence=why,
                    status_code=final.status if final else None,
                )
            )
        elif verdict == "error":
            out.append(ADMIN_OPEN.error(chain.start, why))
        elif verdict == "protected":
            out.append(ADMIN_OPEN.passed(chain.start, "Admin route requires a login", evidence=why))
    if not out:
        subject = urlsplit(obs.admin[0].start)._replace(path="", query="").geturl()
        out.append(
            ADMIN_OPEN.passed(
                subject, "OK: no admin route found", probed=[c.start for c in obs.admin]
            )
        )
    return out


def admin_verdict(chain: RedirectChain, baseline) -> tuple[str, str]:
    """("protected" | "open" | "absent" | "error", why)."""
    for hop in chain.hops:
        loc = hop.location
        if loc and _LOGIN_WORDS.search(urlsplit(loc).path + "?" + urlsplit(loc).query):
            return "protected", f"{hop.status} redirect to {loc}"
    final = chain.final
    if final is None or not final.ok:
        return "error", (final.error if final is not None else "no response")
    if final.status in (401, 403, 407):
        return "protected", f"{final.status} {final.reason}".strip()
    if final.location:
        return "absent", f"{final.status} redirect to {final.location} (not a login)"
    if not 200 <= final.status < 300:
        return "absent", f"{final.status}"
    if _PASSWORD_FIELD.search(final.text):
        return "protected", f"{final.status} with a login form at {final.url}"
    if like_baseline(final, baseline):
        return "absent", f"{final.status}, same as the site's answer to a random path"
    return "open", f"{final.status} {final.content_type or ''} at {final.url} with no login"


def throttled(responses: tuple[HttpExchange, ...]) -> str | None:
    """Why the burst counts as throttled, or None."""
    for i, ex in enumerate(responses, 1):
        if ex.status == 429:
            return f"attempt {i}: 429 Too Many Requests"
        for name in _RATE_HEADERS:
            value = ex.header(name)
            if value is not None:
                return f"attempt {i}: {name}: {value}"
        if ex.status in (200, 401, 403, 423, 503) and _LOCKOUT.search(ex.text[:20000]):
            match = _LOCKOUT.search(ex.text[:20000])
            return f"attempt {i}: lockout page ({match.group(0)!r})"
        if ex.status in (423, 503) and i > 1:
            return f"attempt {i}: {ex.status}"
    return None


def _ratelimit(obs: AccessObservation) -> Finding:
    burst: BurstResult | None = obs.burst
    subject = obs.login_url or "login"
    if obs.login_url is None:
        return RATELIMIT_MISSING.skipped(subject, "no login URL configured or discovered")
    if burst is None or not burst.responses:
        return RATELIMIT_MISSING.skipped(subject, obs.error or "the burst was not sent")
    answered = [r for r in burst.responses if r.ok]
    if not answered:
        why = next((r.error for r in burst.responses if r.error), "no response")
        return RATELIMIT_MISSING.error(subject, f"the login did not answer the burst: {why}")
    fields = {
        "attempts": len(burst.responses),
        "answered": len(answered),
        "seconds": round(burst.seconds, 2),
    }
    why = throttled(burst.responses)
    if why:
        return RATELIMIT_MISSING.passed(
            subject, "The login throttles failed attempts", evidence=why, **fields
        )
    statuses = sorted({r.status for r in answered})
    enough = min(burst.planned or len(burst.responses), 10)
    if len(answered) < enough:
        # The login was too slow for the burst to fit its time bound: not tested, not fail.
        return RATELIMIT_MISSING.error(
            subject,
            f"only {len(answered)} attempts fit in {burst.seconds:.1f} s; "
            f"{enough} are needed to judge throttling",
            **fields,
        )
    if len(answered) < len(burst.responses) // 2:
        # Most attempts failed at the connection: something cut us off, but we cannot tell
        # throttling from an outage. Not tested, never fail (internet.nl #871).
        return RATELIMIT_MISSING.error(
            subject,
            f"only {len(answered)} of {len(burst.responses)} attempts were answered",
            **fields,
        )
    return RATELIMIT_MISSING.finding(
        Status.FAIL,
        subject,
        evidence=f"{len(answered)} failed logins in {burst.seconds:.1f} s, statuses "
        f"{statuses}: no 429, Retry-After, RateLimit header or lockout page",
        **fields,
    )
