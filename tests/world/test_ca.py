"""The local CA: each certificate variant gives the verdict a strict client would reach."""

from __future__ import annotations

import datetime as dt
import ssl
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from launchready.world.ca import LocalCA, fixture, server_context


@pytest.fixture(scope="module")
def ca():
    return LocalCA()


def handshake(server_ctx, client_ctx, hostname, server_hostname=None):
    """A real TLS handshake between two in-memory endpoints; returns (version, error)."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=server_hostname or hostname)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done = {"c": False, "s": False}
    for _ in range(20):
        for side, obj, out, peer_in in (("c", client, c_out, s_in), ("s", server, s_out, c_in)):
            if not done[side]:
                try:
                    obj.do_handshake()
                    done[side] = True
                except ssl.SSLWantReadError:
                    pass
                except ssl.SSLError as exc:
                    if side == "c":
                        return None, exc
                    done[side] = True  # server errors surface as client errors next round
            data = out.read()
            if data:
                peer_in.write(data)
        if done["c"] and done["s"]:
            return client.version(), None
    return None, RuntimeError("handshake did not finish")


def strict(ca):
    return ca.client_context()


def permissive():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    return ctx


def verify_message(ca, cert, host, **kw):
    _, err = handshake(server_context(cert, **kw), strict(ca), host)
    return None if err is None else (getattr(err, "verify_message", None) or str(err))


def test_good_chain_verifies(ca):
    cert = ca.issue("portal.launch.test")
    assert verify_message(ca, cert, "portal.launch.test") is None
    assert cert.chain_pem.count("BEGIN CERTIFICATE") == 2
    assert cert.leaf_only_pem.count("BEGIN CERTIFICATE") == 1


def test_incomplete_chain(ca):
    cert = ca.issue("portal.launch.test")
    msg = verify_message(ca, cert, "portal.launch.test", include_chain=False)
    assert "unable to get local issuer certificate" in msg


def test_expired_and_not_yet_valid(ca):
    now = dt.datetime.now(dt.UTC)
    old = ca.issue(
        "old.launch.test",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=1),
    )
    assert "expired" in verify_message(ca, old, "old.launch.test")
    future = ca.issue("new.launch.test", not_before=now + dt.timedelta(days=2))
    assert "not yet valid" in verify_message(ca, future, "new.launch.test")


def test_hostname_mismatch(ca):
    cert = ca.issue("portal.launch.test")
    assert "mismatch" in verify_message(ca, cert, "other.launch.test").lower()


def test_self_signed_and_untrusted_root(ca):
    selfsigned = ca.issue("self.launch.test", issuer="self")
    assert selfsigned.cert.issuer == selfsigned.cert.subject
    assert verify_message(ca, selfsigned, "self.launch.test") == "self-signed certificate"
    untrusted = ca.issue("untrusted.launch.test", issuer="untrusted")
    msg = verify_message(ca, untrusted, "untrusted.launch.test")
    assert msg == "self-signed certificate in certificate chain"


def test_root_signed_leaf_has_no_intermediate(ca):
    cert = ca.issue("direct.launch.test", issuer="root")
    assert cert.intermediates == ()
    assert verify_message(ca, cert, "direct.launch.test") is None


def test_key_kinds(ca):
    assert isinstance(
        ca.issue("e.launch.test", key="ec256").cert.public_key(), ec.EllipticCurvePublicKey
    )
    assert ca.issue("e.launch.test", key="ec384").cert.public_key().curve.key_size == 384
    weak = ca.issue("weak.launch.test", key="rsa1024")
    assert isinstance(weak.cert.public_key(), rsa.RSAPublicKey)
    assert weak.key_bits == 1024
    assert "too weak" in verify_message(ca, weak, "weak.launch.test")


def test_cn_only_certificate_has_no_san(ca):
    cert = ca.issue("nosan.launch.test", san=False)
    with pytest.raises(x509.ExtensionNotFound):
        cert.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_ip_address_names_become_ip_sans(ca):
    cert = ca.issue(["127.0.0.1", "portal.launch.test"])
    san = cert.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert san.get_values_for_type(x509.DNSName) == ["portal.launch.test"]
    assert verify_message(ca, cert, "127.0.0.1") is None


@pytest.mark.parametrize("kind", ["sha1", "md5"])
def test_static_weak_signature_fixtures(ca, kind):
    cert = fixture(kind)
    assert cert.cert.signature_hash_algorithm.name == kind
    assert cert.cert.not_valid_after_utc.year == 2046
    msg = verify_message(ca, cert, f"{kind}.launch.test")
    assert "too weak" in msg or "digest" in msg


def test_static_rsa512_fixture_serves_tls12_only(ca):
    cert = fixture("rsa512")
    assert cert.key_bits == 512
    version, err = handshake(server_context(cert), permissive(), "rsa512.launch.test")
    assert err is None and version == "TLSv1.2"
    assert "too weak" in verify_message(ca, cert, "rsa512.launch.test")


def test_legacy_protocol_context(ca):
    cert = ca.issue("tls10.launch.test")
    ctx = server_context(cert, min_version="TLSv1", max_version="TLSv1")
    version, err = handshake(ctx, permissive(), "tls10.launch.test")
    assert err is None and version == "TLSv1"
    _, err = handshake(ctx, strict(ca), "tls10.launch.test")
    assert err is not None


def test_write_bundle_and_files(ca, tmp_path):
    bundle = ca.write_bundle(tmp_path / "ca.pem")
    text = bundle.read_text()
    assert text.count("BEGIN CERTIFICATE") == 2  # world root + fixture root
    cert_path, key_path = ca.issue("portal.launch.test").write(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    assert ca.untrusted_root.cert.subject.rfc4514_string() not in text


@pytest.mark.parametrize("params", ["dh1024", "dh2048"])
def test_dhe_with_committed_dh_groups(ca, params):
    cert = ca.issue("dh.launch.test")
    ctx = server_context(
        cert, max_version="TLSv1.2", ciphers="DHE-RSA-AES128-GCM-SHA256", dh_params=params
    )
    version, err = handshake(ctx, permissive(), "dh.launch.test")
    assert err is None and version == "TLSv1.2"
    _, err = handshake(ctx, strict(ca), "dh.launch.test")
    if params == "dh1024":
        assert err is not None and "dh key too small" in str(err).lower()
    else:
        assert err is None
