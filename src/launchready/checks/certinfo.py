"""Reading certificates with `cryptography`: names, keys, signatures, issuers. Pure functions.

Hostname matching is our own on purpose: Python's ssl accepts a certificate without
subjectAltName by its CN, browsers do not, so neither do we.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import ExtensionOID, NameOID


def common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def san_names(cert: x509.Certificate) -> tuple[list[str], list[str]] | None:
    """(dns names, ip addresses) from subjectAltName, or None when the extension is absent."""
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except x509.ExtensionNotFound:
        return None
    san = ext.value
    return (
        [n.lower() for n in san.get_values_for_type(x509.DNSName)],
        [str(a) for a in san.get_values_for_type(x509.IPAddress)],
    )


def name_matches(pattern: str, host: str) -> bool:
    """RFC 6125: a wildcard stands for exactly one whole left-most label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        rest = pattern[2:]
        head, _, tail = host.partition(".")
        return bool(head) and tail == rest and "." in rest
    return pattern == host


def covers_host(cert: x509.Certificate, host: str) -> bool:
    names = san_names(cert)
    if names is None:
        return False
    dns_names, ips = names
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return any(name_matches(p, host) for p in dns_names)
    return str(ip) in ips


def is_self_signed(cert: x509.Certificate) -> bool:
    """Issuer equals subject AND the signature verifies with its own key."""
    if cert.issuer != cert.subject:
        return False
    return signed_by(cert, cert)


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                cert.signature,
                cert.tbs_certificate_bytes,
                padding.PKCS1v15(),
                cert.signature_hash_algorithm,
            )
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(
                cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm)
            )
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes)
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, cert.signature_hash_algorithm)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def key_description(cert: x509.Certificate) -> tuple[str, int]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.curve.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    return type(key).__name__, 0


def signature_name(cert: x509.Certificate) -> str:
    try:
        return cert.signature_algorithm_oid._name
    except Exception:  # pragma: no cover
        return cert.signature_algorithm_oid.dotted_string


def signature_hash(cert: x509.Certificate) -> str:
    """The signature's hash name ('sha256', 'sha1', 'md5' ...); '' for Ed25519/Ed448."""
    try:
        algorithm = cert.signature_hash_algorithm
    except Exception:  # an algorithm cryptography does not support (e.g. MD2)
        name = signature_name(cert).lower()
        return next((h for h in ("md2", "md4", "md5", "sha1") if h in name), name)
    return algorithm.name if algorithm is not None else ""


def describe(cert: x509.Certificate) -> str:
    """A one-line summary for evidence: subject, issuer, validity, key, signature."""
    kind, bits = key_description(cert)
    return (
        f"subject CN={common_name(cert.subject)}; issuer CN={common_name(cert.issuer)}; "
        f"notBefore={iso(cert.not_valid_before_utc)}; notAfter={iso(cert.not_valid_after_utc)}; "
        f"key={kind} {bits}; signature={signature_name(cert)}"
    )


def chain_summary(chain: list[x509.Certificate]) -> str:
    return " <- ".join(f"CN={common_name(c.subject)}" for c in chain) or "(no certificate)"


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
