"""Set-Cookie lines -> jar entries, and which cookies carry a session.

Written by hand because the stdlib `http.cookies` rejects or mangles real-world lines (no
SameSite=None before 3.8 semantics, drops attributes it does not know) and we need the raw
attribute values to tell a missing SameSite from an invalid one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from launchready.redact import REDACTOR

_SAMESITE = {"lax", "strict", "none"}


@dataclass(frozen=True, slots=True)
class JarCookie:
    """A cookie as a browser's jar keeps it (the shape of tough-cookie's serialization)."""

    key: str
    value: str = ""
    domain: str | None = None
    path: str | None = None
    secure: bool = False
    http_only: bool = False
    same_site: str | None = None  # "lax" | "strict" | "none"; None when absent or invalid
    raw_same_site: str | None = None  # the attribute as written, None when absent
    max_age: int | None = None
    expires: str | None = None
    host_only: bool = True
    line: str = ""


def parse_set_cookie(line: str, request_url: str = "") -> JarCookie | None:
    """One Set-Cookie line; None when the line has no name=value pair."""
    parts = line.split(";")
    name, sep, value = parts[0].partition("=")
    name = name.strip()
    if not sep or not name:
        return None
    attrs: dict[str, str | None] = {}
    for part in parts[1:]:
        key, eq, val = part.strip().partition("=")
        attrs[key.strip().lower()] = val.strip() if eq else None
    raw_ss = attrs.get("samesite") if "samesite" in attrs else None
    same_site = raw_ss.lower() if raw_ss and raw_ss.lower() in _SAMESITE else None
    max_age = None
    if attrs.get("max-age") and re.fullmatch(r"-?\d+", attrs["max-age"] or ""):
        max_age = int(attrs["max-age"] or 0)
    domain = (attrs.get("domain") or "").lstrip(".").lower() or None
    # CONTRACT §3: cookie values are masked in every output. Short values of ordinary cookies
    # ("true", "dark") are words, not secrets: masking them would garble every report.
    if len(value.strip()) >= 8 or is_session_cookie(name):
        REDACTOR.add(value.strip())
    return JarCookie(
        key=name,
        value=value.strip(),
        domain=domain or (urlsplit(request_url).hostname or None),
        path=attrs.get("path") or "/",
        secure="secure" in attrs,
        http_only="httponly" in attrs,
        same_site=same_site,
        raw_same_site=raw_ss if "samesite" in attrs else None,
        max_age=max_age,
        expires=attrs.get("expires"),
        host_only=domain is None,
        line=line,
    )


def jar_from_set_cookie(lines: Iterable[tuple[str, str]]) -> list[JarCookie]:
    """(request url, Set-Cookie line) pairs -> the jar: a later cookie with the same name,
    domain and path replaces an earlier one, as in a browser."""
    jar: dict[tuple[str, str | None, str | None], JarCookie] = {}
    for url, line in lines:
        cookie = parse_set_cookie(line, url)
        if cookie is not None:
            jar[(cookie.key, cookie.domain, cookie.path)] = cookie
    return list(jar.values())


def invalid_same_site(line: str) -> bool:
    """A SameSite attribute that is empty or not Lax/Strict/None (the Observatory's rule)."""
    for part in line.strip().split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "samesite":
            value = value.split("=")[0]
            if not value.strip() or value.strip().lower() not in _SAMESITE:
                return True
    return False


# Names a framework or a hand-written app gives the cookie that IS the login: ASVS 3.4 applies.
_SESSION_EXACT = {
    "sessionid",
    "session",
    "sid",
    "connect.sid",
    "phpsessid",
    "jsessionid",
    "aspsessionid",
    "asp.net_sessionid",
    ".aspnetcore.session",
    ".aspxauth",
    "laravel_session",
    "ci_session",
    "_session_id",
    "rack.session",
    "express.sid",
    "auth",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "jwt",
    "remember_token",
    "remember_me",
    "authtoken",
    "auth_token",
    "sessiontoken",
    "session_token",
    "__session",
}
_SESSION_PATTERNS = re.compile(
    r"(^|[_.\-])(session|sess|sessid|auth|token|jwt|login|remember)([_.\-]|$)"
    r"|_session$|^session|sessionid|^aspsessionid|^__host-|^__secure-",
    re.IGNORECASE,
)
# Edge, load-balancer and analytics cookies: they identify a route or a visitor, not a login.
_PLATFORM = re.compile(
    r"^(__cf_bm|__cflb|cf_clearance|__cfruid|_cfuvid|awsalb|awsalbcors|awsalbtg|awsalbtgcors"
    r"|awselb|ak_bmsc|bm_sv|bm_sz|_abck|incap_ses_.*|visid_incap_.*|nlbi_.*|bigipserver.*"
    r"|heroku-session-affinity|_ga|_ga_.*|_gid|_gat.*|_fbp|_hjsession.*|_hjsessionuser.*"
    r"|ajs_.*|mp_.*|_clck|_clsk|arraffinity|arraffinitysamesite|route|srv_id)$",
    re.IGNORECASE,
)


def is_platform_cookie(name: str) -> bool:
    return bool(_PLATFORM.match(name))


def is_session_cookie(name: str) -> bool:
    """True for a cookie that carries a login or session. CDN, load-balancer and analytics
    cookies are allow-listed visibly (`is_platform_cookie`), even when their name says
    "session" (heroku-session-affinity, _hjSession...)."""
    if is_platform_cookie(name):
        return False
    low = name.lower()
    return low in _SESSION_EXACT or bool(_SESSION_PATTERNS.search(low))
