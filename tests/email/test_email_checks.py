"""email.* checks on the world's DNS server: each id's condition, its clean control, and traps
(records split into several strings, NODATA vs NXDOMAIN, upper-case tags)."""

from __future__ import annotations

import pytest
from mailworld import audit, config, ed25519_key_b64, one, only, rsa_key_b64, status

from launchready.world.dns import DnsServer

KEY2048 = rsa_key_b64(2048)
KEY1024 = rsa_key_b64(1024)
KEY512 = rsa_key_b64(512)
KEYED = ed25519_key_b64()
PROVIDER = "_spf.provider.test"
DMARC_OK = "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"


def _txt(value):
    return ("TXT", value)


def _includes(n: int, domain: str) -> dict:
    records = {f"inc{i}.{domain}": [_txt("v=spf1 ip4:198.51.100.1 -all")] for i in range(n)}
    records[domain] = [
        _txt("v=spf1 " + " ".join(f"include:inc{i}.{domain}" for i in range(n)) + " -all")
    ]
    return records


ZONE: dict = {
    PROVIDER: [_txt("v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all")],
    # the clean domain: everything right; SPF and DMARC split into several strings
    "good.test": [
        _txt(["v=spf1 ip4:198.51.100.7 ", "include:_spf.provider.test -all"]),
        _txt("google-site-verification=abc"),
        ("MX", (10, "mx.good.test")),
        ("A", "127.0.0.1"),
    ],
    "mx.good.test": [("A", "127.0.0.1")],
    "_dmarc.good.test": [_txt(["v=DMARC1; p=reject; ", "rua=mailto:dmarc@good.test"])],
    "s2048._domainkey.good.test": [_txt(f"v=DKIM1; k=rsa; p={KEY2048}")],
    "ed._domainkey.good.test": [_txt(f"v=DKIM1; k=ed25519; p={KEYED}")],
    "_mta-sts.good.test": [_txt("v=STSv1; id=20261127")],
    "_smtp._tls.good.test": [_txt("v=TLSRPTv1; rua=mailto:tls@good.test")],
    # a token split in the middle of a term: joined with no separator, still valid
    "split.test": [_txt(["v=spf1 ip4:198.51.1", "00.7 -a", "ll"])],
    "_dmarc.split.test": [_txt(["v=DMA", "RC1; p=quar", "antine"])],
    # upper-case tags
    "upper.test": [_txt("V=SPF1 IP4:198.51.100.7 -ALL")],
    "_dmarc.upper.test": [_txt("V=DMARC1; P=REJECT; RUA=mailto:D@upper.test")],
    "s1._domainkey.upper.test": [_txt(f"v=DKIM1; K=rsa; P={KEY2048}")],  # DKIM tags: case matters
    # SPF: missing (NODATA: name exists, no TXT), other TXT only, NXDOMAIN is any unknown name
    "nodata.test": [("A", "127.0.0.1")],
    "othertxt.test": [_txt("google-site-verification=abc")],
    # SPF: invalid
    "two.test": [_txt("v=spf1 -all"), _txt("v=spf1 ip4:192.0.2.1 -all")],
    "syntax.test": [_txt("v=spf1 ip4:192.0.2.300 -all")],
    "inclnone.test": [_txt("v=spf1 include:nospf.test -all")],
    "nospf.test": [("A", "127.0.0.1")],
    "notspf.test": [_txt("v=spf10 -all")],  # not an SPF record at all
    # SPF: lookups
    **_includes(11, "many.test"),
    **_includes(10, "ten.test"),
    "voids.test": [_txt("v=spf1 a:void1.test mx:void2.test exists:void3.test -all")],
    "void2.test": [("A", "127.0.0.1")],  # exists, but no MX: NODATA is void too
    "twovoids.test": [_txt("v=spf1 a:void1.test mx:void2.test -all")],
    # SPF: permissive
    "plusall.test": [_txt("v=spf1 ip4:192.0.2.1 +all")],
    "qall.test": [_txt("v=spf1 ip4:192.0.2.1 ?all")],
    "noall.test": [_txt("v=spf1 ip4:192.0.2.1")],
    "redir.test": [_txt("v=spf1 redirect=_spf.provider.test")],
    "softall.test": [_txt("v=spf1 ip4:192.0.2.1 ~all")],
    # DMARC
    "_dmarc.none.test": [_txt("v=DMARC1; p=none; rua=mailto:d@none.test")],
    "_dmarc.badp.test": [_txt("v=DMARC1; p=bogus")],
    "_dmarc.twodmarc.test": [_txt("v=DMARC1; p=reject"), _txt("v=DMARC1; p=none")],
    "_dmarc.nop.test": [_txt("v=DMARC1; sp=reject")],
    "_dmarc.spnone.test": [_txt("v=DMARC1; p=reject; sp=none; rua=mailto:d@spnone.test")],
    "_dmarc.norua.test": [_txt("v=DMARC1; p=quarantine")],
    "_dmarc.ext.test": [_txt("v=DMARC1; p=reject; rua=mailto:a@reports.test,mailto:b@vendor.test")],
    "ext.test._report._dmarc.vendor.test": [_txt("v=DMARC1")],
    "_dmarc.lower.test": [_txt("v=dmarc1; p=reject")],  # the version value is case-sensitive
    "_dmarc.testing.test": [_txt("v=DMARC1; p=reject; t=y; rua=mailto:d@testing.test")],
    "rua._dmarc.ent.test": [_txt("x")],  # _dmarc.ent.test is an empty non-terminal: NODATA
    "_dmarc.c.org.test": [_txt(DMARC_OK)],  # only the DMARCbis tree walk finds this one
    "_dmarc.org.test": [_txt("v=DMARC1; p=none; rua=mailto:d@org.test")],
    # DKIM
    "k1024._domainkey.good.test": [_txt(f"v=DKIM1; p={KEY1024}")],
    "k512._domainkey.good.test": [_txt(f"v=DKIM1; p={KEY512}")],
    "revoked._domainkey.good.test": [_txt("v=DKIM1; k=rsa; p=")],
    "sha1._domainkey.good.test": [_txt(f"v=DKIM1; h=sha1; p={KEY2048}")],
    "both._domainkey.good.test": [_txt(f"v=DKIM1; h=sha1:sha256; p={KEY2048}")],
    "testing._domainkey.good.test": [_txt(f"v=DKIM1; t=y; p={KEY2048}")],
    "garbage._domainkey.good.test": [_txt("v=DKIM1; p=bm90IGEga2V5")],
    "sub.nodata._domainkey.good.test": [_txt("x")],  # nodata._domainkey...: empty non-terminal
    # MX
    "nullmx.test": [("MX", (0, "."))],
}


@pytest.fixture(scope="module")
def dns_port():
    with DnsServer({"test": ZONE}) as server:
        yield server.port


def run(port: int, domain: str | None, *lines: str):
    head = [f'domain = "{domain}"'] if domain else []
    return audit(config(port, *head, *lines))


# -- area skipped ---------------------------------------------------------------------------------
def test_not_configured_is_skipped(dns_port):
    findings = run(dns_port, None)
    assert findings and all(str(f.status) == "skipped" for f in findings)
    assert "domain" in findings[0].title


# -- clean control --------------------------------------------------------------------------------
def test_clean_domain_passes_everything(dns_port):
    findings = run(
        dns_port,
        "good.test",
        'dkim_selectors = ["s2048", "ed"]',
        f'senders = ["{PROVIDER}", "198.51.100.7"]',
    )
    bad = [(f.id, f.subject, f.title) for f in findings if str(f.status) not in ("pass",)]
    assert bad == []
    ids = {f.id for f in findings}
    for wanted in (
        "email.spf.missing",
        "email.spf.invalid",
        "email.spf.lookups",
        "email.spf.permissive",
        "email.spf.sender-missing",
        "email.dmarc.missing",
        "email.dmarc.invalid",
        "email.dmarc.policy-none",
        "email.dkim.missing",
        "email.dkim.weak-key",
        "email.mx.missing",
        "email.mta-sts.present",
        "email.tls-rpt.present",
    ):
        assert wanted in ids
    assert one(findings, "email.dkim.weak-key", "s2048._domainkey.good.test").extra["bits"] == 2048


# -- SPF --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("domain", "why"),
    [
        ("absent.test", "NXDOMAIN"),
        ("nodata.test", "NODATA"),
        ("othertxt.test", "none of the right kind"),
        ("notspf.test", "none of the right kind"),
    ],
)
def test_spf_missing_tells_nxdomain_from_nodata(dns_port, domain, why):
    finding = one(run(dns_port, domain), "email.spf.missing")
    assert str(finding.status) == "fail"
    assert why in finding.evidence


@pytest.mark.parametrize("domain", ["split.test", "upper.test"])
def test_spf_split_strings_and_upper_case_are_valid(dns_port, domain):
    findings = run(dns_port, domain)
    for check_id in ("email.spf.missing", "email.spf.invalid", "email.spf.permissive"):
        assert status(findings, check_id) == "pass", check_id


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("two.test", "exactly one"),
        ("syntax.test", "bad address"),
        ("inclnone.test", "publishes no SPF"),
    ],
)
def test_spf_invalid(dns_port, domain, reason):
    findings = run(dns_port, domain)
    finding = one(findings, "email.spf.invalid")
    assert str(finding.status) == "fail"
    assert reason in finding.title


def test_spf_lookup_limit(dns_port):
    assert status(run(dns_port, "ten.test"), "email.spf.lookups") == "pass"  # exactly 10: fine
    finding = one(run(dns_port, "many.test"), "email.spf.lookups")
    assert str(finding.status) == "fail" and finding.extra["lookups"] == 11


def test_spf_void_lookup_limit(dns_port):
    two = one(run(dns_port, "twovoids.test"), "email.spf.lookups")
    assert str(two.status) == "pass" and two.extra["void_lookups"] == 2
    three = one(run(dns_port, "voids.test"), "email.spf.lookups")
    assert str(three.status) == "fail" and three.extra["void_lookups"] == 3
    assert "NODATA" in three.title and "NXDOMAIN" in three.title  # both kinds count as void


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("plusall.test", "fail"),
        ("qall.test", "warn"),
        ("noall.test", "warn"),
        ("softall.test", "pass"),
        ("redir.test", "pass"),  # the redirect target's -all ends the record
    ],
)
def test_spf_permissive(dns_port, domain, expected):
    assert status(run(dns_port, domain), "email.spf.permissive") == expected


def test_spf_senders(dns_port):
    findings = run(
        dns_port,
        "good.test",
        f'senders = ["{PROVIDER}", "192.0.2.55", "_spf.other.test", "203.0.113.9"]',
    )
    by = {
        f.subject.split(" <- ")[1]: str(f.status)
        for f in only(findings, "email.spf.sender-missing")
    }
    assert by == {
        PROVIDER: "pass",  # named in the include tree
        "192.0.2.55": "pass",  # evaluated: authorized through the include
        "_spf.other.test": "fail",
        "203.0.113.9": "fail",  # evaluated only: no packet goes to it
    }


# -- DMARC ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("domain", "why"), [("absent.test", "NXDOMAIN"), ("ent.test", "NODATA")])
def test_dmarc_missing(dns_port, domain, why):
    finding = one(run(dns_port, domain), "email.dmarc.missing")
    assert str(finding.status) == "fail" and why in finding.evidence


def test_dmarc_lower_case_version_is_not_a_record(dns_port):
    assert status(run(dns_port, "lower.test"), "email.dmarc.missing") == "fail"


@pytest.mark.parametrize(
    ("domain", "expected"), [("badp.test", "fail"), ("twodmarc.test", "fail"), ("nop.test", "warn")]
)
def test_dmarc_invalid(dns_port, domain, expected):
    assert status(run(dns_port, domain), "email.dmarc.invalid") == expected


def test_dmarc_missing_p_is_read_differently_by_the_two_rfcs(dns_port):
    findings = run(dns_port, "nop.test")
    invalid = one(findings, "email.dmarc.invalid")
    assert "RFC 7489" in invalid.evidence and "p= is missing" in invalid.evidence
    assert invalid.extra["rfc9989"].startswith("RFC 9989: p=none")
    differ = one(findings, "email.dmarc.readings-differ")
    assert str(differ.status) == "warn"
    # DMARCbis reads the missing p= as none
    assert status(findings, "email.dmarc.policy-none") == "warn"


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("none.test", "warn"),
        ("good.test", "pass"),
        ("upper.test", "pass"),
        ("split.test", "pass"),
        ("spnone.test", "warn"),
        (
            "testing.test",
            "pass",
        ),  # t=y: reject is applied as quarantine by DMARCbis, still enforcing
    ],
)
def test_dmarc_policy_none(dns_port, domain, expected):
    assert status(run(dns_port, domain), "email.dmarc.policy-none") == expected


def test_dmarc_rua(dns_port):
    assert status(run(dns_port, "norua.test"), "email.dmarc.rua-missing") == "warn"
    assert status(run(dns_port, "good.test"), "email.dmarc.rua-missing") == "pass"


def test_dmarc_foreign_report_address_needs_consent(dns_port):
    findings = run(dns_port, "ext.test")
    assert status(
        findings, "email.dmarc.report-consent", "ext.test._report._dmarc.vendor.test"
    ) == ("pass")
    missing = one(findings, "email.dmarc.report-consent", "ext.test._report._dmarc.reports.test")
    assert str(missing.status) == "warn" and "NXDOMAIN" in missing.evidence
    # an address inside the domain needs no consent record
    assert not only(run(dns_port, "good.test"), "email.dmarc.report-consent")


def test_dmarc_discovery_differs_psl_vs_tree_walk(dns_port):
    findings = run(dns_port, "a.b.c.org.test")
    differ = one(findings, "email.dmarc.readings-differ")
    assert str(differ.status) == "warn"
    assert differ.extra["record_name_7489"] == "_dmarc.org.test"
    assert differ.extra["record_name_9989"] == "_dmarc.c.org.test"


def test_dmarc_testing_flag_downgrades_under_bis(dns_port):
    finding = one(run(dns_port, "testing.test"), "email.dmarc.readings-differ")
    assert "quarantine" in finding.extra["rfc9989"] and "reject" in finding.extra["rfc7489"]


# -- DKIM -------------------------------------------------------------------------------------
def _dkim(port, *selectors):
    names = ", ".join(f'"{s}"' for s in selectors)
    return run(port, "good.test", f"dkim_selectors = [{names}]")


def test_dkim_selectors_not_configured_is_skipped_with_a_hint(dns_port):
    published = one(run(dns_port, "good.test"), "email.dkim.missing")
    assert str(published.status) == "skipped" and "probably published" in published.evidence
    absent = one(run(dns_port, "none.test"), "email.dkim.missing")
    assert str(absent.status) == "skipped" and "probably no DKIM key" in absent.evidence


@pytest.mark.parametrize(
    ("selector", "why"),
    [
        ("absent", "NXDOMAIN"),
        ("nodata", "NODATA"),
        ("revoked", "revoked"),
        ("garbage", "unusable"),
    ],
)
def test_dkim_missing(dns_port, selector, why):
    finding = one(_dkim(dns_port, selector), "email.dkim.missing")
    assert str(finding.status) == "fail"
    assert why in finding.title + finding.evidence


def test_dkim_upper_case_p_tag_is_not_a_key(dns_port):
    findings = run(dns_port, "upper.test", 'dkim_selectors = ["s1"]')
    assert status(findings, "email.dkim.missing") == "fail"


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("s2048", "pass"),  # a 2048-bit key is longer than 255 bytes: served as several strings
        ("ed", "pass"),
        ("k1024", "warn"),
        ("k512", "fail"),
        ("sha1", "fail"),
        ("both", "pass"),
    ],
)
def test_dkim_weak_key(dns_port, selector, expected):
    assert status(_dkim(dns_port, selector), "email.dkim.weak-key") == expected


def test_dkim_testing_flag(dns_port):
    findings = _dkim(dns_port, "testing", "s2048")
    assert status(findings, "email.dkim.testing", "testing._domainkey.good.test") == "warn"
    assert not only(findings, "email.dkim.testing", "s2048._domainkey.good.test")


# -- MX, MTA-STS, TLS-RPT -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("domain", "expected", "why"),
    [
        ("good.test", "pass", ""),
        ("nodata.test", "fail", "NODATA"),
        ("absent.test", "fail", "NXDOMAIN"),
        ("nullmx.test", "warn", "null MX"),
    ],
)
def test_mx(dns_port, domain, expected, why):
    finding = one(run(dns_port, domain), "email.mx.missing")
    assert str(finding.status) == expected
    assert why in finding.title + finding.evidence


def test_mta_sts_and_tls_rpt_are_info(dns_port):
    findings = run(dns_port, "none.test")
    for check_id in ("email.mta-sts.present", "email.tls-rpt.present"):
        finding = one(findings, check_id)
        assert str(finding.status) == "warn" and str(finding.severity) == "info"
