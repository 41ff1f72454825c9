"""DKIM selector records (RFC 6376 §3.6.1): key type and size, revocation, testing flag.

Selectors cannot be enumerated from DNS, so the audit reads the ones the config names. Sizes
follow RFC 8301: RSA under 1024 bits must not be used; under 2048 is weak.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

MIN_RSA_BITS = 1024  # RFC 8301 §3.2: verifiers must not accept smaller keys
GOOD_RSA_BITS = 2048


@dataclass
class DkimKey:
    selector: str
    domain: str
    record: str
    version_ok: bool = True
    key_type: str = "rsa"
    bits: int | None = None
    revoked: bool = False  # empty p=
    testing: bool = False  # t=y
    hashes: tuple[str, ...] = ()
    errors: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def sha1_only(self) -> bool:
        return bool(self.hashes) and all(h == "sha1" for h in self.hashes)


def _tags(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    pairs: list[tuple[str, str]] = []
    errors: list[str] = []
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        name, eq, value = part.partition("=")
        if not eq:
            errors.append(f"malformed tag {part!r}")
            continue
        name = name.strip()
        if any(k == name for k, _ in pairs):
            errors.append(f"duplicate tag {name!r}")
        pairs.append((name, "".join(value.split())))
    return pairs, errors


def key_bits(key_type: str, der: bytes) -> int:
    """Size in bits of a DKIM public key (SubjectPublicKeyInfo, or bare RSAPublicKey)."""
    if key_type == "ed25519":
        if len(der) != 32:
            raise ValueError(f"an ed25519 key is 32 bytes, not {len(der)}")
        return 256
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (
        load_der_public_key,
    )

    try:
        key = load_der_public_key(der)
    except ValueError:
        key = _load_pkcs1(der)  # some publishers put a bare PKCS#1 RSAPublicKey in p=
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"k=rsa but the key is {type(key).__name__}")
    return key.key_size


def _load_pkcs1(der: bytes):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    pem = (
        b"-----BEGIN RSA PUBLIC KEY-----\n"
        + base64.encodebytes(der)
        + b"-----END RSA PUBLIC KEY-----\n"
    )
    return load_pem_public_key(pem)


def parse_key_record(selector: str, domain: str, text: str) -> DkimKey:
    pairs, errors = _tags(text)
    key = DkimKey(selector, domain, text, errors=errors)
    tags = dict(pairs)
    # Tag names are case-sensitive in DKIM (RFC 6376 §3.2); "V=DKIM1" is not the version tag.
    if "v" in tags and (pairs[0][0] != "v" or tags["v"] != "DKIM1"):
        key.version_ok = False
        errors.append("v= must be first and equal DKIM1")
    key.key_type = (tags.get("k") or "rsa").lower()
    key.testing = "y" in (tags.get("t") or "").lower().split(":")
    if "h" in tags:
        key.hashes = tuple(h.lower() for h in tags["h"].split(":") if h)
    if "p" not in tags:
        errors.append("no p= tag (public key)")
        return key
    if tags["p"] == "":
        key.revoked = True
        return key
    if key.key_type not in ("rsa", "ed25519"):
        errors.append(f"unknown key type k={key.key_type}")
        return key
    try:
        der = base64.b64decode(tags["p"], validate=True)
        key.bits = key_bits(key.key_type, der)
    except (binascii.Error, ValueError) as exc:
        errors.append(f"p= is not a valid {key.key_type} public key: {exc}")
    return key
