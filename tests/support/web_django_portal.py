"""A real Django portal for the web area's tests: admin, a login view (throttled or not),
DEBUG switchable at run time. Served by wsgiref on loopback in a thread; no database is
touched by anonymous requests, so none is migrated."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django
from django.conf import settings

STATE = {"throttle": False, "limit": 5}
ATTEMPTS: Counter[str] = Counter()

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="launchready-tests-not-a-secret",
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
        ],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
    )
    django.setup()

from django.contrib import admin  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.middleware.csrf import get_token  # noqa: E402
from django.urls import path  # noqa: E402


def home(request):
    return HttpResponse("<html><body><h1>Operations portal</h1></body></html>")


def login(request):
    """A login view; with STATE["throttle"] it answers 429 after `limit` failures per IP."""
    if request.method == "POST":
        ip = request.META.get("REMOTE_ADDR", "")
        ATTEMPTS[ip] += 1
        if STATE["throttle"] and ATTEMPTS[ip] > STATE["limit"]:
            response = HttpResponse("Too many failed login attempts.", status=429)
            response["Retry-After"] = "60"
            return response
        return HttpResponse("<p>Please enter a correct username and password.</p>")
    token = get_token(request)
    return HttpResponse(
        '<html><body><form method="post" action="/login/">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
        '<input type="text" name="username"><input type="password" name="password">'
        "</form></body></html>"
    )


urlpatterns = [
    path("", home),
    path("login/", login),
    path("admin/", admin.site.urls),
]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        return None


@contextmanager
def serve_django(*, debug: bool, throttle: bool) -> Iterator[int]:
    from django.core.wsgi import get_wsgi_application

    settings.DEBUG = debug
    STATE["throttle"] = throttle
    ATTEMPTS.clear()
    server = make_server("127.0.0.1", 0, get_wsgi_application(), _Server, _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        settings.DEBUG = False
