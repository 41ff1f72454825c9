"""The Observatory's view of one site: the responses it grades and the redirect routes.

Mozilla's analyzers read four responses (`auto`: the page after redirects; `http` and `https`:
the first answer on each scheme; `cors`: a request with a foreign `Origin`), the two redirect
routes, the page's HTML and the cookie jar. `SiteExchanges` carries exactly that, so the
conformance vectors and the real audit (built from `launchready.net.types`) feed one judge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from launchready.net.types import HttpExchange, RedirectChain
from launchready.web.cookies import JarCookie, jar_from_set_cookie
from launchready.web.html import http_equiv


@dataclass(frozen=True, slots=True)
class Response:
    """One graded response. `headers` keeps every line; `values` joins repeats as Node does."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    verified: bool = True
    http_equiv: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    request_headers: tuple[tuple[str, str], ...] = ()

    def values(self, name: str) -> list[str]:
        """Every value of a header, compared case-insensitively."""
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def first(self, name: str) -> str | None:
        found = self.values(name)
        return found[0] if found else None

    def request_header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.request_headers if k.lower() == name), None)

    def meta(self, name: str) -> list[str]:
        return list(self.http_equiv.get(name.lower(), ()))


@dataclass(frozen=True, slots=True)
class Hop:
    url: str
    status: int | None

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme

    @property
    def hostname(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True, slots=True)
class SiteExchanges:
    """Everything the 12 Observatory tests read about one site."""

    hostname: str
    url: str  # the graded page, after redirects: its scheme decides "insecure scheme" rules
    auto: Response | None
    http: Response | None = None
    https: Response | None = None
    cors: Response | None = None
    http_redirects: tuple[Hop, ...] = ()
    https_redirects: tuple[Hop, ...] = ()
    html: str | None = None
    cookies: tuple[JarCookie, ...] = ()

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme


def _node_headers(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Join repeated headers with ", " (except Set-Cookie), as Node's HTTP client hands them to
    the Observatory: a doubled HSTS header then reads as one invalid value, as upstream."""
    order: list[str] = []
    merged: dict[str, list[str]] = {}
    cookies: list[tuple[str, str]] = []
    for key, value in pairs:
        low = key.lower()
        if low == "set-cookie":
            cookies.append((key, value))
            continue
        if low not in merged:
            order.append(low)
            merged[low] = []
        merged[low].append(value)
    return tuple((k, ", ".join(merged[k])) for k in order) + tuple(cookies)


def response_from_exchange(ex: HttpExchange | None, *, parse_html: bool = False) -> Response | None:
    if ex is None or ex.status is None:
        return None
    equiv: dict[str, tuple[str, ...]] = {}
    if parse_html and "html" in (ex.content_type or "text/html"):
        equiv = http_equiv(ex.text)
    return Response(
        status=ex.status,
        headers=_node_headers(ex.headers),
        verified=ex.verified is not False,
        http_equiv=equiv,
        request_headers=ex.request_headers,
    )


def _hops(chain: RedirectChain | None) -> tuple[Hop, ...]:
    if chain is None:
        return ()
    return tuple(Hop(h.url, h.status) for h in chain.hops if h.status is not None)


def _verified_through(resp: Response | None, chain: RedirectChain | None) -> Response | None:
    """The HTTP answer counts as verified only if every HTTPS hop it led to verified."""
    if resp is None or chain is None:
        return resp
    ok = not any(hop.verified is False for hop in chain.hops)
    return Response(resp.status, resp.headers, ok, resp.http_equiv, resp.request_headers)


def from_net(
    hostname: str,
    *,
    http_chain: RedirectChain | None,
    https_chain: RedirectChain | None,
    cors: HttpExchange | None = None,
) -> SiteExchanges:
    """Build the Observatory input from what the network layer recorded.

    `auto` is the final answer of the HTTPS route (or of the HTTP one when there is no HTTPS),
    `http`/`https` the first answer on each scheme, as the Observatory's retriever does.
    """
    https_first = https_chain.hops[0] if https_chain and https_chain.hops else None
    http_first = http_chain.hops[0] if http_chain and http_chain.hops else None
    final = None
    for chain in (https_chain, http_chain):
        if chain and chain.final is not None and chain.final.ok:
            final = chain.final
            break
    auto = response_from_exchange(final, parse_html=True)
    cookie_lines: list[tuple[str, str]] = []  # (request url, Set-Cookie line)
    for chain in (http_chain, https_chain):
        for hop in chain.hops if chain else ():
            cookie_lines += [(hop.url, line) for line in hop.header_all("set-cookie")]
    html = None
    if final is not None and "html" in (final.content_type or "text/html"):
        html = final.text
    return SiteExchanges(
        hostname=hostname.lower(),
        url=final.url if final is not None else f"https://{hostname}/",
        auto=auto,
        http=_verified_through(
            response_from_exchange(http_first if http_first and http_first.ok else None),
            http_chain,
        ),
        https=response_from_exchange(https_first if https_first and https_first.ok else None),
        cors=response_from_exchange(cors),
        http_redirects=_hops(http_chain),
        https_redirects=_hops(https_chain),
        html=html,
        cookies=tuple(jar_from_set_cookie(cookie_lines)),
    )
