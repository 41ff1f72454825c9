"""Smoke test fixtures: a real Django admin on 127.0.0.1 backed by a throwaway database on the
machine's PostgreSQL (127.0.0.1:5432, user postgres, trust auth), created for the session and
dropped after it."""

from __future__ import annotations

import os
import secrets
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # smoke_helpers and the smokeportal Django project

from smoke_helpers import DjangoSite  # noqa: E402


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch):
    monkeypatch.setenv("LAUNCHREADY_LOOPBACK_ONLY", "1")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"launchready_smoke_{secrets.token_hex(4)}"
    dsn = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def django_site(pg_database, tmp_path_factory) -> Iterator[DjangoSite]:
    version_file = tmp_path_factory.mktemp("deploy") / "VERSION"
    version_file.write_text("v1", encoding="utf-8")
    os.environ["LR_TEST_DB"] = pg_database
    os.environ["LR_TEST_VERSION_FILE"] = str(version_file)
    os.environ["DJANGO_SETTINGS_MODULE"] = "smokeportal.settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application
    from django.db import connections

    call_command("migrate", verbosity=0, interactive=False)
    password = "pw-" + secrets.token_urlsafe(12)
    get_user_model().objects.create_superuser("smoke-admin", "smoke@example.invalid", password)

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args) -> None:
            return None

    server = ThreadedWSGIServer(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
    server.daemon_threads = True
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield DjangoSite(f"http://127.0.0.1:{port}", port, "smoke-admin", password, version_file)
    finally:
        server.shutdown()
        server.server_close()
        connections.close_all()
