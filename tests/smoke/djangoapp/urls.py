"""Admin plus the deploy endpoints `verify` polls: /version (JSON) and /healthz."""

import os

from django.contrib import admin
from django.http import HttpResponse, JsonResponse
from django.urls import path


def deployed_version() -> str:
    try:
        with open(os.environ["LR_TEST_VERSION_FILE"], encoding="utf-8") as fh:
            return fh.read().strip()
    except (KeyError, OSError):
        return "unknown"


def version(request):
    return JsonResponse({"build": {"version": deployed_version(), "source": "tests"}})


def healthz(request):
    if deployed_version().startswith("unhealthy"):
        return JsonResponse({"status": "fail"}, status=503)
    return JsonResponse({"status": "pass"})


class BrokenDeployMiddleware:
    """A deploy whose version starts with "broken" serves a 500 on the admin dashboard."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/admin/" and deployed_version().startswith("broken"):
            return HttpResponse("Server Error (500)", status=500)
        return self.get_response(request)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("version", version),
    path("healthz", healthz),
]
