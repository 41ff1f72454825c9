"""The live delivery check end to end on loopback, with real servers only:

  launchready --SMTP+STARTTLS+AUTH--> world MailRelay (aiosmtpd; DKIM-signs with dkimpy)
                                        --Maildir--> dovecot (real IMAP) <--IMAP-- launchready

DNS (SPF, DMARC, the DKIM key) comes from the world's DNS server; the SMTP and IMAP connections go
to public names routed with connect_to, so the check honours it like every other connection.
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from mailworld import audit, one, status

from launchready.config import parse_config
from launchready.redact import REDACTOR
from launchready.world.ca import LocalCA, server_context
from launchready.world.dns import DnsServer
from launchready.world.imap import DovecotServer, dovecot_binary
from launchready.world.mailrelay import MailRelay

pytestmark = pytest.mark.skipif(
    dovecot_binary() is None,
    reason="dovecot is not installed: apt-get install -y dovecot-imapd (the e2e IMAP server)",
)

SMTP_USER, SMTP_PASSWORD = "portal-mailer", "relay-secret-7f3a9c"
IMAP_USER, IMAP_PASSWORD = "probe", "mailbox-secret-51d2e8"


@pytest.fixture(scope="module")
def signing_key():
    key = rsa.generate_private_key(65537, 2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


@pytest.fixture(scope="module")
def world(tmp_path_factory, signing_key):
    pem, record = signing_key
    root = tmp_path_factory.mktemp("mail")
    ca = LocalCA()
    bundle = ca.write_bundle(root / "ca.pem")
    tls = server_context(ca.issue("smtp.portal.test"))
    zone = {
        "portal.test": [("TXT", "v=spf1 ip4:127.0.0.1 -all"), ("MX", (10, "mx.portal.test"))],
        "_dmarc.portal.test": [("TXT", "v=DMARC1; p=reject; rua=mailto:dmarc@portal.test")],
        "s1._domainkey.portal.test": [("TXT", record)],
        "smtp.portal.test": [("A", "127.0.0.1")],
        "imap.portal.test": [("A", "127.0.0.1")],
    }
    with (
        DnsServer({"test": zone}) as dns,
        DovecotServer(root / "imap", IMAP_USER, IMAP_PASSWORD) as mailbox,
        MailRelay(
            mailbox.deliver,
            dkim_domain="portal.test",
            selector="s1",
            private_key_pem=pem,
            public_key_record=record,
            tls_context=tls,
            credentials=(SMTP_USER, SMTP_PASSWORD),
        ) as relay,
    ):
        yield {"dns": dns, "mailbox": mailbox, "relay": relay, "bundle": bundle}


@pytest.fixture
def relay(world):
    relay = world["relay"]
    relay.folder, relay.tamper = "INBOX", False
    yield relay
    relay.folder, relay.tamper = "INBOX", False


def _cfg(world, monkeypatch, *, smtp_password=SMTP_PASSWORD, wait=10):
    """Credentials come from the environment, as the contract requires for secrets."""
    monkeypatch.setenv("LR_SMTP_USER", SMTP_USER)
    monkeypatch.setenv("LR_SMTP_PASSWORD", smtp_password)
    monkeypatch.setenv("LR_IMAP_PASSWORD", IMAP_PASSWORD)
    relay_port, imap_port = world["relay"].port, world["mailbox"].port
    text = f"""
[site]
url = "https://portal.launch.test"
[network]
nameservers = ["127.0.0.1:{world["dns"].port}"]
timeout = 5
ca_bundle = "{world["bundle"]}"
connect_to = [":587:127.0.0.1:{relay_port}", ":143:127.0.0.1:{imap_port}"]
[email]
domain = "portal.test"
dkim_selectors = ["s1"]
[email.smtp]
host = "smtp.portal.test"
port = 587
security = "starttls"
username = "${{LR_SMTP_USER}}"
password = "${{LR_SMTP_PASSWORD}}"
from = "noreply@portal.test"
to = "probe@portal.test"
[email.imap]
host = "imap.portal.test"
port = 143
security = "none"
username = "{IMAP_USER}"
password = "${{LR_IMAP_PASSWORD}}"
wait = {wait}
poll = 0.2
"""
    return parse_config(text)


def test_clean_delivery_passes_every_step(world, relay, monkeypatch):
    findings = audit(_cfg(world, monkeypatch))
    delivery = [f for f in findings if f.id.startswith("email.delivery.")]
    assert [(f.id, str(f.status)) for f in delivery if str(f.status) != "pass"] == []
    arrived = one(findings, "email.delivery.arrival")
    assert arrived.extra["folder"] == "INBOX"
    dkim = one(findings, "email.delivery.dkim")
    assert dkim.extra["signatures"] == [
        {"d": "portal.test", "s": "s1", "verified": True, "aligned": True}
    ]
    assert dkim.extra["receiver_verdict"] == "pass"
    spf = one(findings, "email.delivery.spf")
    assert spf.extra["spf_result"] == "pass" and spf.extra["client_ip"] == "127.0.0.1"
    assert one(findings, "email.delivery.return-path").extra["bounce_domain"] == "portal.test"
    assert one(findings, "email.delivery.dmarc").extra["policy"] == "reject"
    # the relay saw an authenticated submission over STARTTLS for the configured addresses
    assert world["relay"].log.envelopes[-1] == ("noreply@portal.test", ["probe@portal.test"])


def test_message_in_junk_is_reported_as_spam(world, relay, monkeypatch):
    relay.folder = "Junk"
    findings = audit(_cfg(world, monkeypatch))
    spam = one(findings, "email.delivery.spam")
    assert str(spam.status) == "fail" and spam.extra["folder"] == "Junk"
    assert status(findings, "email.delivery.arrival") == "pass"


def test_broken_signature_is_reported(world, relay, monkeypatch):
    relay.tamper = True  # a footer added after signing
    findings = audit(_cfg(world, monkeypatch))
    dkim = one(findings, "email.delivery.dkim")
    assert str(dkim.status) == "fail"
    assert "does not verify" in dkim.title
    assert dkim.extra["receiver_verdict"] == "fail"
    # SPF still passes aligned, so DMARC passes: the report says which leg carried it
    assert status(findings, "email.delivery.dmarc") == "pass"
    assert status(findings, "email.delivery.spam") == "pass"


def test_refused_credentials_are_a_finding_not_a_traceback(world, relay, monkeypatch):
    findings = audit(_cfg(world, monkeypatch, smtp_password="wrong-password-123"))
    sent = one(findings, "email.delivery.send")
    assert str(sent.status) == "fail" and sent.extra["stage"] == "auth"
    assert sent.fix
    assert status(findings, "email.delivery.arrival") == "skipped"
    text = REDACTOR.scrub(f"{sent.title} {sent.evidence}")
    assert "wrong-password-123" not in text


def test_message_that_never_arrives(world, relay, monkeypatch):
    relay.folder = "Lost"  # delivered to a folder the check is not told about
    findings = audit(_cfg(world, monkeypatch, wait=1))
    arrival = one(findings, "email.delivery.arrival")
    assert str(arrival.status) == "fail"
    assert "INBOX" in arrival.evidence and "Junk" in arrival.evidence


@pytest.fixture(scope="module")
def tls_world(tmp_path_factory, signing_key):
    """The same world with implicit TLS on both sides: SMTPS (465) and IMAPS (993)."""
    pem, record = signing_key
    root = tmp_path_factory.mktemp("mailtls")
    ca = LocalCA()
    bundle = ca.write_bundle(root / "ca.pem")
    imap_cert = ca.issue("imap.portal.test").write(root / "certs")
    zone = {
        "portal.test": [("TXT", "v=spf1 ip4:127.0.0.1 -all")],
        "_dmarc.portal.test": [("TXT", "v=DMARC1; p=reject")],
        "s1._domainkey.portal.test": [("TXT", record)],
        "smtp.portal.test": [("A", "127.0.0.1")],
        "imap.portal.test": [("A", "127.0.0.1")],
    }
    with (
        DnsServer({"test": zone}) as dns,
        DovecotServer(root / "imap", IMAP_USER, IMAP_PASSWORD, tls_cert=imap_cert) as mailbox,
        MailRelay(
            mailbox.deliver,
            dkim_domain="portal.test",
            selector="s1",
            private_key_pem=pem,
            public_key_record=record,
            tls_context=server_context(ca.issue("smtp.portal.test")),
            implicit_tls=True,
            credentials=(SMTP_USER, SMTP_PASSWORD),
        ) as relay,
    ):
        yield {"dns": dns, "mailbox": mailbox, "relay": relay, "bundle": bundle}


def _tls_cfg(world, monkeypatch, *, trust: bool = True):
    monkeypatch.setenv("LR_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("LR_IMAP_PASSWORD", IMAP_PASSWORD)
    bundle = f'ca_bundle = "{world["bundle"]}"\n' if trust else ""
    return parse_config(
        f"""
[site]
url = "https://portal.launch.test"
[network]
nameservers = ["127.0.0.1:{world["dns"].port}"]
timeout = 5
{bundle}connect_to = [":465:127.0.0.1:{world["relay"].port}", \
":993:127.0.0.1:{world["mailbox"].tls_port}"]
[email]
domain = "portal.test"
[email.smtp]
host = "smtp.portal.test"
port = 465
security = "tls"
username = "{SMTP_USER}"
password = "${{LR_SMTP_PASSWORD}}"
from = "noreply@portal.test"
to = "probe@portal.test"
[email.imap]
host = "imap.portal.test"
username = "{IMAP_USER}"
password = "${{LR_IMAP_PASSWORD}}"
wait = 10
poll = 0.2
"""
    )


def test_implicit_tls_on_both_sides(tls_world, monkeypatch):
    findings = audit(_tls_cfg(tls_world, monkeypatch))
    delivery = [f for f in findings if f.id.startswith("email.delivery.")]
    assert [(f.id, str(f.status)) for f in delivery if str(f.status) != "pass"] == []


def test_untrusted_relay_certificate_stops_at_tls(tls_world, monkeypatch):
    findings = audit(_tls_cfg(tls_world, monkeypatch, trust=False))
    sent = one(findings, "email.delivery.send")
    assert str(sent.status) == "fail" and sent.extra["stage"] == "tls"
    assert "certificate" in sent.evidence.lower()
