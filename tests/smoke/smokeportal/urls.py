"""Admin plus the deploy endpoints `verify` polls: /version (JSON) and /healthz."""

import os
import threading

from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import path


def deployed_version() -> str:
    try:
        with open(os.environ["LR_TEST_VERSION_FILE"], encoding="utf-8") as fh:
            return fh.read().strip()
    except (KeyError, OSError):
        return "unknown"


VERSION_POLLS = threading.Event()  # set by every /version request; tests wait on it


def version(request):
    response = JsonResponse({"build": {"version": deployed_version(), "source": "tests"}})
    VERSION_POLLS.set()  # after reading: a switch made now is seen by the next poll
    return response


def healthz(request):
    if deployed_version().startswith("unhealthy"):
        return JsonResponse({"status": "fail"}, status=503)
    return JsonResponse({"status": "pass"})


# Every cookie value the app hands out (session ids, CSRF secrets): the leak test looks for
# each of them in launchready's outputs.
ISSUED_COOKIES: list[str] = []
# (method, path, sessionid cookie) of every request: shows what a flow really sent.
REQUESTS: list[tuple[str, str, str]] = []


class BrokenDeployMiddleware:
    """A deploy whose version starts with "broken" serves a 500 on the admin dashboard."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        REQUESTS.append((request.method, request.path, request.COOKIES.get("sessionid", "")))
        if request.path == "/admin/" and deployed_version().startswith("broken"):
            return HttpResponse("Server Error (500)", status=500)
        response = self.get_response(request)
        ISSUED_COOKIES.extend(m.value for m in response.cookies.values() if m.value)
        return response


urlpatterns = [
    path("admin/", admin.site.urls),
    path("version", version),
    path("healthz", healthz),
]
