"""HTTP caching semantics of one response, read by httplint (MIT, the engine of REDbot).

We do not parse Cache-Control by hand: httplint implements RFC 9111 storability and freshness
(private, no-store, s-maxage, Authorization, heuristic freshness, Vary: *). We keep only the
facts our policy needs, plus httplint's own caching notes for the evidence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from httplint import HttpRequestLinter, HttpResponseLinter

from launchready.net.types import HttpExchange


@dataclass(frozen=True, slots=True)
class CacheFacts:
    store_shared: bool
    store_private: bool
    lifetime_shared: int  # seconds a shared cache may serve it without revalidating
    lifetime_private: int
    explicit: bool  # freshness comes from Cache-Control / Expires, not a heuristic
    validators: bool  # ETag or Last-Modified: a cache can revalidate cheaply
    immutable: bool
    cache_control: str
    notes: tuple[str, ...]  # httplint caching note names, e.g. STORE_PRIVATE_CC


def cache_facts(exchange: HttpExchange) -> CacheFacts:
    now = time.time()
    request = HttpRequestLinter(start_time=now)
    request.process_request_topline(exchange.method.encode(), exchange.url.encode(), b"HTTP/1.1")
    request.process_headers(
        [(k.encode(), v.encode("latin-1", "replace")) for k, v in exchange.request_headers]
    )
    request.finish_content(True)
    response = HttpResponseLinter(start_time=now, _related=request)
    response.process_response_topline(
        b"HTTP/1.1", str(exchange.status or 0).encode(), (exchange.reason or "").encode()
    )
    response.process_headers(
        [(k.encode(), v.encode("latin-1", "replace")) for k, v in exchange.headers]
    )
    response.feed_content(exchange.body)
    response.finish_content(True)
    caching = response.caching
    cc = ", ".join(exchange.header_all("cache-control"))
    notes = tuple(
        type(n).__name__
        for n in response.notes
        if getattr(getattr(n, "category", None), "name", "") == "CACHING"
    )
    return CacheFacts(
        store_shared=bool(caching.store_shared),
        store_private=bool(caching.store_private),
        lifetime_shared=int(caching.freshness_lifetime_shared or 0),
        lifetime_private=int(caching.freshness_lifetime_private or 0),
        explicit=bool(getattr(caching, "has_explicit_freshness", False)),
        validators=bool(exchange.header("etag") or exchange.header("last-modified")),
        immutable="immutable" in cc.lower(),
        cache_control=cc,
        notes=notes,
    )
