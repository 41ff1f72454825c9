"""The `csrf = "django" | "rails" | "laravel"` step helper.

Before a step is sent, take the framework's token from the last HTML page of the flow (the form
field or meta tag), falling back to its cookie, and put it where the framework looks: a form
field and a header; also send Origin and Referer = the base URL, which Django checks on HTTPS.
Using the *last page's* token is what survives Django rotating the token at login. Tokens are
registered with the redactor: they never appear in a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from launchready.redact import REDACTOR


@dataclass(frozen=True, slots=True)
class CsrfStyle:
    selectors: tuple[tuple[str, str], ...]  # (css selector, attribute) in order of preference
    cookie: str
    form_field: str
    header: str
    # header that echoes the (URL-decoded) cookie, when the page holds no token
    cookie_header: str = ""


FRAMEWORKS = {
    "django": CsrfStyle(
        selectors=(("input[name=csrfmiddlewaretoken]", "value"),),
        cookie="csrftoken",
        form_field="csrfmiddlewaretoken",
        header="X-CSRFToken",
    ),
    "rails": CsrfStyle(
        selectors=(
            ("meta[name=csrf-token]", "content"),
            ("input[name=authenticity_token]", "value"),
        ),
        cookie="",
        form_field="authenticity_token",
        header="X-CSRF-Token",
    ),
    "laravel": CsrfStyle(
        selectors=(("input[name=_token]", "value"), ("meta[name=csrf-token]", "content")),
        cookie="XSRF-TOKEN",
        form_field="_token",
        header="X-CSRF-TOKEN",
        cookie_header="X-XSRF-TOKEN",
    ),
}


def find_token(style: CsrfStyle, html: str, cookies: Mapping[str, str]) -> tuple[str, str]:
    """(token, where it came from); ("", "") when neither page nor cookie holds one."""
    if html:
        tree = HTMLParser(html)
        for selector, attr in style.selectors:
            node = tree.css_first(selector)
            value = node.attributes.get(attr) if node is not None else None
            if value:
                return value, "page"
    if style.cookie and cookies.get(style.cookie):
        return unquote(cookies[style.cookie]), "cookie"
    return "", ""


def apply(
    framework: str,
    *,
    html: str,
    cookies: Mapping[str, str],
    base_url: str,
    headers: dict[str, str],
    form: dict[str, str] | None,
) -> str:
    """Add the token to headers (and form, when the step posts one). Returns '' or why not."""
    style = FRAMEWORKS[framework]
    token, source = find_token(style, html, cookies)
    if not token:
        return f"no {framework} CSRF token on the previous page or in a cookie"
    REDACTOR.add(token)
    if source == "cookie" and style.cookie_header:
        headers.setdefault(style.cookie_header, token)
    else:
        headers.setdefault(style.header, token)
    if form is not None:
        form.setdefault(style.form_field, token)
    parts = urlsplit(base_url)
    if parts.scheme and parts.netloc:
        headers.setdefault("Origin", f"{parts.scheme}://{parts.netloc}")
        headers.setdefault("Referer", base_url.rstrip("/") + "/")
    return ""


def register_page_tokens(html: str) -> None:
    """Mask every framework's CSRF token a page carries, used or not (a failing step's response
    excerpt may show the form)."""
    tree = HTMLParser(html)
    for style in FRAMEWORKS.values():
        for selector, attr in style.selectors:
            for node in tree.css(selector):
                REDACTOR.add(node.attributes.get(attr))
