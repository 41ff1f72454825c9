"""Following redirects by hand, one recorded hop at a time.

Used by the network facade and by the observer's cached fetches alike, so the rules live in one
place: a loop is detected when a URL comes back, the chain stops at the redirect cap, non-HTTP
targets are reported and never followed, and hosts outside the scope are read passively only
within a small budget.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urljoin, urlsplit

from launchready.net.types import HttpExchange, RedirectChain

Fetch = Callable[[str], Awaitable[HttpExchange]]


def normalize_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + ("" if port in (None, default) else f":{port}")
    path = parts.path or "/"
    return f"{scheme}://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


async def follow(
    fetch: Fetch, start: str, *, max_hops: int, allowed: Callable[[str], bool] | None = None
) -> RedirectChain:
    hops: list[HttpExchange] = []
    seen: set[str] = set()
    url = normalize_url(start)
    while True:
        if url in seen:
            return RedirectChain(start, tuple(hops), loop=True)
        seen.add(url)
        exchange = await fetch(url)
        hops.append(exchange)
        location = exchange.location
        if not location:
            return RedirectChain(start, tuple(hops))
        target = urljoin(url, location.strip())
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            return RedirectChain(start, tuple(hops), non_http_target=target)
        if len(hops) > max_hops:
            return RedirectChain(start, tuple(hops), too_many=True)
        target = normalize_url(target)
        if target in seen:
            return RedirectChain(start, tuple(hops), loop=True)
        if allowed is not None and not allowed(target):
            return RedirectChain(start, tuple(hops), off_scope=True)
        url = target
