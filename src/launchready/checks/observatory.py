"""Mozilla HTTP Observatory, scoring algorithm v6, as pure functions.

Each of the 12 tests reads a `SiteExchanges` and returns ONE `Outcome` (when several problems
apply, the worst wins), named with upstream's exact expectation names; the modifier comes from
the upstream score table (shipped as data). `grade()` adds them up the Observatory way: 100 plus
every negative modifier, bonuses only when that interim score is at least 90, floor 0.

A port (MPL-2.0 upstream, mdn/mdn-http-observatory) rather than a dependency because it is
Node. The conformance test replays the 205 upstream vectors; keep them at 205/205.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import http_sf
from publicsuffixlist import PublicSuffixList

from launchready.web import csp as csplib
from launchready.web.cookies import invalid_same_site
from launchready.web.exchange import SiteExchanges
from launchready.web.html import scripts
from launchready.web.preload import PreloadList, default_preload

ALGORITHM_VERSION = 6

SCORE_TABLE: dict[str, int] = json.loads(
    resources.files("launchready.data.web").joinpath("observatory_score_table.json").read_text()
)

_GRADES = (
    (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"),
    (60, "C+"), (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"), (0, "F"),
)  # fmt: skip
GRADED_STATUSES = frozenset(range(200, 400)) | {401, 403}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_PSL: PublicSuffixList | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One test's verdict: the expectation name, whether it passes, and its score modifier."""

    test: str
    result: str
    passed: bool
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def modifier(self) -> int:
        return SCORE_TABLE[self.result]


@dataclass(frozen=True, slots=True)
class Grade:
    score: int
    grade: str
    interim: int  # 100 + negatives: bonuses count only from 90 (users ask why)
    bonuses: int
    penalties: int
    outcomes: tuple[Outcome, ...]
    algorithm_version: int = ALGORITHM_VERSION

    @property
    def tests_passed(self) -> int:
        return sum(o.passed for o in self.outcomes)


def _worse(new: str, old: str | None, order: list[str]) -> str:
    if old is None or order.index(new) > order.index(old):
        return new
    return old


def _registrable(host: str) -> str:
    global _PSL
    if _PSL is None:
        _PSL = PublicSuffixList()
    host = host.lower().rstrip(".")
    return _PSL.privatesuffix(host) or host


# ---- the 12 tests --------------------------------------------------------------------------


def content_security_policy(site: SiteExchanges) -> Outcome:
    name = "content-security-policy"
    resp = site.auto
    if resp is None:
        return Outcome(name, "csp-not-implemented", False)
    http_policies = csplib.split_policies(resp.values("content-security-policy"))
    meta_policies = csplib.split_policies(resp.meta("content-security-policy"))
    try:
        csp = csplib.observatory_parse([*http_policies, *meta_policies])
    except csplib.CspInvalid:
        return Outcome(name, "csp-header-invalid", False)
    try:
        header_only = csplib.observatory_parse(http_policies)
    except csplib.CspInvalid:
        header_only = {}
    try:
        meta_only = csplib.observatory_parse_meta(meta_policies)
    except csplib.CspInvalid:
        meta_only = {}
    if not header_only and not meta_only:
        if resp.first("content-security-policy-report-only"):
            return Outcome(name, "csp-not-implemented-but-reporting-enabled", False)
        return Outcome(name, "csp-not-implemented", False)

    star = {"*"}
    script_src = set(csp.get("script-src") or csp.get("default-src") or star)
    style_src = set(csp.get("style-src") or csp.get("default-src") or star)
    object_src = set(csp.get("object-src") or csp.get("default-src") or star)
    broad = {"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
    unsafe_inline = {"'unsafe-inline'", "data:"}

    def nonce_hash(sources: set[str]) -> bool:
        return any(csplib.NONCE_OR_HASH.match(s) for s in sources)

    for sources in (script_src, style_src):
        if nonce_hash(sources):
            sources.discard("'unsafe-inline'")
    result: str | None = None
    policy: dict[str, bool] = {}
    if nonce_hash(script_src) and "'strict-dynamic'" in script_src:
        for src in list(script_src):
            if any(src.startswith(b) for b in broad) or src in ("'self'", "'unsafe-inline'"):
                script_src.discard(src)
        policy["strictDynamic"] = True
    elif "'strict-dynamic'" in script_src:
        result = "csp-header-invalid"

    passive_dirs = ("img-src", "media-src")
    active = [
        s for d, srcs in csp.items() if d not in passive_dirs and d != "script-src" for s in srcs
    ]
    active += list(script_src)
    passive = [s for d in passive_dirs for s in (csp.get(d) or csp.get("default-src") or ())]
    https = site.scheme == "https"

    def insecure(sources: list[str]) -> bool:
        return any(s.startswith(("http:", "ftp:")) for s in sources)

    if script_src & (broad | unsafe_inline) or object_src & broad:
        result = result or "csp-implemented-with-unsafe-inline"
        policy["unsafeInline"] = True
    if https and insecure(active):
        result = result or "csp-implemented-with-insecure-scheme"
        policy["insecureSchemeActive"] = True
    if "'unsafe-eval'" in script_src | style_src:
        result = result or "csp-implemented-with-unsafe-eval"
        policy["unsafeEval"] = True
    if https and insecure(passive):
        result = result or "csp-implemented-with-insecure-scheme-in-passive-content-only"
        policy["insecureSchemePassive"] = True
    if style_src & (broad | unsafe_inline):
        result = result or "csp-implemented-with-unsafe-inline-in-style-src-only"
        policy["unsafeInlineStyle"] = True
    default_src = csp.get("default-src") or set()
    if default_src == {"'none'"}:
        result = result or "csp-implemented-with-no-unsafe-default-src-none"
        policy["defaultNone"] = True
    else:
        result = result or "csp-implemented-with-no-unsafe"
    passed = result in (
        "csp-implemented-with-no-unsafe",
        "csp-implemented-with-no-unsafe-default-src-none",
        "csp-implemented-with-unsafe-inline-in-style-src-only",
        "csp-implemented-with-insecure-scheme-in-passive-content-only",
    )
    if passed and csplib.DUPLICATE_WARNINGS in csp:
        result = "csp-implemented-but-duplicate-directives"
    data = {k: sorted(v) for k, v in csp.items() if k != csplib.DUPLICATE_WARNINGS}
    frame_ancestors = header_only.get("frame-ancestors") or star
    policy["antiClickjacking"] = not (frame_ancestors & broad)
    return Outcome(name, result, passed, {"directives": data, "policy": policy})


def cookies(site: SiteExchanges, preload: PreloadList) -> Outcome:
    name = "cookies"
    order = [
        "cookies-without-secure-flag-but-protected-by-hsts",
        "cookies-without-secure-flag",
        "cookies-session-without-secure-flag-but-protected-by-hsts",
        "cookies-samesite-flag-invalid",
        "cookies-anticsrf-without-samesite-flag",
        "cookies-session-without-httponly-flag",
        "cookies-session-without-secure-flag",
    ]
    hsts = strict_transport_security(site, preload).passed
    result: str | None = None
    if site.auto is not None:
        for line in site.auto.values("set-cookie"):
            if invalid_same_site(line):
                result = _worse("cookies-samesite-flag-invalid", result, order)
    jar = [c for c in site.cookies if c.key and c.key != "heroku-session-affinity"]
    if not jar:
        return Outcome(name, "cookies-not-found", True)
    missing_same_site = False
    for c in jar:
        low = c.key.lower()
        session = "login" in low or "sess" in low
        if not c.secure and (c.same_site or "").lower() == "none":
            result = _worse("cookies-samesite-flag-invalid", result, order)
        if not c.secure:
            bad = (
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else ("cookies-without-secure-flag")
            )
            result = _worse(bad, result, order)
        if "csrf" in low and not c.same_site:
            result = _worse("cookies-anticsrf-without-samesite-flag", result, order)
        if session and not c.secure:
            bad = (
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag"
            )
            result = _worse(bad, result, order)
        if session and not c.http_only:
            result = _worse("cookies-session-without-httponly-flag", result, order)
        if not c.same_site:
            missing_same_site = True
    if result is None:
        result = (
            "cookies-secure-with-httponly-sessions"
            if missing_same_site
            else "cookies-secure-with-httponly-sessions-and-samesite"
        )
    passed = result in (
        "cookies-secure-with-httponly-sessions",
        "cookies-secure-with-httponly-sessions-and-samesite",
    )
    return Outcome(name, result, passed, {"cookies": [c.key for c in jar]})


def cross_origin_resource_sharing(site: SiteExchanges) -> Outcome:
    name = "cross-origin-resource-sharing"
    resp = site.cors
    acao = resp.first("access-control-allow-origin") if resp else None
    if resp is None or not acao:
        return Outcome(name, "cross-origin-resource-sharing-not-implemented", True)
    value = acao[:256].strip().lower()
    origin = resp.request_header("origin")
    creds = (resp.first("access-control-allow-credentials") or "").strip().lower()
    if value == "*":
        result = "cross-origin-resource-sharing-implemented-with-public-access"
    elif origin and origin == acao and creds == "true":
        result = "cross-origin-resource-sharing-implemented-with-universal-access"
    else:
        result = "cross-origin-resource-sharing-implemented-with-restricted-access"
    passed = result != "cross-origin-resource-sharing-implemented-with-universal-access"
    return Outcome(name, result, passed, {"acao": value})


def redirection(site: SiteExchanges, preload: PreloadList) -> Outcome:
    name = "redirection"
    resp = site.http
    if resp is None:
        return Outcome(name, "redirection-not-needed-no-http", True)
    if not resp.verified:
        return Outcome(name, "redirection-invalid-cert", False)
    route = site.http_redirects
    data = {"route": [h.url for h in route]}
    if all(preload.is_preloaded(h.hostname) for h in route):
        return Outcome(name, "redirection-all-redirects-preloaded", True, data)
    if len(route) == 1:
        result = "redirection-missing"
    elif route[-1].scheme != "https":
        result = "redirection-not-to-https"
    elif route[1].scheme == "http":
        result = "redirection-not-to-https-on-initial-redirection"
    elif route[0].scheme == "http" and route[0].hostname != route[1].hostname:
        result = "redirection-off-host-from-http"
    else:
        result = "redirection-to-https"
    return Outcome(name, result, result == "redirection-to-https", data)


def referrer_policy(site: SiteExchanges) -> Outcome:
    name = "referrer-policy"
    good = ("no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin")
    bad = ("origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade")
    resp = site.auto
    if resp is None:
        return Outcome(name, "referrer-policy-not-implemented", False)
    values = [*resp.values("referrer-policy"), *resp.meta("referrer-policy")]
    if not values:
        return Outcome(name, "referrer-policy-not-implemented", True)
    valid = [
        v.strip().lower() for v in ", ".join(values).split(",") if v.strip().lower() in good + bad
    ]
    policy = valid[-1] if valid else ""
    if policy in good:
        result = "referrer-policy-private"
    elif policy in bad:
        result = "referrer-policy-unsafe"
    else:
        result = "referrer-policy-header-invalid"
    return Outcome(name, result, result == "referrer-policy-private", {"policy": policy})


_SIX_MONTHS = 15_552_000  # upstream's "white lie": 180 days, not 15 768 000


def strict_transport_security(site: SiteExchanges, preload: PreloadList) -> Outcome:
    name = "strict-transport-security"
    resp = site.https
    result = "hsts-not-implemented"
    data: dict[str, Any] = {}
    if resp is None:
        result = "hsts-not-implemented-no-https"
    elif not resp.verified:
        result = "hsts-invalid-cert"
    elif resp.values("strict-transport-security"):
        header = resp.values("strict-transport-security")[0][:1024]
        data["header"] = header
        max_age = None
        if "," not in header:
            for param in (p.strip().lower() for p in header.split(";")):
                if param.startswith("max-age="):
                    m = re.match(r"\s*([+-]?\d+)", param[8:128])
                    max_age = int(m.group(1)) if m else float("nan")
        if max_age is None:  # missing, or the header was sent twice
            result = "hsts-header-invalid"
        else:
            # Upstream compares parseInt's NaN too, and NaN < x is false: "at least six months".
            data["max_age"] = max_age
            short = max_age == max_age and max_age < _SIX_MONTHS
            result = (
                "hsts-implemented-max-age-less-than-six-months"
                if short
                else "hsts-implemented-max-age-at-least-six-months"
            )
    if resp is not None and preload.is_preloaded(site.hostname):
        result = "hsts-preloaded"
        data["preloaded"] = True
    passed = result in ("hsts-implemented-max-age-at-least-six-months", "hsts-preloaded")
    return Outcome(name, result, passed, data)


def subresource_integrity(site: SiteExchanges) -> Outcome:
    name = "subresource-integrity"
    order = [
        "sri-implemented-and-all-scripts-loaded-securely",
        "sri-implemented-and-external-scripts-loaded-securely",
        "sri-implemented-but-external-scripts-not-loaded-securely",
        "sri-not-implemented-but-external-scripts-loaded-securely",
        "sri-not-implemented-and-external-scripts-not-loaded-securely",
        "sri-not-implemented-response-not-html",
    ]
    resp = site.auto
    if resp is None:
        return Outcome(name, "sri-not-implemented-but-no-scripts-loaded", True)
    mime = (resp.first("content-type") or "").split(";")[0]
    result: str | None = None
    foreign: dict[str, dict[str, str | None]] = {}
    if mime and mime not in _HTML_TYPES:
        result = "sri-not-implemented-response-not-html"
    else:
        found = scripts(site.html or "")
        on_foreign_origin = False
        site_domain = _registrable(site.hostname)
        for script in found:
            src = script.src
            if not src:
                continue
            relative_origin = relative_protocol = same_sld = False
            if re.match(r"^//[^/]", src):
                relative_protocol = same_sld = True
            elif re.match(r"^https?://", src):
                same_sld = _registrable(urlsplit(src).hostname or "") == site_domain
            else:
                relative_origin = same_sld = True
            secure_origin = relative_origin or (same_sld and not relative_protocol)
            if not secure_origin:
                on_foreign_origin = True
            scheme = None
            if not relative_protocol and not relative_origin:
                scheme = urlsplit(src).scheme.lower()
            secure_scheme = scheme == "https" or (relative_origin and site.scheme == "https")
            integrity = script.integrity
            if not secure_origin:
                foreign[src] = {"integrity": integrity, "crossorigin": script.crossorigin}
                if integrity and not secure_scheme:
                    result = _worse(
                        "sri-implemented-but-external-scripts-not-loaded-securely", result, order
                    )
                elif not integrity and secure_scheme:
                    result = _worse(
                        "sri-not-implemented-but-external-scripts-loaded-securely", result, order
                    )
                elif not integrity and not secure_scheme:
                    result = _worse(
                        "sri-not-implemented-and-external-scripts-not-loaded-securely",
                        result,
                        order,
                    )
            elif integrity and secure_scheme and result is None:
                result = "sri-implemented-and-all-scripts-loaded-securely"
        if not found:
            result = "sri-not-implemented-but-no-scripts-loaded"
        elif result is None:
            result = (
                "sri-implemented-and-external-scripts-loaded-securely"
                if on_foreign_origin
                else "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
            )
    passed = result in (
        "sri-implemented-and-all-scripts-loaded-securely",
        "sri-implemented-and-external-scripts-loaded-securely",
        "sri-not-implemented-response-not-html",
        "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
        "sri-not-implemented-but-no-scripts-loaded",
    )
    return Outcome(name, result, passed, {"external_scripts": foreign})


def x_content_type_options(site: SiteExchanges) -> Outcome:
    name = "x-content-type-options"
    resp = site.auto
    header = resp.first("x-content-type-options") if resp else None
    if not header:
        return Outcome(name, "x-content-type-options-not-implemented", False)
    if header[:256].strip().lower() == "nosniff":
        return Outcome(name, "x-content-type-options-nosniff", True)
    return Outcome(name, "x-content-type-options-header-invalid", False, {"value": header})


def x_frame_options(site: SiteExchanges) -> Outcome:
    name = "x-frame-options"
    resp = site.auto
    if resp is None:
        return Outcome(name, "x-frame-options-not-implemented", False)
    header = resp.first("x-frame-options")
    if header:
        xfo = header[:1024].strip().lower()
        if xfo in ("deny", "sameorigin"):
            result = "x-frame-options-sameorigin-or-deny"
        elif xfo.startswith("allow-from"):
            result = "x-frame-options-allow-from-origin"
        else:
            result = "x-frame-options-header-invalid"
    else:
        result = "x-frame-options-not-implemented"
    csp = content_security_policy(site).data.get("directives") or {}
    if csp.get("frame-ancestors"):
        result = "x-frame-options-implemented-via-csp"
    passed = result in (
        "x-frame-options-sameorigin-or-deny",
        "x-frame-options-allow-from-origin",
        "x-frame-options-implemented-via-csp",
    )
    return Outcome(name, result, passed, {"value": header})


def _sf_token(value: str) -> str | None:
    """The bare item of an RFC 8941 item when it is a token, else None (the HTML standard's
    reading of COOP/COEP: an unparsable value is ignored, a quoted string is not a policy)."""
    try:
        item = http_sf.parse(value.encode(), tltype="item")
    except Exception:
        return None
    bare = item[0] if isinstance(item, tuple) else item
    return str(bare) if isinstance(bare, http_sf.Token) else None


def _policy_test(
    site: SiteExchanges, name: str, header: str, prefix: str, values: dict[str, str]
) -> Outcome:
    resp = site.auto
    if resp is None:
        return Outcome(name, f"{prefix}-not-implemented", True)
    found = resp.values(header)
    if len(found) > 1:
        result = f"{prefix}-header-invalid"
    elif found and found[0]:
        token = _sf_token(found[0][:1024].strip())
        result = (
            f"{prefix}-implemented-with-{values[token]}"
            if token in values
            else (f"{prefix}-header-invalid")
        )
    else:
        result = f"{prefix}-not-implemented"
    return Outcome(name, result, result != f"{prefix}-header-invalid", {"value": found})


def cross_origin_opener_policy(site: SiteExchanges) -> Outcome:
    values = {
        v: v
        for v in ("same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none")
    }
    return _policy_test(
        site, "cross-origin-opener-policy", "cross-origin-opener-policy", "coop", values
    )


def cross_origin_embedder_policy(site: SiteExchanges) -> Outcome:
    values = {v: v for v in ("require-corp", "credentialless", "unsafe-none")}
    return _policy_test(
        site, "cross-origin-embedder-policy", "cross-origin-embedder-policy", "coep", values
    )


def cross_origin_resource_policy(site: SiteExchanges) -> Outcome:
    name = "cross-origin-resource-policy"
    resp = site.auto
    if resp is None:
        return Outcome(name, "corp-not-implemented", True)
    headers = resp.values("cross-origin-resource-policy")
    if len(headers) > 1:  # two policies: upstream (v6) refuses to pick one
        return Outcome(name, "corp-header-invalid", False, {"value": headers})
    header = headers[0] if headers else None
    meta = resp.meta("cross-origin-resource-policy")
    value = None
    if header:
        value = header[:256].strip().lower()
    elif meta and meta[-1]:
        value = meta[-1][:256].strip().lower()
    if not value:
        return Outcome(name, "corp-not-implemented", True)
    results = {
        "same-site": "corp-implemented-with-same-site",
        "same-origin": "corp-implemented-with-same-origin",
        "cross-origin": "corp-implemented-with-cross-origin",
    }
    result = results.get(value, "corp-header-invalid")
    return Outcome(name, result, result != "corp-header-invalid", {"value": value})


TESTS: dict[str, Callable[..., Outcome]] = {
    "content-security-policy": content_security_policy,
    "cookies": cookies,
    "cross-origin-resource-sharing": cross_origin_resource_sharing,
    "redirection": redirection,
    "referrer-policy": referrer_policy,
    "strict-transport-security": strict_transport_security,
    "subresource-integrity": subresource_integrity,
    "x-content-type-options": x_content_type_options,
    "x-frame-options": x_frame_options,
    "cross-origin-opener-policy": cross_origin_opener_policy,
    "cross-origin-embedder-policy": cross_origin_embedder_policy,
    "cross-origin-resource-policy": cross_origin_resource_policy,
}
_NEEDS_PRELOAD = {"cookies", "redirection", "strict-transport-security"}


def run_test(name: str, site: SiteExchanges, preload: PreloadList | None = None) -> Outcome:
    fn = TESTS[name]
    if name in _NEEDS_PRELOAD:
        return fn(site, preload or default_preload())
    return fn(site)


def grade_for(score: int) -> str:
    bucket = min(score - score % 5, 100)
    return next(letter for floor, letter in _GRADES if bucket >= floor)


def grade(site: SiteExchanges, preload: PreloadList | None = None) -> Grade:
    """All 12 tests, then the Observatory's arithmetic."""
    outcomes = tuple(run_test(name, site, preload) for name in TESTS)
    penalties = sum(o.modifier for o in outcomes if o.modifier < 0)
    bonuses = sum(o.modifier for o in outcomes if o.modifier > 0)
    interim = 100 + penalties
    score = max(interim + (bonuses if interim >= 90 else 0), 0)
    return Grade(score, grade_for(score), interim, bonuses, penalties, outcomes)
