"""What the web collectors hand to the web judges: plain, replayable data.

One dataclass per area. Each holds `launchready.net.types` values (never a socket), so a saved
audit can be judged again and every judge is tested with hand-made values. `error` says why an
area could not be observed at all (the judge then reports `error`, never `fail`).
"""

from __future__ import annotations

from dataclasses import dataclass

from launchready.net.types import HttpExchange, RedirectChain
from launchready.web.exchange import SiteExchanges


@dataclass(frozen=True, slots=True)
class HeadersObservation:
    """The canonical site as the Observatory sees it, plus other responses that set cookies
    (the login page, pages reached after `site.login_flow`)."""

    url: str  # site.url as configured
    site: SiteExchanges | None
    cookie_sources: tuple[HttpExchange, ...] = ()
    error: str = ""
    preload_as_of: str = ""
    login_flow_error: str = ""  # the login flow ran but did not log in: cookies not judged


@dataclass(frozen=True, slots=True)
class CorsProbe:
    """One request with a crafted Origin. `kind` names the trick (see checks.cors.KINDS)."""

    url: str
    origin: str
    kind: str
    exchange: HttpExchange
    preflight: bool = False


@dataclass(frozen=True, slots=True)
class CorsObservation:
    targets: tuple[str, ...] = ()  # the URLs probed
    probes: tuple[CorsProbe, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class CachedPage:
    """A page response and whether it is personal: reached logged in, or behind a login."""

    exchange: HttpExchange
    authenticated: bool = False


@dataclass(frozen=True, slots=True)
class CacheObservation:
    pages: tuple[CachedPage, ...] = ()
    page_url: str = ""  # the page whose static assets were fetched
    assets: tuple[HttpExchange, ...] = ()
    error: str = ""


@dataclass(frozen=True, slots=True)
class ExposureProbe:
    family: str  # catalogue family id
    path: str
    exchange: HttpExchange


@dataclass(frozen=True, slots=True)
class ExposureObservation:
    base_url: str  # scheme://host[:port] probed
    baseline: tuple[HttpExchange, ...] = ()  # random paths shaped like the probes
    probes: tuple[ExposureProbe, ...] = ()
    debug_probes: tuple[HttpExchange, ...] = ()  # a provoked 404, a malformed request ...
    error: str = ""


@dataclass(frozen=True, slots=True)
class BurstResult:
    """The bounded login burst: every response, in order, and how long it took."""

    url: str
    responses: tuple[HttpExchange, ...] = ()
    seconds: float = 0.0
    planned: int = 0


@dataclass(frozen=True, slots=True)
class AccessObservation:
    admin: tuple[RedirectChain, ...] = ()  # unauthenticated GETs of admin paths, hops recorded
    baseline: tuple[HttpExchange, ...] = ()  # random paths: a catch-all app is not an admin page
    login_url: str | None = None
    burst: BurstResult | None = None
    error: str = ""
