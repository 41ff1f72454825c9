"""The dns area against the world's authoritative DNS server on loopback: dangling CNAMEs
(the can-i-take-over-xyz replay with negative controls), zone transfers per NS, wildcards,
CAA, dns.expect, undeclared subdomains, DNSSEC presence and the inventory."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from support.loopback import reply, serve
from support.transport import audit, by_id, make_config, observe, status_of

from launchready.checks.dns import inventory
from launchready.observe import transport
from launchready.world.dns import DnsServer, Zone

DATA = Path(__file__).parent.parent / "data" / "conformance" / "dns"
FINGERPRINTS = json.loads((DATA / "takeover_fingerprints.json").read_text())
DNSKEY = (
    "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpV"
    "XckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="
)


def _sample_text(fingerprint: str) -> str:
    """A body the fingerprint regex matches: first alternative, `.*` filled, escapes dropped."""
    text = html.unescape(fingerprint).split("|")[0]
    text = text.replace(".*", "abc")
    return re.sub(r"\\(.)", r"\1", text)


def _replay_entries():
    entries = []
    for entry in FINGERPRINTS:
        names = [c for c in entry["cname"] if not re.fullmatch(r"[\d.]+", c)]
        if not names:
            continue  # IP-only patterns cannot be a CNAME target
        suffix = names[0].split("://", 1)[-1].split("/", 1)[0]
        entries.append((entry, suffix))
    return entries


REPLAY = _replay_entries()


def _served(entry) -> tuple[int, bytes]:
    if entry["http_status"]:
        return entry["http_status"], b"status fingerprint"
    return 200, _sample_text(entry["fingerprint"]).encode()


@pytest.fixture(scope="module")
def takeover_world():
    """One zone with a declared host per fingerprint, plus the negative controls."""
    records = {"ns1.launch.test": [("A", "127.0.0.1")], "portal.launch.test": [("A", "127.0.0.1")]}
    zones: dict = {}
    bodies: dict[str, tuple[int, bytes]] = {}
    hosts = {}
    for i, (entry, suffix) in enumerate(REPLAY):
        host = f"t{i}.launch.test"
        hosts[f"t{i}"] = host
        target = f"x{i}.{suffix}"
        records[host] = [("CNAME", target)]
        zone = zones.setdefault(suffix, {})
        if not entry["nxdomain"]:
            zone[target] = [("A", "127.0.0.1")]
            bodies[host] = _served(entry)
    # Negative controls.
    hosts |= {"live": "live.launch.test", "own": "own.launch.test", "odd": "odd.launch.test"}
    hosts["nodata"] = "nodata.launch.test"
    records["live.launch.test"] = [("CNAME", "live-bucket.s3.amazonaws.com")]
    zones["s3.amazonaws.com"]["live-bucket.s3.amazonaws.com"] = [("A", "127.0.0.1")]
    bodies["live.launch.test"] = (200, b"<html>our real site</html>")
    records["own.launch.test"] = [("CNAME", "gone.launch.test")]
    records["odd.launch.test"] = [("CNAME", "x.cdn.elsewhere.test")]
    zones["elsewhere.test"] = {"x.cdn.elsewhere.test": [("A", "127.0.0.1")]}
    bodies["odd.launch.test"] = (200, b"The specified bucket does not exist")
    records["nodata.launch.test"] = [("CNAME", "env.elasticbeanstalk.com")]
    zones["elasticbeanstalk.com"]["env.elasticbeanstalk.com"] = [("TXT", "exists")]

    def handler(req):
        host = req.headers["Host"].split(":")[0]
        status, body = bodies.get(host, (404, b"nothing"))
        headers = {"Location": f"http://{host}/moved"} if 300 <= status < 400 else {}
        reply(status, body, headers)(req)

    with DnsServer({"launch.test": records, **zones}) as dns, serve(handler) as http_port:
        cfg = make_config(
            dns.port,
            site={"hosts": hosts},
            # The loopback server's listen backlog is 5: more parallel connects than that can
            # lose a SYN and wait a second for the retry, past the 1 s test timeout.
            concurrency=4,
            timeout=3.0,
            connect_to=[
                f":80:127.0.0.1:{http_port}",
                ":443:127.0.0.1:1",
                f":53:127.0.0.1:{dns.port}",
            ],
        )
        yield audit(cfg, "dns"), hosts


def test_takeover_fingerprint_replay(takeover_world):
    report, hosts = takeover_world
    assert len(REPLAY) == 27
    outcomes = {"Vulnerable": 0, "Not vulnerable": 0, "Edge case": 0}
    for i, (entry, _suffix) in enumerate(REPLAY):
        status = status_of(report, "dns.cname.dangling", hosts[f"t{i}"])
        if entry["status"] == "Vulnerable":
            assert status == "fail", entry["service"]
        elif entry["status"] == "Not vulnerable":
            assert status == "pass", entry["service"]
        else:
            assert status in ("warn", "pass"), entry["service"]
        outcomes[entry["status"]] += 1
    assert outcomes == {"Vulnerable": 25, "Not vulnerable": 1, "Edge case": 1}


def test_takeover_evidence_names_chain_and_fingerprint(takeover_world):
    report, hosts = takeover_world
    s3 = next(i for i, (e, _) in enumerate(REPLAY) if e["service"] == "AWS/S3")
    finding = by_id(report, "dns.cname.dangling", hosts[f"t{s3}"])[0]
    assert "AWS/S3" in finding.title and f"x{s3}.s3.amazonaws.com" in finding.evidence
    assert "can-i-take-over-xyz" in finding.extra["attribution"]


@pytest.mark.parametrize(
    "control",
    ["live", "own", "odd", "nodata"],
    ids=["live-target", "own-domain", "fingerprint-text-on-other-service", "nodata-target"],
)
def test_takeover_negative_controls(takeover_world, control):
    report, hosts = takeover_world
    assert status_of(report, "dns.cname.dangling", hosts[control]) == "pass"


def test_cname_to_unknown_nxdomain_target_is_flagged_unconfirmed():
    records = {
        "portal.launch.test": [("A", "127.0.0.1")],
        "old.launch.test": [("CNAME", "x.gone.test")],
    }
    with DnsServer({"launch.test": records, "gone.test": {}}) as dns:
        cfg = make_config(dns.port, site={"hosts": {"old": "old.launch.test"}})
        report = audit(cfg, "dns")
    finding = by_id(report, "dns.cname.dangling", "old.launch.test")[0]
    assert str(finding.status) == "fail" and finding.extra["confirmed"] is False


ZONE_BASE = {
    "ns1.launch.test": [("A", "127.0.0.1")],
    "ns2.launch.test": [("A", "127.0.0.1")],
    "launch.test": [("NS", "ns1.launch.test"), ("NS", "ns2.launch.test")],
    "portal.launch.test": [("A", "127.0.0.1")],
}


def _zone_audit(records, *, allow_axfr=False, dns=None, site=None, connect_to=()):
    with DnsServer({"launch.test": Zone("launch.test", records, allow_axfr)}) as server:
        cfg = make_config(
            server.port,
            site=site,
            dns=dns,
            connect_to=[
                *connect_to,
                "ns2.launch.test:53:127.0.0.1:1",  # a second NS that never answers
                f":53:127.0.0.1:{server.port}",
            ],
        )
        return audit(cfg, "dns"), observe(cfg, transport.collect_dns)


def test_axfr_open_on_one_nameserver_and_closed_on_the_other():
    report, _ = _zone_audit(
        {**ZONE_BASE, "secret-db.launch.test": [("A", "127.0.0.3")]}, allow_axfr=True
    )
    assert status_of(report, "dns.axfr.open", "launch.test@ns1.launch.test") == "fail"
    assert status_of(report, "dns.axfr.open", "launch.test@ns2.launch.test") == "pass"
    leak = by_id(report, "dns.axfr.open", "launch.test@ns1.launch.test")[0]
    assert "ns1.launch.test:53" in leak.evidence and "127.0.0.1:" not in leak.evidence
    # The transfer reveals a host the common-name list would never guess.
    undeclared = by_id(report, "dns.subdomain.undeclared", "secret-db.launch.test")[0]
    assert str(undeclared.status) == "warn" and undeclared.extra["source"] == "zone transfer"


def test_axfr_refused_passes():
    report, _ = _zone_audit(ZONE_BASE)
    assert status_of(report, "dns.axfr.open", "launch.test@ns1.launch.test") == "pass"
    assert "REFUSED" in by_id(report, "dns.axfr.open", "launch.test@ns1.launch.test")[0].evidence


def test_wildcard_flagged_and_discounted_for_subdomain_discovery():
    records = {
        **ZONE_BASE,
        "*": [("A", "127.0.0.5"), ("TXT", "catch-all")],
        "admin.launch.test": [("A", "127.0.0.7")],
    }
    report, _ = _zone_audit(records)
    assert status_of(report, "dns.wildcard", "*.launch.test") == "warn"
    undeclared = {f.subject for f in by_id(report, "dns.subdomain.undeclared") if f.is_problem}
    assert undeclared == {"admin.launch.test"}  # staging, dev ... only hit the wildcard


def test_no_wildcard_and_declared_hosts_are_not_undeclared():
    records = {**ZONE_BASE, "api.launch.test": [("A", "127.0.0.1")]}
    report, _ = _zone_audit(records, site={"hosts": {"api": "api.launch.test"}})
    assert status_of(report, "dns.wildcard", "*.launch.test") == "pass"
    assert status_of(report, "dns.subdomain.undeclared", "launch.test") == "pass"
    # Name servers are infrastructure, not accidental subdomains.
    assert not by_id(report, "dns.subdomain.undeclared", "ns1.launch.test")


def test_caa_missing_found_on_host_or_by_walking_up():
    report, _ = _zone_audit(ZONE_BASE)
    # One finding for the zone (one record fixes it), naming every uncovered host.
    (missing,) = [f for f in by_id(report, "dns.caa.missing") if str(f.status) == "warn"]
    assert missing.subject == "launch.test" and "portal.launch.test" in missing.extra["hosts"]
    at_apex = {
        **ZONE_BASE,
        "launch.test": [*ZONE_BASE["launch.test"], ("CAA", '0 issue "letsencrypt.org"')],
    }
    report, _ = _zone_audit(at_apex)
    assert status_of(report, "dns.caa.missing", "portal.launch.test") == "pass"
    on_host = {
        **ZONE_BASE,
        "portal.launch.test": [("A", "127.0.0.1"), ("CAA", '0 issue "pki.goog"')],
    }
    report, _ = _zone_audit(on_host)
    assert "pki.goog" in by_id(report, "dns.caa.missing", "portal.launch.test")[0].evidence


def test_record_expectations():
    records = {**ZONE_BASE, "www.launch.test": [("CNAME", "portal.launch.test")]}
    expect = {
        "portal.launch.test": ["A 127.0.0.1", "A 127.0.0.2"],
        "www.launch.test": [
            "CNAME portal.launch.test."
        ],  # trailing dot and case are not a mismatch
    }
    report, _ = _zone_audit(records, dns={"expect": expect})
    verdicts = sorted((f.subject, str(f.status)) for f in by_id(report, "dns.record.mismatch"))
    assert verdicts == [
        ("portal.launch.test", "fail"),
        ("portal.launch.test", "pass"),
        ("www.launch.test", "pass"),
    ]
    assert len({f.fingerprint for f in by_id(report, "dns.record.mismatch")}) == 3
    failing = next(f for f in by_id(report, "dns.record.mismatch") if f.is_problem)
    assert failing.extra["expected"] == "127.0.0.2" and failing.extra["found"] == ["127.0.0.1"]


def test_dnssec_presence_is_info():
    report, _ = _zone_audit(ZONE_BASE)
    unsigned = by_id(report, "dns.dnssec", "launch.test")[0]
    assert str(unsigned.status) == "warn" and str(unsigned.severity) == "info"
    signed = {**ZONE_BASE, "launch.test": [*ZONE_BASE["launch.test"], ("DNSKEY", DNSKEY)]}
    report, _ = _zone_audit(signed)
    assert status_of(report, "dns.dnssec", "launch.test") == "pass"


def test_inventory_lists_records_per_host():
    records = {
        **ZONE_BASE,
        "www.launch.test": [("CNAME", "portal.launch.test")],
        "dev.launch.test": [("A", "127.0.0.8")],
    }
    _, obs = _zone_audit(records, site={"apex": "launch.test"})
    inv = inventory(obs)
    assert inv["zone"] == "launch.test"
    assert inv["hosts"]["portal.launch.test"]["A"] == ["127.0.0.1"]
    assert inv["hosts"]["www.launch.test"]["CNAME"] == ["portal.launch.test."]
    assert inv["discovered"]["dev.launch.test"]["A"] == ["127.0.0.8"]
    assert set(inv["apex"]["NS"]) == {"ns1.launch.test.", "ns2.launch.test."}
    json.dumps(inv)  # serializable for report.extra


def test_site_on_an_address_has_no_zone_to_audit():
    with DnsServer({"launch.test": ZONE_BASE}) as server:
        cfg = make_config(server.port, url="http://127.0.0.1:1/")
        obs = observe(cfg, transport.collect_dns)
    assert obs.zone is None and inventory(obs) == {}


def test_dangling_cname_found_only_through_a_zone_transfer():
    records = {**ZONE_BASE, "old-shop.launch.test": [("CNAME", "shop.elasticbeanstalk.com")]}
    zones = {
        "launch.test": Zone("launch.test", records, allow_axfr=True),
        "elasticbeanstalk.com": {},
    }
    with DnsServer(zones) as server:
        cfg = make_config(server.port, connect_to=[f":53:127.0.0.1:{server.port}"])
        report = audit(cfg, "dns")
    assert status_of(report, "dns.cname.dangling", "old-shop.launch.test") == "fail"
    assert status_of(report, "dns.subdomain.undeclared", "old-shop.launch.test") == "warn"
