"""Hand-made observations for the web judges' tests."""

from __future__ import annotations

from launchready.config import parse_config
from launchready.net.types import HttpExchange, RedirectChain
from launchready.web.exchange import from_net

CFG_TEXT = """
[site]
url = "https://portal.example.com"
hosts = { app = "portal.example.com", api = "api.example.com" }
"""


def cfg(text: str = CFG_TEXT):
    return parse_config(text)


def ex(
    url: str,
    status: int = 200,
    headers: dict | list | None = None,
    body: bytes | str = b"",
    *,
    method: str = "GET",
    request_headers: dict | None = None,
    verified: bool | None = None,
    error: str = "",
) -> HttpExchange:
    if isinstance(headers, dict):
        pairs = tuple((k, v) for k, v in headers.items())
    else:
        pairs = tuple(headers or ())
    if isinstance(body, str):
        body = body.encode()
    if verified is None and url.startswith("https:"):
        verified = True
    return HttpExchange(
        method=method,
        url=url,
        request_headers=tuple((request_headers or {}).items()),
        status=None if error else status,
        headers=pairs,
        body=body,
        verified=verified,
        error=error,
    )


def site(
    headers: dict | list | None = None,
    *,
    html: str = "<html><body>hi</body></html>",
    host: str = "portal.example.com",
    http_redirects: bool = True,
    https: bool = True,
):
    """A site whose http:// answer redirects to https:// and whose page carries `headers`."""
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    if not any(k.lower() == "content-type" for k, _ in pairs):
        pairs.append(("Content-Type", "text/html; charset=utf-8"))
    page = ex(f"https://{host}/", 200, pairs, html)
    https_chain = RedirectChain(f"https://{host}/", (page,)) if https else None
    if https and http_redirects:
        hop = ex(f"http://{host}/", 301, {"Location": f"https://{host}/"})
        http_chain = RedirectChain(f"http://{host}/", (hop, page))
    else:
        plain = ex(f"http://{host}/", 200, pairs, html)
        http_chain = RedirectChain(f"http://{host}/", (plain,))
    return from_net(host, http_chain=http_chain, https_chain=https_chain)


GOOD_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
