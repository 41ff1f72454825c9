"""The composed demo world: every advertised defect is really there, over real sockets."""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
import threading
import time
import tomllib

import dns.message
import dns.query
import dns.rcode
import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key

from launchready.config import load_config
from launchready.world import World
from launchready.world.probe import http_get


def ask(world, name, rdtype="A"):
    query = dns.message.make_query(name, rdtype)
    return dns.query.udp(query, "127.0.0.1", port=world.dns.port, timeout=2)


def txt(world, name):
    response = ask(world, name, "TXT")
    return [b"".join(rd.strings).decode() for rrset in response.answer for rd in rrset]


def test_loopback_guard_is_set():
    assert os.environ["LAUNCHREADY_LOOPBACK_ONLY"] == "1"


@pytest.mark.parametrize(
    "name",
    [
        "launch.test",
        "www.launch.test",
        "portal.launch.test",
        "api.launch.test",
        "old.launch.test",
        "staging.launch.test",
        "mx.launch.test",
    ],
)
def test_demo_names_resolve_to_loopback_only(world, name):
    response = ask(world, name + ".")
    addresses = [rd.address for rrset in response.answer for rd in rrset]
    assert addresses == ["127.0.0.1"]


def test_declared_admin_host_is_nxdomain_and_caa_missing(world):
    assert ask(world, "admin.launch.test.").rcode() == dns.rcode.NXDOMAIN
    caa = ask(world, "launch.test.", "CAA")
    assert caa.rcode() == dns.rcode.NOERROR and caa.answer == []


def test_email_records(world):
    mx = ask(world, "launch.test.", "MX")
    assert [rd.exchange.to_text() for rrset in mx.answer for rd in rrset] == ["mx.launch.test."]
    assert txt(world, "launch.test.") == ["v=spf1 mx ~all"]
    assert txt(world, "_dmarc.launch.test.")[0].startswith("v=DMARC1; p=none")
    (dkim,) = txt(world, "s1._domainkey.launch.test.")
    key = load_der_public_key(base64.b64decode(dkim.split("p=")[1]))
    assert key.key_size == 1024


def test_portal_is_canonical_https_and_http_redirects(world):
    strict = world.ca.client_context()
    reply = http_get(world.web.https_port, "portal.launch.test", "/login/", tls=strict)
    assert reply.status == 200 and "csrfmiddlewaretoken" in reply.text
    redirect = http_get(world.web.http_port, "portal.launch.test", "/")
    assert (redirect.status, redirect.headers["Location"]) == (301, "https://portal.launch.test/")


def test_canonical_split_between_apex_and_www(world):
    strict = world.ca.client_context()
    for port, tls in ((world.web.https_port, strict), (world.web.http_port, None)):
        apex = http_get(port, "launch.test", "/", tls=tls)
        assert (apex.status, apex.headers["Location"]) == (301, "https://portal.launch.test/")
    www = http_get(world.web.https_port, "www.launch.test", "/", tls=strict)
    assert www.status == 200 and "Location" not in www.headers


def test_api_http_does_not_redirect(world):
    reply = http_get(world.web.http_port, "api.launch.test", "/healthz")
    assert (reply.status, reply.text) == (200, "ok")


def test_old_host_has_expired_certificate(world):
    with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
        http_get(world.web.https_port, "old.launch.test", tls=world.ca.client_context())


def test_staging_serves_and_portal_flaws_are_on(world):
    strict = world.ca.client_context()
    assert "staging" in http_get(world.web.https_port, "staging.launch.test", tls=strict).text
    env = http_get(world.web.https_port, "portal.launch.test", "/.env", tls=strict)
    assert env.status == 200 and "DB_PASSWORD=" in env.text
    version = http_get(world.web.https_port, "portal.launch.test", "/version", tls=strict)
    assert version.status == 200 and '"version"' in version.text


def test_smtp_sink_answers_with_starttls(world):
    with smtplib.SMTP("127.0.0.1", world.smtp.port, timeout=5) as client:
        client.ehlo("auditor.launch.test")
        assert client.has_extn("starttls")


def test_write_config_loads_with_the_project_loader(world, world_config):
    data = tomllib.loads(world_config.read_text())
    assert data["site"]["url"] == "https://portal.launch.test"
    assert data["site"]["hosts"] == {
        "app": "portal.launch.test",
        "api": "api.launch.test",
        "admin": "admin.launch.test",
        "legacy": "old.launch.test",
    }
    assert data["network"]["nameservers"] == [world.dns.address]
    assert f":443:127.0.0.1:{world.web.https_port}" in data["network"]["connect_to"]
    assert f":80:127.0.0.1:{world.web.http_port}" in data["network"]["connect_to"]
    assert (world_config.parent / "ca.pem").read_text().count("BEGIN CERTIFICATE") == 2
    config = load_config(world_config)
    assert config.network.timeout == 2.0
    assert config.email.dkim_selectors == ["s1"]
    assert config.deploy.health_url == "https://portal.launch.test/healthz"


def test_world_starts_fast_and_stops_cleanly(tmp_path):
    before = {t.ident for t in threading.enumerate()}
    started = time.monotonic()
    world = World().start()
    elapsed = time.monotonic() - started
    ports = [
        world.dns.port,
        world.web.http_port,
        world.web.https_port,
        world.smtp.port,
        world.webhook.port,
        world.hostile.stall.port,
    ]
    world.write_config(tmp_path)
    world.stop()
    world.stop()
    leftover = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()]
    assert leftover == []
    assert len(set(ports)) == len(ports)
    print(f"demo world start: {elapsed:.3f}s")  # measured, reported with -s; never asserted


def test_empty_world_has_no_hosts(tmp_path):
    with World.empty() as world:
        assert world.portal is None and world.smtp is None
        assert ask(world, "portal.launch.test.").rcode() == dns.rcode.REFUSED
        assert http_get(world.web.http_port, "portal.launch.test").status == 421
        world.dns.add_zone("scenario.test", {"a.scenario.test": [("A", "127.0.0.2")]})
        world.web.add_host("a.scenario.test", {"/": "scenario"})
        assert http_get(world.web.http_port, "a.scenario.test").text == "scenario"
        assert world.write_config(tmp_path).is_file()


def test_context_manager_stops_on_error():
    world = World.empty()
    with pytest.raises(RuntimeError), world:
        port = world.web.http_port
        raise RuntimeError("boom")
    with pytest.raises(OSError):
        http_get(port, "x", timeout=1)


def test_every_socket_is_bound_to_loopback(world):
    bound = world.listening()
    parts = {part for part, _, _ in bound}
    assert parts == {"dns", "web", "hostile", "smtp", "webhook"}
    assert {address for _, address, _ in bound} == {"127.0.0.1"}
    assert world.hostile.connect_to("slow.launch.test", "stall") == (
        f"slow.launch.test:443:127.0.0.1:{world.hostile.stall.port}"
    )


def test_interrupted_start_stops_what_was_started(monkeypatch):
    world = World()

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(world.web, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        world.start()
    assert world.dns._udp is None  # the DNS server that did start was stopped again


def test_describe_names_every_loopback_part(world):
    text = world.describe()
    assert world.dns.address in text and f"127.0.0.1:{world.web.https_port}" in text
    assert "portal.launch.test" in text
