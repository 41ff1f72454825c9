"""`cache.*`: personal pages a shared cache may keep, static assets nobody may keep.

Caching semantics come from httplint (`launchready.web.caching`); the policy is ours, because no
linter grades authenticated caching: a response that sets a session-bearing cookie or sits
behind a login must not be storable by a shared cache (CDN, corporate proxy). Pure.
"""

from __future__ import annotations

from typing import Any

from launchready.report.catalogue import check
from launchready.report.model import Finding, Status
from launchready.web.caching import cache_facts
from launchready.web.cookies import is_platform_cookie, is_session_cookie, parse_set_cookie
from launchready.web.observations import CacheObservation

PRIVATE_CACHEABLE = check(
    "cache.private-cacheable",
    "A personal response may be stored by shared caches",
    "high",
    1,
    "Send `Cache-Control: private, no-store` (or at least `private`) on responses that set "
    "cookies or depend on the logged-in user; never `public` or `s-maxage` there.",
)
STATIC_UNCACHED = check(
    "cache.static-uncached",
    "Static assets lack long-lived caching",
    "low",
    4,
    "Serve fingerprinted CSS/JS/images with `Cache-Control: public, max-age=31536000, "
    "immutable`, or at least an ETag/Last-Modified so browsers can revalidate.",
)

LONG_LIVED = 7 * 24 * 3600  # a week: below that, every visit re-downloads or revalidates


def _personal_cookies(exchange) -> list[str]:
    names = []
    for line in exchange.header_all("set-cookie"):
        cookie = parse_set_cookie(line, exchange.url)
        if cookie is not None and not is_platform_cookie(cookie.key):
            names.append(cookie.key)
    return names


def judge(obs: CacheObservation, cfg: Any = None) -> list[Finding]:
    if obs.error:
        subject = obs.page_url or "cache"
        return [
            PRIVATE_CACHEABLE.error(subject, obs.error),
            STATIC_UNCACHED.error(subject, obs.error),
        ]
    return _private(obs) + _static(obs)


def _serious(page, cookies: list[str]) -> bool:
    """Heuristic storage of a logged-in page or a session cookie is serious; of a CSRF or
    preference cookie, a smaller problem."""
    return page.authenticated or any(is_session_cookie(c) for c in cookies)


def _private(obs: CacheObservation) -> list[Finding]:
    out: list[Finding] = []
    for page in obs.pages:
        ex = page.exchange
        if not ex.ok or ex.method not in ("GET", "HEAD"):
            continue
        cookies = _personal_cookies(ex)
        if not cookies and not page.authenticated:
            continue  # public content: caching it is the point (trap: public, max-age)
        facts = cache_facts(ex)
        why = f"sets cookie {', '.join(cookies)}" if cookies else "reached logged in"
        fields = {
            "cache_control": facts.cache_control or None,
            "personal_because": why,
            "httplint_notes": list(facts.notes),
        }
        if not facts.store_shared:
            out.append(
                PRIVATE_CACHEABLE.passed(
                    ex.url, "Personal response is not stored by shared caches", **fields
                )
            )
        elif facts.explicit and facts.lifetime_shared > 0:
            out.append(
                PRIVATE_CACHEABLE.finding(
                    Status.FAIL,
                    ex.url,
                    f"Personal response cacheable by shared caches for {facts.lifetime_shared} s",
                    evidence=f"{why}; Cache-Control: {facts.cache_control or '(none)'}",
                    **fields,
                )
            )
        else:
            out.append(
                PRIVATE_CACHEABLE.finding(
                    Status.WARN,
                    ex.url,
                    "Personal response does not forbid shared caching",
                    evidence=f"{why}; Cache-Control: {facts.cache_control or '(none)'}: shared "
                    "caches may store it (heuristic freshness or revalidation)",
                    severity="medium" if _serious(page, cookies) else "low",
                    **fields,
                )
            )
    if not out:
        subject = obs.page_url or (obs.pages[0].exchange.url if obs.pages else "cache")
        if not obs.pages:
            return [PRIVATE_CACHEABLE.skipped(subject, "no page was fetched")]
        out.append(
            PRIVATE_CACHEABLE.passed(
                subject,
                "OK: no personal response was seen (no login flow configured, no cookies set)",
            )
        )
    return out


def _static(obs: CacheObservation) -> list[Finding]:
    subject = obs.page_url or "cache"
    assets = [a for a in obs.assets if a.ok and a.status == 200]
    if not assets:
        return [STATIC_UNCACHED.skipped(subject, "the page loads no same-site static asset")]
    weak = []
    for asset in assets:
        facts = cache_facts(asset)
        long_lived = facts.explicit and (facts.lifetime_private >= LONG_LIVED or facts.immutable)
        if "no-store" in facts.cache_control.lower() or not (long_lived or facts.validators):
            weak.append(
                f"{asset.url} (Cache-Control: {facts.cache_control or 'none'}, "
                f"{'validators' if facts.validators else 'no ETag/Last-Modified'})"
            )
    if not weak:
        return [STATIC_UNCACHED.passed(subject, "Static assets are cacheable", assets=len(assets))]
    return [
        STATIC_UNCACHED.finding(
            Status.WARN,
            subject,
            f"{len(weak)} of {len(assets)} static assets lack long-lived caching",
            evidence="; ".join(weak[:5]),
            assets=weak,
        )
    ]
