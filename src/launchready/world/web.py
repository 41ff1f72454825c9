"""Virtual-host HTTP and HTTPS servers for the loopback world, on aiohttp.web.

Why it exists: web, TLS, redirect and takeover checks need many hosts with different behaviour
and certificates. Like a real edge, one plain-HTTP port and one HTTPS port serve every host:
the Host header picks the handler, SNI picks the certificate. Per-version TLS scenarios get
dedicated ports (``add_tls_port``) because protocol limits are per listening context.

What it must never do: bind anything but 127.0.0.1.

A host is served by a ``web.Application``, a request handler, or a declarative route table::

    web.add_host("portal.launch.test", {"/": "<h1>hi</h1>",
                                        "/old": Route(301, {"Location": "/"}),
                                        "/x/*": (404, {}, "gone")})
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from multidict import CIMultiDict

from launchready.world._loop import LoopThread
from launchready.world.ca import IssuedCert, LocalCA, server_context

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HeaderSpec = Mapping[str, str] | Sequence[tuple[str, str]]
NEUTRAL_SERVER = "world"  # replaces aiohttp's default, which would leak a version on every host


@dataclass(frozen=True)
class Route:
    """One canned response. Headers may repeat (several Set-Cookie lines) when given as pairs."""

    status: int = 200
    headers: HeaderSpec = ()
    body: str | bytes = ""
    content_type: str = "text/html; charset=utf-8"  # used only if headers name none

    def response(self) -> web.Response:
        pairs = self.headers.items() if isinstance(self.headers, Mapping) else self.headers
        headers = CIMultiDict(pairs)
        if "Content-Type" not in headers and self.body != "":
            headers["Content-Type"] = self.content_type
        body = self.body.encode() if isinstance(self.body, str) else self.body
        return web.Response(status=self.status, headers=headers, body=body)


RouteSpec = Route | tuple | str | bytes | Handler
Site = web.Application | Handler | Mapping[str, RouteSpec]


def _route(spec: RouteSpec) -> Handler:
    if isinstance(spec, Route):
        route = spec
    elif isinstance(spec, tuple):
        route = Route(*spec)
    elif isinstance(spec, str | bytes):
        route = Route(body=spec)
    else:
        return spec

    async def canned(_request: web.Request) -> web.StreamResponse:
        return route.response()

    return canned


def table_handler(routes: Mapping[str, RouteSpec]) -> Handler:
    """A handler from ``path -> spec``: exact paths, ``prefix*`` patterns, then ``*``."""
    exact = {p: _route(s) for p, s in routes.items() if not p.endswith("*")}
    prefixes = sorted(
        ((p[:-1], _route(s)) for p, s in routes.items() if p.endswith("*")),
        key=lambda item: len(item[0]),
        reverse=True,
    )

    async def handle(request: web.Request) -> web.StreamResponse:
        handler = exact.get(request.path)
        if handler is None:
            handler = next((h for p, h in prefixes if request.path.startswith(p)), None)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    return handle


def redirect_to_https() -> Handler:
    """301 to the same host and path over https on the public port 443."""

    async def handle(request: web.Request) -> web.StreamResponse:
        host = request.host.split(":")[0].lower().rstrip(".")
        target = f"https://{host}{request.path_qs}"
        return web.Response(status=301, headers={"Location": target})

    return handle


@dataclass
class _Host:
    name: str
    http: Handler | None
    https: Handler | None
    cert: IssuedCert | None
    apps: list[web.Application] = field(default_factory=list)


class WebServer:
    """One HTTP and one HTTPS port on 127.0.0.1, routing by Host; SNI picks the certificate."""

    def __init__(self, ca: LocalCA | None = None):
        self.ca = ca or LocalCA()
        self._hosts: dict[str, _Host] = {}
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._loop = LoopThread("world-web")
        self._runner: web.AppRunner | None = None
        self._sites: list[web.TCPSite] = []
        self.http_port = 0
        self.https_port = 0
        self.tls_ports: dict[int, str] = {}  # dedicated port -> host
        self.requests: list[tuple[str, str, str, str]] = []  # (scheme, host, method, path)
        self._pending_apps: list[web.Application] = []
        self._default_ctx = server_context(self.ca.issue("default.world.invalid"))
        self._default_ctx.sni_callback = self._sni

    # -- hosts ------------------------------------------------------------------------------
    def add_host(
        self,
        name: str,
        site: Site,
        *,
        cert: IssuedCert | None = None,
        https: bool | Site = True,
        http: bool | Literal["redirect"] | Site = True,
    ) -> None:
        """Serve ``site`` for ``name`` (``*.zone`` matches one or more labels).

        ``http``/``https``: True = the same site, False = not served on that scheme (421),
        ``"redirect"`` = 301 to https, or another site for that scheme only.
        """
        name = name.lower()
        apps: list[web.Application] = []
        main = self._handler(site, apps)
        http_handler = self._scheme(http, main, apps)
        https_handler = self._scheme(https, main, apps)
        if https_handler is not None and cert is None:
            cert = self.ca.issue(name)
        for app in apps:
            self._start_app(app)
        self._hosts[name] = _Host(name, http_handler, https_handler, cert, apps)
        if cert is not None:
            self._contexts[name] = server_context(cert)

    def remove_host(self, name: str) -> None:
        self._hosts.pop(name.lower(), None)
        self._contexts.pop(name.lower(), None)

    def _scheme(self, spec: Any, main: Handler, apps: list) -> Handler | None:
        if spec is True:
            return main
        if spec is False or spec is None:
            return None
        if spec == "redirect":
            return redirect_to_https()
        return self._handler(spec, apps)

    @staticmethod
    def _handler(site: Site, apps: list[web.Application]) -> Handler:
        if isinstance(site, web.Application):
            apps.append(site)
            return site._handle  # aiohttp's own dispatch (router + middlewares) for this app
        if isinstance(site, Mapping):
            return table_handler(site)
        return site

    def _start_app(self, app: web.Application) -> None:
        """Run the app's startup signals once, on the server loop (as AppRunner would)."""
        if app.frozen:
            return

        async def startup() -> None:
            app._set_loop(None)
            app.on_startup.freeze()
            await app.startup()
            app.freeze()

        if self._loop.running:
            self._loop.run(startup())
        else:
            self._pending_apps.append(app)

    def _lookup(self, host: str) -> _Host | None:
        host = host.lower().rstrip(".")
        if host in self._hosts:
            return self._hosts[host]
        labels = host.split(".")
        for i in range(1, len(labels)):
            entry = self._hosts.get("*." + ".".join(labels[i:]))
            if entry is not None:
                return entry
        return None

    def _sni(self, sslobj: ssl.SSLObject, server_name: str | None, _ctx: ssl.SSLContext) -> None:
        if server_name is None:
            return
        entry = self._lookup(server_name)
        if entry is not None and entry.name in self._contexts:
            sslobj.context = self._contexts[entry.name]

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        scheme = "https" if request.secure else "http"
        host = request.host or ""
        if host.startswith("["):
            host = host.split("]")[0] + "]"
        elif ":" in host:
            host = host.rsplit(":", 1)[0]
        self.requests.append((scheme, host, request.method, request.path_qs))
        entry = self._lookup(host)
        handler = None if entry is None else getattr(entry, scheme)
        if handler is None:
            return web.Response(status=421, text=f"no {scheme} site for host {host!r}\n")
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers.setdefault("Server", NEUTRAL_SERVER)
            raise
        if not response.prepared and "Server" not in response.headers:
            response.headers["Server"] = NEUTRAL_SERVER
        return response

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> WebServer:
        if self._loop.running:
            return self
        self._loop.start()
        self._loop.run(self._start())
        for app in self._pending_apps:
            self._start_app(app)
        self._pending_apps = []
        return self

    async def _start(self) -> None:
        root = web.Application()
        root.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(
            root, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        self.http_port = await self._site(None)
        self.https_port = await self._site(self._default_ctx)

    async def _site(self, ctx: ssl.SSLContext | None) -> int:
        assert self._runner is not None
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=ctx, reuse_address=False)
        await site.start()
        self._sites.append(site)
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def add_tls_port(
        self,
        host: str,
        cert: IssuedCert | None = None,
        *,
        min_version: ssl.TLSVersion | str | None = None,
        max_version: ssl.TLSVersion | str | None = None,
        include_chain: bool = True,
        ciphers: str | None = None,
        dh_params: str | None = None,
        site: Site | None = None,
    ) -> int:
        """A dedicated HTTPS port for one host with its own TLS settings; returns the port.

        The host must exist (or ``site`` is given to create it); requests are routed by Host.
        """
        if self._lookup(host) is None:
            self.add_host(host, site or {"/": "ok"}, cert=cert)
        cert = cert or self.ca.issue(host)
        ctx = server_context(cert, include_chain, min_version, max_version, ciphers, dh_params)
        self.start()
        port = self._loop.run(self._site(ctx))
        self.tls_ports[port] = host
        return port

    def stop(self) -> None:
        if not self._loop.running:
            return
        runner = self._runner

        async def cleanup() -> None:
            if runner is not None:
                await runner.cleanup()
            apps = {id(a): a for e in self._hosts.values() for a in e.apps}
            for app in apps.values():
                await app.cleanup()

        try:
            self._loop.run(cleanup())
        finally:
            self._loop.stop()
            self._runner = None
            self._sites.clear()

    def url(self, host: str, path: str = "/", scheme: str = "https") -> str:
        """The loopback URL reaching ``host`` (for tests; audits use connect_to instead)."""
        port = self.https_port if scheme == "https" else self.http_port
        return f"{scheme}://127.0.0.1:{port}{path}"

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
