"""The world's DNS server, exercised with a real dnspython client over UDP and TCP."""

from __future__ import annotations

import asyncio

import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.zone
import pytest

from launchready.world.dns import DnsServer, records_from_spf_zonedata

ZONE = {
    "launch.test": [("A", "127.0.0.1"), ("MX", (10, "mx.launch.test"))],
    "portal.launch.test": [
        ("A", "127.0.0.1"),
        ("AAAA", "::1"),
        ("TXT", ["v=spf1 ", "-all"]),
        ("CAA", '0 issue "letsencrypt.org"'),
    ],
    "www.launch.test": [("CNAME", "portal.launch.test")],
    "a.chain.launch.test": [("CNAME", "b.chain.launch.test")],
    "b.chain.launch.test": [("CNAME", "portal.launch.test")],
    "loop1.launch.test": [("CNAME", "loop2.launch.test")],
    "loop2.launch.test": [("CNAME", "loop1.launch.test")],
    "dangling.launch.test": [("CNAME", "gone.launch.test")],
    "s1._domainkey.launch.test": [("TXT", "v=DKIM1; k=rsa; p=AAAA")],
    "*.wild.launch.test": [("A", "127.0.0.9"), ("TXT", "wild")],
    "real.wild.launch.test": [("A", "127.0.0.10")],
    "slow.launch.test": [("A", "127.0.0.2"), ("TIMEOUT", None)],
    "big.launch.test": [("TXT", "x" * 200 + str(i)) for i in range(5)],
    "long.launch.test": [("TXT", "y" * 300)],
    "utf.launch.test": [("TXT", "café")],
    "Mixed Case%20.launch.test": [("A", "127.0.0.3")],
}


@pytest.fixture(scope="module")
def server():
    with DnsServer({"launch.test": ZONE}) as srv:
        srv.add_zone("xfr.test", {"a.xfr.test": [("A", "127.0.0.4")]}, allow_axfr=True)
        yield srv


def ask(server, name, rdtype="A", tcp=False, timeout=2.0):
    query = dns.message.make_query(name, rdtype)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(query, "127.0.0.1", port=server.port, timeout=timeout)


def answers(response):
    return sorted(rd.to_text() for rrset in response.answer for rd in rrset)


def test_address_is_loopback_and_udp_tcp_share_port(server):
    assert server.address == f"127.0.0.1:{server.port}"
    assert answers(ask(server, "portal.launch.test.")) == ["127.0.0.1"]
    assert answers(ask(server, "portal.launch.test.", tcp=True)) == ["127.0.0.1"]


def test_nxdomain_vs_nodata(server):
    nx = ask(server, "nope.launch.test.")
    assert nx.rcode() == dns.rcode.NXDOMAIN
    assert nx.authority[0].rdtype == dns.rdatatype.SOA
    nodata = ask(server, "portal.launch.test.", "MX")
    assert nodata.rcode() == dns.rcode.NOERROR
    assert nodata.answer == []
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA
    assert nodata.flags & dns.flags.AA


def test_empty_non_terminal_is_nodata_not_nxdomain(server):
    ent = ask(server, "_domainkey.launch.test.", "TXT")
    assert ent.rcode() == dns.rcode.NOERROR and ent.answer == []
    assert ask(server, "s2._domainkey.launch.test.", "TXT").rcode() == dns.rcode.NXDOMAIN


def test_apex_soa_and_ns_are_synthesized(server):
    assert answers(ask(server, "launch.test.", "NS")) == ["ns1.launch.test."]
    soa = ask(server, "launch.test.", "SOA")
    assert soa.answer[0].rdtype == dns.rdatatype.SOA


def test_cname_chain_is_chased_server_side(server):
    response = ask(server, "a.chain.launch.test.")
    types = [dns.rdatatype.to_text(r.rdtype) for r in response.answer]
    assert types == ["CNAME", "CNAME", "A"]
    assert [r.name.to_text() for r in response.answer] == [
        "a.chain.launch.test.",
        "b.chain.launch.test.",
        "portal.launch.test.",
    ]
    # asking for the CNAME itself does not chase
    assert answers(ask(server, "www.launch.test.", "CNAME")) == ["portal.launch.test."]


def test_cname_to_missing_name_is_nxdomain_with_chain(server):
    response = ask(server, "dangling.launch.test.")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert answers(response) == ["gone.launch.test."]


def test_cname_loop_is_servfail(server):
    assert ask(server, "loop1.launch.test.").rcode() == dns.rcode.SERVFAIL


def test_rfc4592_wildcard(server):
    assert answers(ask(server, "anything.wild.launch.test.")) == ["127.0.0.9"]
    synth = ask(server, "x.y.wild.launch.test.", "TXT")
    assert synth.answer[0].name.to_text() == "x.y.wild.launch.test."
    # an existing name is not covered by the wildcard, even for a type it lacks
    assert answers(ask(server, "real.wild.launch.test.")) == ["127.0.0.10"]
    assert ask(server, "real.wild.launch.test.", "TXT").answer == []
    # the wildcard owner does not cover names below an existing non-wildcard name
    assert ask(server, "sub.real.wild.launch.test.").rcode() == dns.rcode.NXDOMAIN


def test_timeout_drops_only_unlisted_types(server):
    assert answers(ask(server, "slow.launch.test.")) == ["127.0.0.2"]
    with pytest.raises(dns.exception.Timeout):
        ask(server, "slow.launch.test.", "TXT", timeout=0.3)


def test_big_udp_answer_sets_tc_and_tcp_has_it_all(server):
    udp = ask(server, "big.launch.test.", "TXT")
    assert udp.flags & dns.flags.TC
    assert udp.answer == []
    assert len(answers(ask(server, "big.launch.test.", "TXT", tcp=True))) == 5


def test_resolver_falls_back_to_tcp(server):
    async def lookup():
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = ["127.0.0.1"]
        resolver.port = server.port
        resolver.lifetime = 2.0
        return await resolver.resolve("big.launch.test.", "TXT")

    before = len(server.log)
    result = asyncio.run(lookup())
    assert len(result.rrset) == 5
    transports = [t for t, name, _ in server.log[before:] if name == "big.launch.test."]
    assert transports == ["udp", "tcp"]


def test_long_txt_is_split_and_utf8_encoded(server):
    rdata = ask(server, "long.launch.test.", "TXT").answer[0][0]
    assert [len(s) for s in rdata.strings] == [255, 45]
    utf = ask(server, "utf.launch.test.", "TXT").answer[0][0]
    assert utf.strings == ("café".encode(),)


def test_names_match_case_insensitively_on_raw_bytes(server):
    name = "mIXED cASE%20.LAUNCH.test."
    assert answers(ask(server, name)) == ["127.0.0.3"]


def test_outside_every_zone_is_refused(server):
    assert ask(server, "example.com.").rcode() == dns.rcode.REFUSED


def test_axfr_allowed_and_refused(server):
    zone = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", "xfr.test", port=server.port, timeout=2))
    assert "a" in {n.to_text() for n in zone.nodes}
    refused = ask(server, "launch.test.", "AXFR", tcp=True)
    assert refused.rcode() == dns.rcode.REFUSED
    assert ask(server, "xfr.test.", "AXFR").rcode() == dns.rcode.REFUSED  # never over UDP


def test_set_records_swaps_everything_and_flat_tables_are_authoritative_everywhere():
    with DnsServer() as srv:
        assert ask(srv, "example.com.").rcode() == dns.rcode.REFUSED
        srv.set_records({"example.com": [("A", "127.0.0.5")]})
        assert answers(ask(srv, "example.com.")) == ["127.0.0.5"]
        assert ask(srv, "other.org.").rcode() == dns.rcode.NXDOMAIN
        srv.set_records({"example.net": [("MX", [5, "mail.example.net"])]})
        assert ask(srv, "example.com.").rcode() == dns.rcode.NXDOMAIN
        assert answers(ask(srv, "example.net.", "MX")) == ["5 mail.example.net."]


def test_spf_zonedata_replay_rules():
    records = records_from_spf_zonedata(
        {
            "example.com": [{"SPF": "v=spf1 -all"}, {"A": "1.2.3.4"}],
            "notxt.example.com": [{"SPF": "v=spf1 +all"}, {"TXT": "NONE"}],
            "slow.example.com": [{"SPF": "v=spf1 ?all"}, "TIMEOUT"],
            "null.example.com": [{"SPF": []}, {"TXT": "v=spf1"}],
        }
    )
    with DnsServer() as srv:
        srv.set_records(records)
        assert answers(ask(srv, "example.com.", "TXT")) == ['"v=spf1 -all"']
        assert answers(ask(srv, "example.com.", "SPF")) == ['"v=spf1 -all"']
        assert ask(srv, "notxt.example.com.", "TXT").answer == []
        assert answers(ask(srv, "slow.example.com.", "SPF")) == ['"v=spf1 ?all"']
        with pytest.raises(dns.exception.Timeout):  # the generated TXT copy is not "listed"
            ask(srv, "slow.example.com.", "TXT", timeout=0.3)
        assert ask(srv, "null.example.com.", "SPF").answer == []


def test_stop_is_idempotent_and_frees_the_port():
    srv = DnsServer({"launch.test": {}}).start()
    port = srv.port
    srv.stop()
    srv.stop()
    with pytest.raises((dns.exception.Timeout, OSError)):
        dns.query.udp(
            dns.message.make_query("launch.test.", "A"), "127.0.0.1", port=port, timeout=0.2
        )


def test_flat_records_keep_raw_names_with_spaces_and_percent():
    name = "macro%percent  space%20url-space.example.com"
    with DnsServer() as srv:
        srv.set_records({name: [("A", "1.2.3.4")], "Example.COM": [("TXT", "x")]})
        assert answers(ask(srv, "MACRO%percent  SPACE%20url-space.example.com.")) == ["1.2.3.4"]
        assert answers(ask(srv, "example.com.", "TXT")) == ['"x"']
