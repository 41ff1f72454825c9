"""Pure pieces of the email checks, with hand-made values: DMARC readings, discovery names,
alignment, DKIM key parsing, SPF syntax traps."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from mailworld import rsa_key_b64

from launchready.email.dkim import parse_key_record
from launchready.email.dmarc import (
    aligned,
    differences,
    is_dmarc_record,
    org_domain,
    read_7489,
    read_9989,
    tree_walk_names,
)
from launchready.email.spf import SpfError, parse_record


@pytest.mark.parametrize(
    ("record", "valid_7489", "p_7489", "valid_9989", "p_9989"),
    [
        ("v=DMARC1; p=reject", True, "reject", True, "reject"),
        ("v=DMARC1; p=none; rua=mailto:a@x.test", True, "none", True, "none"),
        ("v=DMARC1", False, None, True, "none"),  # bis: missing p means none
        ("v=DMARC1; rua=mailto:a@x.test", True, "none", True, "none"),  # 7489 §6.6.3
        ("v=DMARC1; rua=mailto:a@x.test; p=reject", False, "reject", True, "reject"),  # order
        ("v=DMARC1; p=reject; pct=50", True, "reject", True, "reject"),  # pct: bis ignores it
        ("v=DMARC1; p=reject; p=none", False, "reject", False, "reject"),  # duplicate tag
        ("v=DMARC1; p=reject; t=y", True, "reject", True, "quarantine"),  # bis test mode
        ("v=DMARC1; p=quarantine; t=y", True, "quarantine", True, "none"),
        ("v=DMARC1; p=reject; adkim=x", False, "reject", False, "reject"),
        ("v=DMARC1; p=reject; rua=https://x.test/r", False, "reject", False, "reject"),
        ("V=DMARC1; P=Reject", True, "reject", True, "reject"),  # tag names any case
    ],
)
def test_dmarc_readings(record, valid_7489, p_7489, valid_9989, p_9989):
    a, b = read_7489(record), read_9989(record)
    assert (a.valid, a.policy) == (valid_7489, p_7489), a.errors
    assert (b.valid, b.policy) == (valid_9989, p_9989), b.errors


def test_dmarc_removed_tags_warn_only_under_bis():
    b = read_9989("v=DMARC1; p=reject; pct=50; rf=afrf; ri=3600")
    assert b.valid and sum("removed" in w for w in b.warnings) == 3
    assert not any("removed" in w for w in read_7489("v=DMARC1; p=reject; pct=50").warnings)


def test_dmarc_np_defaults_to_sp_then_p():
    assert read_9989("v=DMARC1; p=reject; sp=quarantine").np_policy == "quarantine"
    assert read_9989("v=DMARC1; p=reject").np_policy == "reject"
    assert read_9989("v=DMARC1; p=reject; np=none").np_policy == "none"


def test_dmarc_differences_name_both_rfcs():
    diffs = differences(read_7489("v=DMARC1"), read_9989("v=DMARC1"))
    assert diffs == ["RFC 7489 says invalid, RFC 9989 says valid"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("v=DMARC1; p=none", True),
        ("v = DMARC1;p=none", True),
        ("v=dmarc1; p=none", False),
        ("p=none; v=DMARC1", False),
        ("v=DMARC10; p=none", False),
    ],
)
def test_dmarc_record_selection(text, ok):
    assert is_dmarc_record(text) is ok


def test_tree_walk_names_jump_to_seven_labels_and_stop_at_eight_queries():
    assert tree_walk_names("a.b.example.com") == [
        "a.b.example.com",
        "b.example.com",
        "example.com",
        "com",
    ]
    long = tree_walk_names("1.2.3.4.5.6.7.8.9.example.com")
    assert long[0] == "1.2.3.4.5.6.7.8.9.example.com"
    assert long[1] == "5.6.7.8.9.example.com"  # 7 labels
    assert len(long) == 8 and long[-1] == "com"  # 1 + 7 queries: down to the TLD


@pytest.mark.parametrize(
    ("mode", "a", "b", "expected"),
    [
        ("r", "example.co.uk", "mail.example.co.uk", True),
        ("s", "example.co.uk", "mail.example.co.uk", False),
        ("s", "Example.com.", "example.com", True),
        ("r", "a.co.uk", "b.co.uk", False),  # the public suffix is not an organization
        ("r", "portal.test", "bounce.portal.test", True),
    ],
)
def test_alignment(mode, a, b, expected):
    assert aligned(mode, a, b) is expected


def test_org_domain_uses_the_public_suffix_list():
    assert org_domain("a.b.example.co.uk") == "example.co.uk"


def test_dkim_bare_pkcs1_key_is_read():
    key = rsa.generate_private_key(65537, 1024).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    parsed = parse_key_record("s", "x.test", f"p={base64.b64encode(der).decode()}")
    assert parsed.errors == [] and parsed.bits == 1024


def test_dkim_version_must_come_first():
    parsed = parse_key_record("s", "x.test", f"k=rsa; v=DKIM1; p={rsa_key_b64(1024)}")
    assert not parsed.version_ok and parsed.errors


def test_dkim_ed25519_with_wrong_length_is_an_error():
    parsed = parse_key_record("s", "x.test", "k=ed25519; p=" + base64.b64encode(b"x" * 31).decode())
    assert parsed.errors and parsed.bits is None


def test_dkim_whitespace_inside_p_is_ignored():
    value = rsa_key_b64(1024)
    spaced = " ".join(value[i : i + 60] for i in range(0, len(value), 60))
    assert parse_key_record("s", "x.test", f"v=DKIM1; p={spaced}").bits == 1024


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 ip4:192.0.2.1/033 -all",  # leading zero in a prefix length
        "v=spf1 a:example.com/33",
        "v=spf1 ip6:2001:db8::/129",
        "v=spf1 include:%{x}.example.com",  # unknown macro letter
        "v=spf1 exists:%{l0}.example.com",  # zero digit transformer
        "v=spf1 redirect=a.test redirect=b.test",
        "v=spf1 -all exp=a.test exp=b.test",
        "v=spf1 foo -all",
        "v=spf1 a:example.123",  # numeric top label
        "v=spf1\tip4:192.0.2.1",  # only spaces separate terms
    ],
)
def test_spf_syntax_errors(record):
    with pytest.raises(SpfError) as info:
        parse_record(record)
    assert info.value.result == "permerror"


@pytest.mark.parametrize(
    "record",
    [
        "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx ptr -all",
        "V=SPF1 A:Example.COM/24//64 -ALL",
        "v=spf1 a:foo:bar/baz.example.com",  # ':' and '/' may sit inside a domain-spec
        "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} unknown-mod=anything -all",
        "v=spf1 redirect=_spf.example.com",
    ],
)
def test_spf_valid_records(record):
    parse_record(record)
