"""Collectors for the HTTP-surface areas: headers, cors, cache, exposure, access.

Every request goes through the shared `Observer`, so the canonical page, its redirect chains and
the login page are fetched once and shared by the header, cookie, cache and CORS judges. Active
probes (CORS preflights, path scans, the login burst) are marked `active=True`: the network layer
refuses them for any host not named in `[site]`, and we only build them for such hosts anyway.
Each `collect_*` returns the plain observation its judge in `launchready.checks` reads.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from urllib.parse import urljoin, urlsplit

from publicsuffixlist import PublicSuffixList
from selectolax.lexbor import LexborHTMLParser

from launchready.config import Config
from launchready.net import HttpExchange, RedirectChain
from launchready.net.resolver import is_ip
from launchready.observe.observer import Observer
from launchready.observe.session import logged_in
from launchready.web import exposure as catalogue
from launchready.web.exchange import from_net
from launchready.web.html import static_assets
from launchready.web.observations import (
    AccessObservation,
    BurstResult,
    CachedPage,
    CacheObservation,
    CorsObservation,
    CorsProbe,
    ExposureObservation,
    ExposureProbe,
    HeadersObservation,
)
from launchready.web.preload import default_preload

LOGIN_PATHS = ("/login/", "/login", "/accounts/login/", "/admin/login/", "/users/sign_in",
               "/user/login", "/signin", "/auth/login", "/wp-login.php")  # fmt: skip
ADMIN_PATHS = ("/admin/", "/administrator/", "/wp-admin/", "/django-admin/", "/_admin/",
               "/phpmyadmin/", "/adminer.php", "/manager/html", "/backoffice/")  # fmt: skip
MAX_ASSETS = 8
# Probes keep only what their judges read, so hundreds of them stay small in memory: a path
# proof is in the first bytes, a CORS or caching verdict in the headers.
SCAN_CAP = 64 * 1024
PAGE_CAP = 256 * 1024
HEADERS_CAP = 8 * 1024
# Parallel requests per scanned host: each open TLS connection costs ~128 KiB of buffers, and
# a path scan gains little from more lanes (it is one host's server either way).
SCAN_LANES = 2
MAX_SOURCE_MAPS = 4
_PASSWORD = re.compile(r"<input[^>]+type\s*=\s*[\"']?password", re.IGNORECASE)


# ---- shared pieces -----------------------------------------------------------------------


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port and parts.scheme == scheme:
        netloc = f"{netloc}:{parts.port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


async def site_chains(observer: Observer, cfg: Config) -> tuple[RedirectChain, RedirectChain]:
    """(http chain, https chain) from the canonical URL: the same starts the http area follows."""
    url = cfg.site.url
    http_start = _with_scheme(url, "http")
    https_start = _with_scheme(url, "https") if cfg.site.scheme != "https" else url
    http_chain, https_chain = await asyncio.gather(
        observer.chain(http_start), observer.chain(https_start)
    )
    return http_chain, https_chain


def final_page(http_chain: RedirectChain, https_chain: RedirectChain) -> HttpExchange | None:
    for chain in (https_chain, http_chain):
        final = chain.final
        if final is not None and final.ok and not final.location:
            return final
    return None


async def login_page(observer: Observer, cfg: Config) -> HttpExchange | None:
    """The configured login URL, else the first common path that shows a password field."""
    if cfg.site.login_url:
        ex = await observer.fetch(cfg.site.login_url)
        return ex if ex.ok else None
    base = _origin(cfg.site.url)
    found = await asyncio.gather(
        *(observer.fetch(base + p, max_body=PAGE_CAP) for p in LOGIN_PATHS)
    )
    for ex in found:
        if ex.ok and ex.status == 200 and _PASSWORD.search(ex.text):
            return ex
    return None


def _rand(n: int = 10) -> str:
    return secrets.token_hex(n)[:n]


def _in_scope(cfg: Config, url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in cfg.in_scope_hosts()


def _host_origins(cfg: Config) -> list[str]:
    """The canonical origin and the https origin of every other declared host."""
    origins = [_origin(cfg.site.url)]
    for host in cfg.site.hosts.values():
        candidate = f"https://{host}"
        if host != cfg.site.host and candidate not in origins:
            origins.append(candidate)
    return origins


# ---- headers ------------------------------------------------------------------------------


async def collect_headers(observer: Observer, cfg: Config) -> HeadersObservation:
    http_chain, https_chain = await site_chains(observer, cfg)
    page = final_page(http_chain, https_chain)
    if page is None:
        why = next(
            (h.error for c in (https_chain, http_chain) for h in c.hops if h.error), "no final page"
        )
        return HeadersObservation(cfg.site.url, None, error=why)
    cors = await observer.fetch(
        page.url, headers={"Origin": ARBITRARY_ORIGIN}, max_body=HEADERS_CAP
    )
    site = from_net(
        cfg.site.host,
        http_chain=http_chain if http_chain.hops else None,
        https_chain=https_chain if https_chain.hops else None,
        cors=cors,
    )
    login = await login_page(observer, cfg)
    sources = [login] if login is not None else []
    session = await logged_in(observer, cfg)
    if session is not None:
        sources += session.cookies  # the session cookie the login set, with its flags
    return HeadersObservation(
        cfg.site.url,
        site,
        cookie_sources=tuple(sources),
        preload_as_of=default_preload().as_of,
        login_flow_error=session.error if session is not None else "",
    )


# ---- cors ---------------------------------------------------------------------------------

ARBITRARY_ORIGIN = "https://origin-probe.launchready.invalid"
_PSL: PublicSuffixList | None = None


def probe_origins(site_url: str) -> list[tuple[str, str]]:
    """(kind, Origin) pairs for a target, after Corsy/CORScanner's classes."""
    global _PSL
    if _PSL is None:
        _PSL = PublicSuffixList()
    parts = urlsplit(site_url)
    host = (parts.hostname or "").lower()
    if is_ip(host) or "." not in host:  # no domain to imitate: only the generic tricks
        return [
            ("arbitrary", ARBITRARY_ORIGIN),
            ("null", "null"),
            ("http-twin", f"http://{parts.netloc}"),
        ]
    registrable = _PSL.privatesuffix(host) or host
    first, _, rest = registrable.partition(".")
    out = [
        ("arbitrary", ARBITRARY_ORIGIN),
        ("null", "null"),
        ("prefix", f"https://{host}.launchready.invalid"),
        ("suffix", f"https://launchready{registrable}"),
        ("substring", f"https://{first[1:]}.{rest}" if len(first) > 1 and rest else ""),
        ("unescaped-dot", f"https://{host.replace('.', 'x', 1)}" if host.count(".") >= 2 else ""),
        ("http-twin", f"http://{parts.netloc}"),
        ("sibling", f"https://launchready-probe.{registrable}"),
    ]
    return [(k, o) for k, o in out if o]


API_LINK = re.compile(r"""["'(=]\s*((?:https?://[^"'\s)]+)?/(?:api|graphql|v\d)\b[^"'\s)<>]*)""")
MAX_CORS_TARGETS = 8


def api_urls(cfg: Config, pages: list[HttpExchange]) -> list[str]:
    """API endpoints worth probing: `[audit] api_paths`, GET `[[perf.endpoint]]` paths, and
    /api-like URLs the pages mention (links, fetch calls), on [site] hosts only."""
    base = cfg.site.url.rstrip("/") + "/"
    urls = [
        urljoin(base, p.lstrip("/") if not p.startswith("http") else p) for p in cfg.audit.api_paths
    ]
    urls += [urljoin(base, e.path.lstrip("/")) for e in cfg.perf.endpoint if e.method == "GET"]
    for page in pages:
        if "html" in page.content_type or "javascript" in page.content_type:
            urls += [urljoin(page.url, m) for m in API_LINK.findall(page.text[:200_000])]
    return [u for u in dict.fromkeys(urls) if _in_scope(cfg, u)]


async def collect_cors(observer: Observer, cfg: Config) -> CorsObservation:
    http_chain, https_chain = await site_chains(observer, cfg)
    page = final_page(http_chain, https_chain)
    targets = [page.url if page is not None else cfg.site.url]
    targets += api_urls(cfg, [page] if page is not None else [])
    for origin in _host_origins(cfg)[1:]:
        targets.append(origin + "/")
    targets = [t for t in dict.fromkeys(targets) if _in_scope(cfg, t)][:MAX_CORS_TARGETS]

    async def probe(url: str, kind: str, origin: str, preflight: bool, verify: bool) -> CorsProbe:
        if preflight:
            headers = {
                "Origin": origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "authorization",
            }
            ex = await observer.fetch(
                url, method="OPTIONS", active=True, headers=headers, max_body=HEADERS_CAP,
                verify=verify,
            )  # fmt: skip
        else:
            ex = await observer.fetch(
                url, headers={"Origin": origin}, max_body=HEADERS_CAP, verify=verify
            )
        return CorsProbe(url, origin, kind, ex, preflight)

    async def target(url: str) -> list[CorsProbe]:
        """The first probe alone (it tells whether the certificate verifies), then the rest in
        two lanes: few connections, and none wasted on failing verified handshakes."""
        kinds = [*probe_origins(url), ("arbitrary", ARBITRARY_ORIGIN)]
        first = await probe(url, *kinds[0], False, True)
        verify = first.exchange.verified is not False
        lane = asyncio.Semaphore(SCAN_LANES)

        async def one(i: int, kind: str, origin: str) -> CorsProbe:
            async with lane:
                return await probe(url, kind, origin, i == len(kinds) - 1, verify)

        rest = await asyncio.gather(*(one(i, k, o) for i, (k, o) in enumerate(kinds) if i))
        return [first, *rest]

    gate = asyncio.Semaphore(2)

    async def gated(url: str) -> list[CorsProbe]:
        async with gate:
            return await target(url)

    found = await asyncio.gather(*(gated(u) for u in targets))
    return CorsObservation(tuple(targets), tuple(p for probes in found for p in probes))


# ---- cache --------------------------------------------------------------------------------


async def collect_cache(observer: Observer, cfg: Config) -> CacheObservation:
    http_chain, https_chain = await site_chains(observer, cfg)
    page = final_page(http_chain, https_chain)
    if page is None:
        return CacheObservation(error="the canonical page did not answer")
    pages = [CachedPage(page)]
    login = await login_page(observer, cfg)
    if login is not None:
        pages.append(CachedPage(login))
    session = await logged_in(observer, cfg)
    if session is not None:
        pages += [CachedPage(p, authenticated=True) for p in session.pages]
    asset_urls = []
    for asset in static_assets(page.text if "html" in page.content_type else ""):
        url = urljoin(page.url, asset.url)
        if urlsplit(url).scheme in ("http", "https") and _in_scope(cfg, url):
            asset_urls.append(url)
    asset_urls = list(dict.fromkeys(asset_urls))[:MAX_ASSETS]
    assets = await asyncio.gather(*(observer.fetch(u, max_body=HEADERS_CAP) for u in asset_urls))
    return CacheObservation(tuple(pages), page.url, tuple(assets))


# ---- exposure -----------------------------------------------------------------------------


async def _exposure_for(
    observer: Observer, cfg: Config, base: str, page: HttpExchange | None
) -> ExposureObservation:
    host = urlsplit(base).hostname or ""
    token = _rand()
    shapes = (f"/{token}", f"/.{token}", f"/{token}.env", f"/{token}.zip")
    baseline = []
    for path in shapes:  # one at a time: each parallel request would hold its own connection
        baseline.append(await observer.fetch(base + path, active=True, max_body=SCAN_CAP))
    if all(not b.ok for b in baseline):
        return ExposureObservation(
            base, tuple(baseline), error=baseline[0].error or "the host did not answer"
        )
    # A host whose certificate fails (tls.* reports it) is scanned without verification:
    # otherwise every probe would pay a failed verified handshake before its retry.
    verify = not any(b.verified is False for b in baseline)
    jobs: list[tuple[str, str, dict | None]] = []
    for fam in catalogue.families():
        headers = {"Range": fam.range} if fam.range else None
        for path in fam.paths:
            jobs.append((fam.id, catalogue.expand(path, host), headers))
    if page is not None and _origin(page.url) == base and "html" in page.content_type:
        maps = [a.url for a in static_assets(page.text) if a.kind == "script"]
        for src in maps[:MAX_SOURCE_MAPS]:
            url = urljoin(page.url, src)
            if _origin(url) == base:
                jobs.append(("source-map", urlsplit(url).path + ".map", None))
    lane = asyncio.Semaphore(SCAN_LANES)

    async def get(path: str, headers: dict | None) -> HttpExchange:
        async with lane:
            return await observer.fetch(
                base + path, headers=headers, active=True, max_body=SCAN_CAP, verify=verify
            )

    exchanges = await asyncio.gather(*(get(path, h) for _, path, h in jobs))
    probes = tuple(
        ExposureProbe(fid, path, ex) for (fid, path, _), ex in zip(jobs, exchanges, strict=True)
    )
    malformed = await observer.fetch(
        base + "/",
        method="POST",
        active=True,
        body=b'{"launchready": ',
        headers={"Content-Type": "application/json"},
        max_body=SCAN_CAP,
        verify=verify,
    )
    bad_query = await observer.fetch(
        base + f"/{token}/?id=%27%22%3C", active=True, max_body=SCAN_CAP, verify=verify
    )
    return ExposureObservation(base, tuple(baseline), probes, (baseline[0], malformed, bad_query))


async def collect_exposure(observer: Observer, cfg: Config) -> list[ExposureObservation]:
    http_chain, https_chain = await site_chains(observer, cfg)
    page = final_page(http_chain, https_chain)
    bases = [b for b in _host_origins(cfg) if _in_scope(cfg, b)]
    # Hosts two at a time: each scan is ~150 requests, and a dozen hosts at once would hold
    # thousands of pending requests (and their buffers) for no gain in wall time.
    gate = asyncio.Semaphore(2)

    async def one(base: str) -> ExposureObservation:
        async with gate:
            return await _exposure_for(observer, cfg, base, page)

    return list(await asyncio.gather(*(one(b) for b in bases)))


# ---- access -------------------------------------------------------------------------------


async def collect_access(observer: Observer, cfg: Config) -> AccessObservation:
    base = _origin(cfg.site.url)
    paths = list(dict.fromkeys([*cfg.site.admin_paths, *ADMIN_PATHS]))
    urls = [urljoin(base + "/", p) for p in paths]
    admin_host = cfg.site.hosts.get("admin")
    if admin_host:
        urls.append(f"https://{admin_host}/")
    urls = [u for u in dict.fromkeys(urls) if _in_scope(cfg, u)]
    token = _rand()
    chains, baseline = await asyncio.gather(
        asyncio.gather(*(observer.chain(u) for u in urls)),
        asyncio.gather(
            observer.fetch(f"{base}/{token}", active=True, max_body=SCAN_CAP),
            observer.fetch(f"{base}/{token}/", active=True, max_body=SCAN_CAP),
        ),
    )
    login = await login_page(observer, cfg)
    login_url = cfg.site.login_url or (login.url if login is not None else None)
    burst = None
    if login_url and _in_scope(cfg, login_url):
        burst = await login_burst(observer, cfg, login_url)
    return AccessObservation(tuple(chains), tuple(baseline), login_url, burst)


def _login_form(html: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of the form holding a password input, with wrong credentials filled."""
    tree = LexborHTMLParser(html or "")
    for form in tree.css("form"):
        inputs = form.css("input")
        if not any((i.attributes.get("type") or "").lower() == "password" for i in inputs):
            continue
        fields: dict[str, str] = {}
        user_set = False
        for node in inputs:
            name = node.attributes.get("name")
            kind = (node.attributes.get("type") or "text").lower()
            if not name:
                continue
            if kind == "password":
                fields[name] = "lr-" + _rand(16)
            elif kind == "hidden":
                fields[name] = node.attributes.get("value") or ""
            elif kind in ("text", "email") and not user_set:
                fields[name] = "launchready-probe@example.invalid"
                user_set = True
        return form.attributes.get("action") or "", fields
    return "", {"username": "launchready-probe@example.invalid", "password": "lr-" + _rand(16)}


async def login_burst(observer: Observer, cfg: Config, login_url: str) -> BurstResult:
    """At most `[audit] login_burst` failed logins within `login_burst_seconds`, sent one
    after another in one cookie session (so CSRF tokens hold), stopping early once throttling
    shows. Only to `login_url` (or its form's action on a configured host)."""
    from launchready.checks.access import throttled

    count, seconds = cfg.audit.login_burst, cfg.audit.login_burst_seconds
    session = observer.net.session(concurrency=4)
    form_page = await session.request("GET", login_url, active=False)
    action, fields = _login_form(form_page.text if isinstance(form_page, HttpExchange) else "")
    post_url = urljoin(login_url, action) if action else login_url
    if not _in_scope(cfg, post_url):
        post_url = login_url
    headers = {"Referer": login_url, "Origin": _origin(login_url)}
    responses: list[HttpExchange] = []
    started = time.monotonic()
    for _ in range(count):
        # One at a time, as fast as the server answers: at most `count` POSTs, and none
        # started after `seconds` (a slow login ends the burst early, never the audit late).
        if time.monotonic() - started >= seconds:
            break
        ex = await session.request("POST", post_url, form=fields, headers=headers, active=True)
        responses.append(ex)
        if throttled((ex,)) or (len(responses) >= 3 and not any(r.ok for r in responses)):
            break
    return BurstResult(post_url, tuple(responses), time.monotonic() - started, count)
