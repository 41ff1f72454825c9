"""The local world: DNS, a CA, HTTP(S), hostile servers, SMTP and webhook sinks, a demo portal.

Why it exists: every feature of launchready must run against something real without the
internet (CONTRACT §2 network rules). The same world serves the test suite and
``launchready demo``: a newcomer sees a real audit in one command.

What it must never do: bind anything but 127.0.0.1, or publish a record pointing outside
127.0.0.0/8 in the demo layout. Everything uses ephemeral ports; the tool reaches the world
through ``[network] nameservers`` and ``connect_to`` (see ``World.write_config``).

Demo layout (zone ``launch.test``), with its deliberate defects:

============================  ==========================================================
``portal.launch.test``        canonical https site: the portal (flawed); http -> https
``launch.test`` (apex)        redirects (http and https) to https://portal.launch.test/
``www.launch.test``           SERVES a page instead of redirecting: canonical split
``api.launch.test``           the portal's API; its http:// serves without redirecting
``old.launch.test``           expired certificate
``staging.launch.test``       resolves and serves, but is not declared in the config
``admin.launch.test``         declared in the config, NXDOMAIN
``mx.launch.test``            SMTP sink with STARTTLS
email                         MX; SPF ``~all``; DMARC ``p=none``; DKIM ``s1`` RSA-1024
CAA                           none anywhere
============================  ==========================================================
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization

from launchready.world.ca import IssuedCert, LocalCA
from launchready.world.dns import DnsServer
from launchready.world.hostile import HostileServers
from launchready.world.portal import Flaws, Portal
from launchready.world.smtp import SmtpSink
from launchready.world.web import Route, WebServer
from launchready.world.webhook import WebhookSink

__all__ = [
    "DnsServer",
    "Flaws",
    "HostileServers",
    "IssuedCert",
    "LocalCA",
    "Portal",
    "Route",
    "SmtpSink",
    "WebServer",
    "WebhookSink",
    "World",
]

ZONE = "launch.test"
CANONICAL = "https://portal.launch.test"

# A smoke flow that logs in to the demo portal, so the audit also judges the session cookie and
# the pages a logged-in user sees (site.login_flow). The demo credentials are public.
_LOGIN_FORM = '{ csrfmiddlewaretoken = "{{csrf}}", username = "demo", password = "demo-password" }'
_REFERER = f'{{ Referer = "{CANONICAL}/login/" }}'
DEMO_LOGIN_FLOW = f"""name = "Demo portal login"
base_url = "{CANONICAL}"

[[step]]
id = "login-page"
request = {{ method = "GET", url = "/login/" }}
expect = ["status == 200"]
capture = {{ csrf = "css input[name=csrfmiddlewaretoken] @value" }}

[[step]]
id = "login"
mutating = false
request = {{ method = "POST", url = "/login/", form = {_LOGIN_FORM}, headers = {_REFERER} }}
expect = ["status == 302", "header Location matches ^/dashboard/"]
"""
LOOPBACK = "127.0.0.1"


def dkim_record(bits: int = 1024) -> str:
    """A DKIM TXT value with a fresh RSA public key of ``bits`` (demo: deliberately 1024)."""
    from launchready.world.ca import _key

    public = _key(f"rsa{bits}", "dkim").public_key()
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def demo_records() -> dict[str, list[tuple]]:
    a = ("A", LOOPBACK)
    return {
        ZONE: [a, ("MX", (10, f"mx.{ZONE}")), ("TXT", "v=spf1 mx ~all")],
        f"www.{ZONE}": [a],
        f"portal.{ZONE}": [a],
        f"api.{ZONE}": [a],
        f"old.{ZONE}": [a],
        f"staging.{ZONE}": [a],
        f"mx.{ZONE}": [a],
        f"ns1.{ZONE}": [a],  # the zone's nameserver: it hands out zone transfers (a flaw)
        f"_dmarc.{ZONE}": [("TXT", f"v=DMARC1; p=none; rua=mailto:dmarc@{ZONE}")],
        f"s1._domainkey.{ZONE}": [("TXT", dkim_record(1024))],
    }


def _canonical_redirect() -> Route:
    return Route(301, {"Location": CANONICAL + "/"})


class World:
    """``World(layout="demo")`` or ``World.empty()``; ``start()``/``stop()`` or ``with``."""

    def __init__(self, layout: Literal["demo", "empty"] = "demo", *, flaws: Flaws | None = None):
        self.layout = layout
        self.ca = LocalCA()
        self.dns = DnsServer()
        self.web = WebServer(self.ca)
        self.portal: Portal | None = None
        self.hostile: HostileServers | None = None
        self.smtp: SmtpSink | None = None
        self.webhook: WebhookSink | None = None
        self.certs: dict[str, IssuedCert] = {}
        if layout == "demo":
            self.portal = Portal(flaws)
            self.hostile = HostileServers()
            self.smtp = SmtpSink(self.ca.issue(f"mx.{ZONE}"))
            self.webhook = WebhookSink()
        elif layout != "empty":
            raise ValueError(f"unknown world layout {layout!r}")
        self._started = False

    @classmethod
    def empty(cls) -> World:
        """DNS + CA + web with no zones and no hosts, for tests that build their own scenario."""
        return cls("empty")

    # -- lifecycle --------------------------------------------------------------------------
    def _parts(self) -> list:
        parts = [self.dns, self.web, self.hostile, self.smtp, self.webhook]
        return [p for p in parts if p is not None]

    def start(self) -> World:
        if self._started:
            return self
        try:
            for part in self._parts():
                part.start()
            if self.layout == "demo":
                self._build_demo()
        except BaseException:
            self.stop()
            raise
        self._started = True
        return self

    def stop(self) -> None:
        """Idempotent, and safe after a failed or interrupted start."""
        for part in reversed(self._parts()):
            part.stop()
        self._started = False

    def __enter__(self) -> World:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def describe(self) -> str:
        """One line for humans: where each part listens (all loopback)."""
        parts = [
            f"DNS {self.dns.address}",
            f"HTTP 127.0.0.1:{self.web.http_port}",
            f"HTTPS 127.0.0.1:{self.web.https_port}",
        ]
        if self.smtp is not None:
            parts.append(f"SMTP {self.smtp.address}")
        if self.portal is not None:
            parts.append(f"portal {CANONICAL}/ (login demo / demo-password)")
        return ", ".join(parts)

    def listening(self) -> list[tuple[str, str, int]]:
        """Every bound socket as (part, address, port): lets tests prove loopback-only."""
        out: list[tuple[str, str, int]] = []
        if self.dns._udp is not None and self.dns._tcp is not None:
            for srv in (self.dns._udp, self.dns._tcp):
                out.append(("dns", *srv.socket.getsockname()[:2]))
        for site in self.web._sites:
            for sock in site._server.sockets:  # type: ignore[union-attr]
                out.append(("web", *sock.getsockname()[:2]))
        if self.hostile is not None:
            for server in self.hostile._servers:
                out.extend(("hostile", *s.getsockname()[:2]) for s in server.sockets)
        if self.smtp is not None and self.smtp._running:
            server = self.smtp._controller.server
            out.extend(("smtp", *s.getsockname()[:2]) for s in server.sockets)
        if self.webhook is not None and self.webhook._runner is not None:
            for site in self.webhook._runner.sites:
                out.extend(("webhook", *s.getsockname()[:2]) for s in site._server.sockets)
        return out

    # -- demo -------------------------------------------------------------------------------
    def _build_demo(self) -> None:
        assert self.portal is not None
        self.dns.add_zone(ZONE, demo_records(), allow_axfr=True)
        app = self.portal.app
        web = self.web
        web.add_host(f"portal.{ZONE}", app, http="redirect")
        web.add_host(f"api.{ZONE}", app, http=True)  # http:// served, never redirected
        web.add_host(ZONE, {"*": _canonical_redirect()}, http={"*": _canonical_redirect()})
        www_page = Route(
            200,
            {},
            "<!doctype html><title>Ops Portal</title><h1>Welcome</h1>"
            '<p><a href="/login/">Sign in</a></p>',
        )
        web.add_host(f"www.{ZONE}", {"*": www_page}, http="redirect")
        now = dt.datetime.now(dt.UTC)
        expired = self.ca.issue(
            f"old.{ZONE}",
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=35),
        )
        self.certs[f"old.{ZONE}"] = expired
        web.add_host(f"old.{ZONE}", {"*": "<h1>Old portal</h1>"}, cert=expired, http="redirect")
        web.add_host(f"staging.{ZONE}", {"*": "<h1>Ops Portal (staging)</h1>"}, http=True)

    # -- config -----------------------------------------------------------------------------
    @property
    def connect_to(self) -> list[str]:
        entries = [f":443:{LOOPBACK}:{self.web.https_port}", f":80:{LOOPBACK}:{self.web.http_port}"]
        entries.append(f":53:{LOOPBACK}:{self.dns.port}")  # zone transfers are TCP connections
        if self.smtp is not None:
            entries.append(f":25:{LOOPBACK}:{self.smtp.port}")
        return entries

    def write_config(self, directory: str | Path) -> Path:
        """Write ``launchready.toml`` and ``ca.pem`` for auditing this world; returns the toml.

        For the empty layout only ``[network]`` and a placeholder ``[site]`` are meaningful.
        """
        if not self._started:
            raise RuntimeError("start the world before writing its config")
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.ca.write_bundle(directory / "ca.pem")
        connect = ", ".join(f'"{c}"' for c in self.connect_to)
        roles = {"app": "portal", "api": "api", "admin": "admin", "legacy": "old"}
        hosts = ", ".join(f'{role} = "{label}.{ZONE}"' for role, label in roles.items())
        text = f"""# Written by launchready.world for the local {self.layout} world (loopback only).
[site]
url = "{CANONICAL}"
apex = "{ZONE}"
hosts = {{ {hosts} }}
login_url = "{CANONICAL}/login/"
login_flow = "login.toml"

[network]
nameservers = ["{self.dns.address}"]
ca_bundle = "ca.pem"
connect_to = [{connect}]
timeout = 2.0

[email]
domain = "{ZONE}"
dkim_selectors = ["s1"]

[deploy]
version_url = "{CANONICAL}/version"
health_url = "{CANONICAL}/healthz"
"""
        if self.layout == "demo":
            text += '\n[audit]\napi_paths = ["/api/records"]\n'
        (directory / "login.toml").write_text(DEMO_LOGIN_FLOW)
        path = directory / "launchready.toml"
        path.write_text(text)
        return path
