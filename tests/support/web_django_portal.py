"""A real Django portal for the web area's tests: admin, a login view (throttled or not), DEBUG
on or off. Run as its own process (`python web_django_portal.py --debug 1 --throttle 0`): Django
settings are process-wide, and other suites configure Django differently in the test process.
It prints `PORT <n>` once it listens on 127.0.0.1. Anonymous requests touch no database.
`GET /_attempts` answers how many login POSTs reached the view."""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STATE = {"throttle": False, "limit": 5}
ATTEMPTS: Counter[str] = Counter()


def configure(debug: bool) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=debug,
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


def home(request):
    from django.http import HttpResponse

    return HttpResponse("<html><body><h1>Operations portal</h1></body></html>")


def attempts(request):
    from django.http import HttpResponse

    return HttpResponse(str(sum(ATTEMPTS.values())), content_type="text/plain")


def login(request):
    """A login view; with --throttle it answers 429 after `limit` failures per IP."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

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


def _urlpatterns():
    from django.contrib import admin
    from django.urls import path

    return [
        path("", home),
        path("login/", login),
        path("_attempts", attempts),
        path("admin/", admin.site.urls),
    ]


def main() -> None:
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--debug", type=int, default=0)
    parser.add_argument("--throttle", type=int, default=0)
    args = parser.parse_args()
    STATE["throttle"] = bool(args.throttle)
    configure(bool(args.debug))
    globals()["urlpatterns"] = _urlpatterns()
    from django.core.wsgi import get_wsgi_application

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a) -> None:
            return None

    server = make_server("127.0.0.1", 0, get_wsgi_application(), Server, Quiet)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test closes our stdin (or ends us)
    server.shutdown()


@contextmanager
def serve_django(*, debug: bool, throttle: bool) -> Iterator[int]:
    """Start the portal in its own process; yields its port."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__)), "--debug", str(int(debug)),
         "--throttle", str(int(throttle))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"the Django portal did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
