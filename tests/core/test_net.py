"""The network layer against real servers on loopback: our DNS, real TLS, hostile answers."""

from __future__ import annotations

import asyncio
import http.server
import resource
import time

import pytest
from support.loopback import reply, serve

from launchready.config import parse_config
from launchready.errors import OutOfScope
from launchready.net import Network, Rcode, Scope
from launchready.world.ca import LocalCA, server_context
from launchready.world.dns import DnsServer

ZONE = {
    "launch.test": {
        "portal.launch.test": [("A", "127.0.0.1")],
        "alias.launch.test": [("CNAME", "portal.launch.test")],
        "txt.launch.test": [("TXT", ["v=spf1 ", "-all"])],
        "slow.launch.test": [("TIMEOUT", None)],
        "localhost.launch.test": [("A", "127.0.0.1")],
    }
}


@pytest.fixture(scope="module")
def dns_world():
    with DnsServer(ZONE) as server:
        yield server


@pytest.fixture(scope="module")
def ca():
    return LocalCA()


def config(dns_port: int, *extra: str, ca_file=None, timeout: float = 2.0):
    lines = [
        "[site]",
        'url = "https://portal.launch.test"',
        "[network]",
        f'nameservers = ["127.0.0.1:{dns_port}"]',
        f"timeout = {timeout}",
        *extra,
    ]
    if ca_file:
        lines.append(f'ca_bundle = "{ca_file}"')
    return parse_config("\n".join(lines) + "\n")


def run(coro):
    return asyncio.run(coro)


async def _query(cfg, name, rdtype="A"):
    async with Network(cfg.network) as net:
        return await net.query(name, rdtype)


def test_world_name_resolves_and_system_names_do_not(dns_world):
    cfg = config(dns_world.port)
    answer = run(_query(cfg, "portal.launch.test"))
    assert answer.ok and answer.records == ("127.0.0.1",)
    # `localhost` is known to the system resolver (/etc/hosts) but not to the world's DNS:
    # with nameservers set, the system resolver must never be consulted.
    assert run(_query(cfg, "localhost")).rcode == Rcode.REFUSED
    assert run(_query(cfg, "localhost.")).ok is False


def test_nxdomain_and_nodata_are_kept_apart(dns_world):
    cfg = config(dns_world.port)
    assert run(_query(cfg, "nope.launch.test")).rcode == Rcode.NXDOMAIN
    nodata = run(_query(cfg, "portal.launch.test", "MX"))
    assert nodata.rcode == Rcode.NODATA and nodata.name_exists


def test_cname_chain_and_joined_txt(dns_world):
    cfg = config(dns_world.port)
    answer = run(_query(cfg, "alias.launch.test"))
    assert answer.records == ("127.0.0.1",)
    assert answer.cname_chain == ("portal.launch.test",)
    assert run(_query(cfg, "txt.launch.test", "TXT")).records == ("v=spf1 -all",)


def test_dns_timeout_is_a_verdict_not_an_exception(dns_world):
    cfg = config(dns_world.port, timeout=0.5)
    answer = run(_query(cfg, "slow.launch.test"))
    assert answer.rcode == Rcode.TIMEOUT and not answer.answered
    assert "0.5s" in answer.error


def _fetch(cfg, url, **kw):
    async def go():
        async with Network(cfg.network) as net:
            return await net.fetch(url, **kw)

    return run(go())


def test_connect_to_keeps_public_name_for_sni_host_and_certificate(dns_world, ca, tmp_path):
    cert = ca.issue(["portal.launch.test"])
    seen = {}

    def handler(req: http.server.BaseHTTPRequestHandler) -> None:
        seen["host"] = req.headers["Host"]
        reply(200, b"hello")(req)

    bundle = ca.write_bundle(tmp_path / "ca.pem")
    with serve(handler, server_context(cert)) as port:
        cfg = config(dns_world.port, f'connect_to = [":443:127.0.0.1:{port}"]', ca_file=bundle)
        exchange = _fetch(cfg, "https://portal.launch.test/")
    assert exchange.status == 200 and exchange.body == b"hello"
    assert exchange.verified is True
    assert seen["host"] == "portal.launch.test"
    assert exchange.peer == "portal.launch.test:443"  # never the connect_to target


def test_bad_certificate_is_reported_and_still_read(dns_world, ca, tmp_path):
    cert = ca.issue(["other.launch.test"])
    bundle = ca.write_bundle(tmp_path / "ca.pem")
    with serve(reply(200, b"x"), server_context(cert)) as port:
        cfg = config(dns_world.port, f'connect_to = [":443:127.0.0.1:{port}"]', ca_file=bundle)
        exchange = _fetch(cfg, "https://portal.launch.test/")
    assert exchange.status == 200 and exchange.verified is False
    assert "portal.launch.test" in exchange.tls_error or "mismatch" in exchange.tls_error.lower()


def test_tls_probe_returns_presented_chain(dns_world, ca, tmp_path):
    cert = ca.issue(["portal.launch.test"])
    bundle = ca.write_bundle(tmp_path / "ca.pem")

    async def go(cfg):
        async with Network(cfg.network) as net:
            return await net.tls_probe("portal.launch.test", 443)

    with serve(reply(), server_context(cert)) as port:
        cfg = config(dns_world.port, f'connect_to = [":443:127.0.0.1:{port}"]', ca_file=bundle)
        good = run(go(cfg))
        cfg_untrusting = config(dns_world.port, f'connect_to = [":443:127.0.0.1:{port}"]')
        refused = run(go(cfg_untrusting))
    assert good.verified and good.protocol.startswith("TLS") and len(good.chain) == 2
    assert good.certificates[0].subject.rfc4514_string().startswith("CN=portal.launch.test")
    assert not refused.verified and refused.verify_code == 20 and len(refused.chain) == 2


def test_huge_body_is_cut_at_the_cap_with_bounded_memory(dns_world):
    chunk = b"x" * 65536

    def handler(req):
        req.send_response(200)
        req.send_header("Content-Length", str(50 * 1024 * 1024))
        req.end_headers()
        try:
            for _ in range(800):  # 50 MiB, produced lazily
                req.wfile.write(chunk)
        except OSError:
            pass

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with serve(handler) as port:
        cfg = config(dns_world.port, f'connect_to = [":80:127.0.0.1:{port}"]')
        exchange = _fetch(cfg, "http://portal.launch.test/")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert exchange.status == 200 and exchange.truncated
    assert len(exchange.body) == cfg.network.max_body_bytes
    assert grown_mib < 40


def test_stalling_server_times_out_and_then_fails_fast(dns_world):
    def handler(req):
        time.sleep(3)

    with serve(handler) as port:
        cfg = config(dns_world.port, f'connect_to = [":80:127.0.0.1:{port}"]', timeout=0.5)

        async def go():
            async with Network(cfg.network) as net:
                first = await net.fetch("http://portal.launch.test/")
                second = await net.fetch("http://portal.launch.test/again")
                return first, second

        first, second = run(go())
    assert first.error.startswith("timeout: no complete response within 0.5s")
    # The second request was not sent at all: the host had already stopped answering.
    assert second.error == "timeout: portal.launch.test:80 stopped answering earlier in this run"


def test_endless_redirects_stop_at_the_cap(dns_world):
    def handler(req):
        n = int(req.path.strip("/") or 0)
        reply(302, b"", {"Location": f"/{n + 1}"})(req)

    with serve(handler) as port:
        cfg = config(dns_world.port, f'connect_to = [":80:127.0.0.1:{port}"]')

        async def go():
            async with Network(cfg.network) as net:
                return await net.follow("http://portal.launch.test/")

        chain = run(go())
    assert chain.too_many and len(chain.hops) == cfg.network.max_redirects + 1


def test_loopback_only_refuses_other_addresses(dns_world):
    cfg = config(dns_world.port, 'connect_to = [":80:203.0.113.10:80"]')
    exchange = _fetch(cfg, "http://portal.launch.test/")
    assert exchange.status is None and "loopback-only" in exchange.error


def test_active_probe_to_unnamed_host_is_refused(dns_world):
    cfg = config(dns_world.port)

    async def go():
        async with Network(cfg.network, scope=Scope({"portal.launch.test"})) as net:
            await net.fetch("https://elsewhere.launch.test/", method="POST", active=True)

    with pytest.raises(OutOfScope):
        run(go())


def test_tls_contexts_are_built_once_per_setting(tmp_path):
    from launchready.net.tlsctx import permissive_context, strict_context

    assert strict_context(None, "TLSv1.2", "") is strict_context(None, "TLSv1.2", "")
    assert strict_context(None) is not strict_context(None, "TLSv1.2", "")
    assert permissive_context("TLSv1", "TLSv1") is permissive_context("TLSv1", "TLSv1")
