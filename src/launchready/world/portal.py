"""The demo portal: a small, real internal-operations web app with deliberate launch flaws.

Why it exists: ``launchready demo`` and the end-to-end tests need a target that behaves like the
prototypes the tool is built for (login with CSRF, sessions, CRUD, health and version endpoints)
and that fails the audit in known ways. Every flaw is a constructor flag, so a test can build the
clean control (``Portal.clean()``) and prove a check does not fire on good behaviour.

Flaws (all on by default, ``Portal.clean()`` turns all off):
``env_file`` ``/.env`` served with fake ``APP_KEY``/``DB_PASSWORD``; ``open_admin`` ``/admin/``
answers 200 without login; ``debug_404`` a framework-style stack trace on 404; ``missing_headers``
no HSTS/CSP/nosniff/frame/referrer headers; ``insecure_cookie`` ``sessionid`` without
Secure/HttpOnly/SameSite; ``no_rate_limit`` unlimited login attempts; ``server_version``
``Server: DemoPortal/1.2.3``; ``cors_reflect`` ``/api/records`` reflects any Origin with
credentials; ``uncached_static`` static assets with no caching headers.

The secrets in it are fake and the app holds data in memory only. It is served by the world's
``WebServer`` on 127.0.0.1 and must never be bound elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, fields

from aiohttp import web

USERNAME = "demo"
PASSWORD = "demo-password"
SERVER_VERSION = "DemoPortal/1.2.3"
FAKE_ENV = (
    "APP_ENV=production\n"
    "APP_DEBUG=true\n"
    "APP_KEY=base64:ZGVtby1vbmx5LW5vdC1hLXJlYWwta2V5LTAwMDAwMDA=\n"
    "DB_HOST=127.0.0.1\n"
    "DB_USER=portal\n"
    "DB_PASSWORD=demo-db-password-not-real\n"
)
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
LOGIN_LIMIT = 5  # failed attempts per client within LOGIN_WINDOW before 429 (clean portal)
LOGIN_WINDOW = 60.0
APP_CSS = "body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}\n"
APP_JS = "document.documentElement.classList.add('js');\n"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Flaws:
    env_file: bool = True
    open_admin: bool = True
    debug_404: bool = True
    missing_headers: bool = True
    insecure_cookie: bool = True
    no_rate_limit: bool = True
    server_version: bool = True
    cors_reflect: bool = True
    uncached_static: bool = True

    @classmethod
    def none(cls) -> Flaws:
        return cls(**{f.name: False for f in fields(cls)})


@dataclass
class Record:
    id: int
    title: str
    status: str
    owner: str
    updated: str


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)} - Ops Portal</title>"
        '<link rel=stylesheet href="/static/app.css"><script src="/static/app.js" defer></script>'
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


DEBUG_404 = """<!doctype html><html><head><title>Page not found at {path}</title></head><body>
<h1>Page not found <span>(404)</span></h1>
<table><tr><th>Request Method:</th><td>{method}</td></tr>
<tr><th>Request URL:</th><td>{path}</td></tr>
<tr><th>Django Version:</th><td>4.2.7</td></tr></table>
<pre class="exception_value">Traceback (most recent call last):
  File "/srv/portal/venv/.../django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
  File "/srv/portal/venv/.../django/core/handlers/base.py", line 197, in _get_response
    response = wrapped_callback(request, *callback_args, **callback_kwargs)
  File "/srv/portal/app/views.py", line 42, in dispatch
    raise Http404(f"No route for {{request.path}}")
django.http.response.Http404: No route for {path}
</pre>
<p>Using the URLconf defined in <code>portal.urls</code>, Django tried these URL patterns:
login/, dashboard/, records/, api/records, admin/, healthz, version</p>
<p>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings
file. Change that to <code>False</code>, and Django will display a standard 404 page.</p>
<p>SECRET_KEY = '********************' DATABASES = {{'default': {{'HOST': '10.0.3.7'}}}}</p>
</body></html>"""


class Portal:
    """The demo portal. ``portal.app`` is the aiohttp application; state is in memory."""

    def __init__(self, flaws: Flaws | None = None, *, version: str = "v1.0.0", **flags: bool):
        self.flaws = Flaws(**{**asdict(flaws or Flaws()), **flags})
        self.version = version
        self.healthy = True
        self._lock = threading.Lock()
        self._sessions: dict[str, str] = {}
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self.login_attempts = 0
        self._records: dict[int, Record] = {}
        for title, status in (
            ("Renew TLS certificates", "open"),
            ("Rotate database password", "in progress"),
            ("Enable uptime alerting", "done"),
        ):
            self._add(title, status, "demo")
        self.app = self._build()

    @classmethod
    def clean(cls, **kwargs: object) -> Portal:
        """The control: the same portal with every launch flaw fixed."""
        return cls(Flaws.none(), **kwargs)  # type: ignore[arg-type]

    # -- state ------------------------------------------------------------------------------
    def _add(self, title: str, status: str, owner: str) -> Record:
        with self._lock:
            record = Record(len(self._records) + 1, title, status, owner, _now())
            self._records[record.id] = record
            return record

    @property
    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records.values())

    def user(self, request: web.Request) -> str | None:
        sid = request.cookies.get("sessionid")
        return self._sessions.get(sid) if sid else None

    # -- app --------------------------------------------------------------------------------
    def _build(self) -> web.Application:
        app = web.Application(middlewares=[self._headers_mw, self._not_found_mw])
        r = app.router
        r.add_get("/", self.landing)
        r.add_get("/login/", self.login_form)
        r.add_post("/login/", self.login)
        r.add_post("/logout/", self.logout)
        r.add_get("/dashboard/", self.dashboard)
        r.add_get("/records/", self.records_page)
        r.add_get("/records/new/", self.record_form)
        r.add_post("/records/new/", self.record_create)
        r.add_get("/records/{id:\\d+}/edit/", self.record_form)
        r.add_post("/records/{id:\\d+}/edit/", self.record_update)
        r.add_get("/api/records", self.api_records)
        r.add_route("OPTIONS", "/api/records", self.api_preflight)
        r.add_get("/admin/", self.admin)
        r.add_get("/healthz", self.healthz)
        r.add_get("/version", self.version_doc)
        r.add_get("/static/app.css", self.static)
        r.add_get("/static/app.js", self.static)
        if self.flaws.env_file:
            r.add_get("/.env", self.env_file)
        return app

    @web.middleware
    async def _headers_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            self._decorate(exc)
            raise
        self._decorate(response)
        return response

    def _decorate(self, response: web.StreamResponse) -> None:
        response.headers["Server"] = SERVER_VERSION if self.flaws.server_version else "portal"
        if not self.flaws.missing_headers:
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)

    @web.middleware
    async def _not_found_mw(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            if self.flaws.debug_404:
                text = DEBUG_404.format(path=html.escape(request.path), method=request.method)
            else:
                text = _page("Not found", "<p>There is no page here.</p>")
            return web.Response(status=404, text=text, content_type="text/html")

    def _cookie(self, response: web.StreamResponse, name: str, value: str, **kw: object) -> None:
        if self.flaws.insecure_cookie:
            response.set_cookie(name, value, path="/", **kw)  # type: ignore[arg-type]
        else:
            response.set_cookie(
                name,
                value,
                path="/",
                secure=True,
                httponly=name == "sessionid",
                samesite="Lax",
                **kw,  # type: ignore[arg-type]
            )

    def _csrf_ok(self, request: web.Request, form: dict) -> bool:
        cookie = request.cookies.get("csrftoken", "")
        given = form.get("csrfmiddlewaretoken") or request.headers.get("X-CSRFToken", "")
        return bool(cookie) and hmac.compare_digest(cookie, str(given))

    def _login_redirect(self, request: web.Request) -> web.Response:
        return _redirect(f"/login/?next={request.path}")

    # -- pages ------------------------------------------------------------------------------
    async def landing(self, request: web.Request) -> web.Response:
        body = (
            "<p>Internal operations portal.</p>"
            '<p><a href="/login/">Sign in</a> &middot; <a href="/dashboard/">Dashboard</a></p>'
        )
        return web.Response(text=_page("Ops Portal", body), content_type="text/html")

    def _login_page(self, token: str, error: str = "", next_path: str = "") -> str:
        err = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        return _page(
            "Sign in",
            f'{err}<form method="post" action="/login/">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
            '<label>Username <input name="username" autocomplete="username"></label>'
            '<label>Password <input type="password" name="password" '
            'autocomplete="current-password"></label>'
            '<button type="submit">Sign in</button></form>',
        )

    async def login_form(self, request: web.Request) -> web.Response:
        token = request.cookies.get("csrftoken") or secrets.token_urlsafe(24)
        page = self._login_page(token, next_path=request.query.get("next", ""))
        response = web.Response(text=page, content_type="text/html")
        self._cookie(response, "csrftoken", token)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post())
        self.login_attempts += 1
        if not self._csrf_ok(request, form):
            return web.Response(
                status=403,
                text=_page("Forbidden", "<p>CSRF verification failed.</p>"),
                content_type="text/html",
            )
        client = request.remote or "?"
        if not self.flaws.no_rate_limit:
            window = self._failures[client]
            now = time.monotonic()
            while window and now - window[0] > LOGIN_WINDOW:
                window.popleft()
            if len(window) >= LOGIN_LIMIT:
                return web.Response(
                    status=429,
                    headers={"Retry-After": str(int(LOGIN_WINDOW))},
                    text="too many login attempts",
                )
        username, password = str(form.get("username", "")), str(form.get("password", ""))
        if not (
            hmac.compare_digest(username, USERNAME) and hmac.compare_digest(password, PASSWORD)
        ):
            self._failures[client].append(time.monotonic())
            token = request.cookies.get("csrftoken", "")
            page = self._login_page(token, "Wrong username or password.", str(form.get("next", "")))
            return web.Response(text=page, content_type="text/html")
        sid = secrets.token_urlsafe(32)
        self._sessions[sid] = username
        next_path = str(form.get("next") or "")
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/dashboard/"
        response = _redirect(next_path)
        self._cookie(response, "sessionid", sid)
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post())
        if not self._csrf_ok(request, form):
            return web.Response(status=403, text="CSRF verification failed.")
        self._sessions.pop(request.cookies.get("sessionid", ""), None)
        response = _redirect("/login/")
        response.del_cookie("sessionid", path="/")
        return response

    async def dashboard(self, request: web.Request) -> web.StreamResponse:
        user = self.user(request)
        if user is None:
            return self._login_redirect(request)
        open_count = sum(r.status != "done" for r in self.records)
        token = request.cookies.get("csrftoken", "")
        body = (
            f'<p>Signed in as <strong id="user">{html.escape(user)}</strong>.</p>'
            f'<p>{open_count} open records. <a href="/records/">All records</a></p>'
            '<form method="post" action="/logout/">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            '<button type="submit">Sign out</button></form>'
        )
        return self._private(web.Response(text=_page("Dashboard", body), content_type="text/html"))

    def _private(self, response: web.Response) -> web.Response:
        if not self.flaws.missing_headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    async def records_page(self, request: web.Request) -> web.StreamResponse:
        if self.user(request) is None:
            return self._login_redirect(request)
        rows = "".join(
            f'<tr id="record-{r.id}"><td>{r.id}</td><td>{html.escape(r.title)}</td>'
            f"<td>{html.escape(r.status)}</td><td>{html.escape(r.owner)}</td>"
            f'<td><a href="/records/{r.id}/edit/">edit</a></td></tr>'
            for r in self.records
        )
        body = (
            '<p><a href="/records/new/">New record</a></p><table><thead><tr><th>#</th>'
            f"<th>Title</th><th>Status</th><th>Owner</th><th></th></tr></thead>{rows}</table>"
        )
        return self._private(web.Response(text=_page("Records", body), content_type="text/html"))

    async def record_form(self, request: web.Request) -> web.StreamResponse:
        if self.user(request) is None:
            return self._login_redirect(request)
        record = None
        if "id" in request.match_info:
            record = self._records.get(int(request.match_info["id"]))
            if record is None:
                raise web.HTTPNotFound()
        token = request.cookies.get("csrftoken") or secrets.token_urlsafe(24)
        title = html.escape(record.title) if record else ""
        status = html.escape(record.status) if record else "open"
        action = f"/records/{record.id}/edit/" if record else "/records/new/"
        body = (
            f'<form method="post" action="{action}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
            f'<label>Title <input name="title" value="{title}" required></label>'
            f'<label>Status <input name="status" value="{status}"></label>'
            '<button type="submit">Save</button></form>'
        )
        response = web.Response(
            text=_page("Edit record" if record else "New record", body), content_type="text/html"
        )
        self._cookie(response, "csrftoken", token)
        return self._private(response)

    async def _checked_form(self, request: web.Request) -> dict | web.StreamResponse:
        if self.user(request) is None:
            return self._login_redirect(request)
        form = dict(await request.post())
        if not self._csrf_ok(request, form):
            return web.Response(status=403, text="CSRF verification failed.")
        if not str(form.get("title", "")).strip():
            return web.Response(status=400, text="title is required")
        return form

    async def record_create(self, request: web.Request) -> web.StreamResponse:
        form = await self._checked_form(request)
        if isinstance(form, web.StreamResponse):
            return form
        record = self._add(
            str(form["title"]).strip(), str(form.get("status") or "open"), self.user(request) or ""
        )
        return _redirect(f"/records/#record-{record.id}")

    async def record_update(self, request: web.Request) -> web.StreamResponse:
        record = self._records.get(int(request.match_info["id"]))
        if record is None:
            raise web.HTTPNotFound()
        form = await self._checked_form(request)
        if isinstance(form, web.StreamResponse):
            return form
        with self._lock:
            record.title = str(form["title"]).strip()
            record.status = str(form.get("status") or record.status)
            record.updated = _now()
        return _redirect(f"/records/#record-{record.id}")

    def _cors(self, request: web.Request, response: web.StreamResponse) -> None:
        origin = request.headers.get("Origin")
        if self.flaws.cors_reflect and origin:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"

    async def api_records(self, request: web.Request) -> web.StreamResponse:
        if self.user(request) is None:
            response = web.json_response({"error": "authentication required"}, status=401)
        else:
            response = web.json_response({"records": [asdict(r) for r in self.records]})
            if not self.flaws.missing_headers:
                response.headers["Cache-Control"] = "no-store"
        self._cors(request, response)
        return response

    async def api_preflight(self, request: web.Request) -> web.StreamResponse:
        if not self.flaws.cors_reflect:
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        response = web.Response(status=204)
        self._cors(request, response)
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE"
        asked = request.headers.get("Access-Control-Request-Headers")
        if asked:
            response.headers["Access-Control-Allow-Headers"] = asked
        return response

    async def admin(self, request: web.Request) -> web.StreamResponse:
        if not self.flaws.open_admin and self.user(request) is None:
            return self._login_redirect(request)
        users = "".join(f"<li>{html.escape(u)}</li>" for u in sorted({USERNAME}))
        body = (
            f"<p>Site administration</p><h2>Users</h2><ul>{users}</ul>"
            "<h2>Settings</h2><p>DEBUG: on &middot; Maintenance mode: off</p>"
        )
        return self._private(
            web.Response(text=_page("Administration", body), content_type="text/html")
        )

    async def healthz(self, request: web.Request) -> web.Response:
        if not self.healthy:
            return web.Response(status=503, text="unhealthy")
        return web.Response(text="ok")

    async def version_doc(self, request: web.Request) -> web.Response:
        return web.json_response({"version": self.version})

    async def static(self, request: web.Request) -> web.Response:
        css = request.path.endswith(".css")
        response = web.Response(
            text=APP_CSS if css else APP_JS,
            content_type="text/css" if css else "application/javascript",
        )
        if not self.flaws.uncached_static:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            response.headers["ETag"] = '"app-v1"'
        return response

    async def env_file(self, request: web.Request) -> web.Response:
        return web.Response(text=FAKE_ENV, content_type="text/plain")
