"""exposure.*: proofs, the soft-404 baseline and the known false-positive traps."""

from __future__ import annotations

from support.web_builders import ex

from launchready.checks import exposure
from launchready.redact import REDACTOR
from launchready.web import exposure as catalogue
from launchready.web.observations import ExposureObservation, ExposureProbe

BASE = "https://portal.example.com"
ENV = (
    b"APP_NAME=portal\nAPP_ENV=production\nAPP_KEY=base64:s3cr3tK3yV4lu3xyz\nDB_PASSWORD=hunter22\n"
)
DJANGO_404 = (
    "<html><body><h1>Page not found <span>(404)</span></h1>"
    "<p>Using the URLconf defined in <code>portal.urls</code>, Django tried these URL patterns, "
    "in this order:</p><p>You're seeing this error because you have <code>DEBUG = True</code>"
    "</p></body></html>"
)


def scan(server, paths=None, debug_paths=("/zz-r4nd0m-404", "/?%")):
    """Run every catalogue path (or `paths`) against `server(path) -> HttpExchange`."""
    baseline = tuple(
        server(p) for p in ("/q8w7e6r5", "/.q8w7e6r5", "/q8w7e6r5.env", "/q8w7e6r5.zip")
    )
    probes = []
    for fam in catalogue.families():
        for path in fam.paths:
            path = catalogue.expand(path, "portal.example.com")
            if paths is None or path in paths:
                probes.append(ExposureProbe(fam.id, path, server(path)))
    obs = ExposureObservation(BASE, baseline, tuple(probes), tuple(server(p) for p in debug_paths))
    return exposure.judge(obs)


def problems(findings):
    return [f for f in findings if f.status == "fail"]


def not_found(path):
    return ex(BASE + path, 404, {"Content-Type": "text/html"}, "<h1>Not Found</h1>")


def test_catalogue_has_at_least_40_paths_each_with_a_proof():
    fams = catalogue.families()
    assert sum(len(f.paths) for f in fams) >= 40
    for f in fams:
        p = f.proof
        assert p.all or p.any or p.regex or p.magic, f.id


def test_clean_site_passes():
    found = scan(not_found)
    assert {f.status for f in found} == {"pass"}


def test_env_file_is_found_once_with_masked_evidence():
    def server(path):
        if path in ("/.env", "/.env.production"):
            return ex(BASE + path, 200, {"Content-Type": "text/plain"}, ENV)
        return not_found(path)

    (f,) = problems(scan(server))
    assert f.id == "exposure.file" and f.severity == "critical"
    assert f.extra["paths"] == ["/.env", "/.env.production"]
    assert "hunter22" not in f.evidence and "s3cr3t" not in f.evidence
    assert "s3cr3t" not in REDACTOR.scrub("APP_KEY=base64:s3cr3tK3yV4lu3xyz")


def test_git_config_and_zip_backup_by_magic():
    def server(path):
        if path == "/.git/config":
            return ex(
                BASE + path,
                200,
                {"Content-Type": "text/plain"},
                "[core]\n\trepositoryformatversion = 0\n",
            )
        if path == "/backup.zip":
            return ex(
                BASE + path, 200, {"Content-Type": "application/zip"}, b"PK\x03\x04" + b"\0" * 100
            )
        return not_found(path)

    found = {f.extra["family"] for f in problems(scan(server))}
    assert found == {"git-config", "backup-archive"}


def test_sql_dump_and_ds_store():
    def server(path):
        if path == "/dump.sql":
            return ex(
                BASE + path,
                206,
                {"Content-Type": "application/sql"},
                "-- MySQL dump\nDROP TABLE IF EXISTS `users`;\nCREATE TABLE `users` (",
            )
        if path == "/.DS_Store":
            return ex(
                BASE + path,
                200,
                {"Content-Type": "application/octet-stream"},
                b"\x00\x00\x00\x01Bud1" + b"\0" * 50,
            )
        return not_found(path)

    assert {f.extra["family"] for f in problems(scan(server))} == {"sql-dump", "ds-store"}


def test_trap_html_catch_all_yields_nothing():
    page = "<!doctype html><html><body><div id=app>Loading</div></body></html>"
    found = scan(lambda p: ex(BASE + p, 200, {"Content-Type": "text/html"}, page))
    assert problems(found) == []


def test_trap_json_catch_all_yields_nothing():
    found = scan(
        lambda p: ex(
            BASE + p,
            200,
            {"Content-Type": "application/json"},
            '{"ok": true, "autodiscover": {"path": "' + p + '"}}',
        )
    )
    assert problems(found) == []


def test_trap_soft_404_that_looks_like_config_is_dropped_by_the_baseline():
    # A catch-all answering every path with a config-looking text body (nuclei #12206).
    body = "[core]\nAPP_ENV=production\nactiveProfiles heap profile: PHP Version PHP Extension"
    found = scan(lambda p: ex(BASE + p, 200, {"Content-Type": "text/plain"}, body))
    assert problems(found) == []


def test_trap_banner_and_404_with_cors_yield_nothing():
    banner = "It looks like you are trying to access MongoDB over HTTP on the native driver port."

    def server(path):
        if path.startswith("/.git"):
            return ex(BASE + path, 404, {"Access-Control-Allow-Origin": "*"}, "[core]")
        return ex(BASE + path, 200, {"Content-Type": "text/plain"}, banner)

    assert problems(scan(server)) == []


def test_trap_blog_page_quoting_env_is_not_a_leak():
    blog = (
        "<html><body><h1>How to configure .env</h1><pre>\nAPP_KEY=changeme\n"
        "DB_PASSWORD=secret\n</pre></body></html>"
    )

    def server(path):
        if path == "/.env":
            return ex(BASE + path, 200, {"Content-Type": "text/html"}, blog)
        return not_found(path)

    assert problems(scan(server)) == []


def test_django_debug_404_fires_exposure_debug():
    def server(path):
        return ex(BASE + path, 404, {"Content-Type": "text/html"}, DJANGO_404)

    (f,) = problems(scan(server))
    assert f.id == "exposure.debug" and f.extra["framework"] == "Django"


def test_debug_signatures_for_each_framework():
    pages = {
        "Flask/Werkzeug": "<title>Werkzeug Debugger</title> The debugger caught an exception",
        "Rails": "<h1>Routing Error</h1> Rails.root: /app",
        "Laravel": "<title>Whoops! There was an error.</title> Illuminate\\Database\\Error",
        "Express": "Error: boom<br> &nbsp; &nbsp;at Layer.handle [as handle_request] "
        "(/app/node_modules/express/lib/router/layer.js:95:5)",
        "Spring": "<h1>Whitelabel Error Page</h1> java.lang.NullPointerException",
        "ASP.NET": "<h1>Server Error in '/' Application.</h1> <b>Stack Trace:</b>",
    }
    for framework, body in pages.items():
        found = problems(
            scan(lambda p, b=body: ex(BASE + p, 500, {"Content-Type": "text/html"}, b), paths=set())
        )
        assert [f.extra.get("framework") for f in found] == [framework], framework


def test_symfony_debug_header():
    found = problems(
        scan(
            lambda p: ex(BASE + p, 404, {"X-Debug-Token-Link": BASE + "/_profiler/x"}), paths=set()
        )
    )
    assert found and found[0].extra["framework"] == "Symfony"


def test_generic_error_page_is_clean():
    found = scan(
        lambda p: ex(BASE + p, 500, {"Content-Type": "text/html"}, "<h1>Server Error (500)</h1>"),
        paths=set(),
    )
    assert problems(found) == []


def test_werkzeug_console_path_is_debug_exposure():
    def server(path):
        if path == "/console":
            return ex(
                BASE + path,
                200,
                {"Content-Type": "text/html"},
                "<h1>Interactive Console</h1><script src=?__debugger__=yes&cmd=resource>",
            )
        return not_found(path)

    (f,) = problems(scan(server))
    assert f.id == "exposure.debug" and f.severity == "critical"


def test_unreachable_host_is_error():
    found = exposure.judge(ExposureObservation(BASE, error="connect: refused"))
    assert {f.status for f in found} == {"error"}


def test_git_files_are_one_finding():
    def server(path):
        if path == "/.git/config":
            return ex(BASE + path, 200, {"Content-Type": "text/plain"}, "[core]\n\tbare = false\n")
        if path == "/.git/HEAD":
            return ex(BASE + path, 200, {"Content-Type": "text/plain"}, "ref: refs/heads/main\n")
        return not_found(path)

    (f,) = problems(scan(server))
    assert f.extra["paths"] == ["/.git/config", "/.git/HEAD"]


def test_only_secret_values_are_registered_with_the_redactor():
    # Registering "true" or a host name would mask it in every report (and break JSON).
    text = (
        "APP_NAME=portal\nAPP_ENV=production\nAPP_DEBUG=true\n"
        "DB_PASSWORD=correct-horse-battery\nDATABASE_URL=postgres://u:pw12345678@db/x\n"
    )
    assert catalogue.remember_secrets(text) == 2
    assert REDACTOR.scrub('{"pass": true, "host": "portal", "env": "production"}') == (
        '{"pass": true, "host": "portal", "env": "production"}'
    )
    assert "correct-horse" not in REDACTOR.scrub("pw=correct-horse-battery")
