"""A local certificate authority for the loopback world.

Why it exists: TLS checks must be proven against real handshakes with every certificate defect
(expired, wrong host, self-signed, untrusted root, incomplete chain, weak key, weak signature,
CN-only) without the internet and without sleeping for expiry. Trust is given to the tool only
through ``network.ca_bundle`` (``write_bundle``), never through the system store.

Defects `cryptography` refuses to create (SHA-1/MD5 signatures, RSA-512) are static fixtures made
once with the openssl CLI (see ``data/README.md``) and loaded with ``fixture()``.

Keys are cached per process and kind: RSA generation dominates start-up, and sharing a key
between test leaves changes nothing a check can observe.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import ssl
import tempfile
import threading
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KeyKind = Literal["rsa1024", "rsa2048", "rsa3072", "ec256", "ec384"]
IssuerKind = Literal["intermediate", "root", "self", "untrusted"]
FIXTURES = ("sha1", "md5", "rsa512")
DH_FIXTURES = ("dh1024", "dh2048")

_KEYS: dict[tuple[str, str], object] = {}
_KEYS_LOCK = threading.Lock()


def _key(kind: str, slot: str = "leaf"):
    """A private key of the given kind, cached per (kind, slot) for the process."""
    with _KEYS_LOCK:
        if (kind, slot) not in _KEYS:
            if kind.startswith("rsa"):
                key = rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
            elif kind == "ec256":
                key = ec.generate_private_key(ec.SECP256R1())
            elif kind == "ec384":
                key = ec.generate_private_key(ec.SECP384R1())
            else:
                raise ValueError(f"unknown key kind {kind!r}")
            _KEYS[kind, slot] = key
        return _KEYS[kind, slot]


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class IssuedCert:
    """A leaf certificate, its key, and the certificates a server should send after it."""

    names: tuple[str, ...]
    cert: x509.Certificate
    key_pem: str
    intermediates: tuple[x509.Certificate, ...] = ()

    @property
    def cert_pem(self) -> str:
        return _pem(self.cert)

    leaf_only_pem = cert_pem

    @property
    def chain_pem(self) -> str:
        """Leaf followed by the intermediates (what a correctly configured server sends)."""
        return "".join(_pem(c) for c in (self.cert, *self.intermediates))

    @property
    def key_bits(self) -> int:
        return self.cert.public_key().key_size  # type: ignore[union-attr]

    def write(self, directory: str | Path, stem: str | None = None) -> tuple[Path, Path]:
        """Write ``<stem>.pem`` (full chain) and ``<stem>.key``; returns both paths."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        stem = stem or self.names[0].replace("*", "_wildcard")
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_text(self.chain_pem)
        key_path.write_text(self.key_pem)
        key_path.chmod(0o600)
        return cert_path, key_path


def _name(cn: str, org: str = "launchready world") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn[:64]),
        ]
    )


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


@dataclass(frozen=True)
class _Authority:
    cert: x509.Certificate
    key: object


def _ca_cert(cn: str, key, signer: _Authority | None, path_length: int | None) -> _Authority:
    now = _now()
    subject = _name(cn)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer.cert.subject if signer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=365))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if signer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.key.public_key()), False
        )
    cert = builder.sign(signer.key if signer else key, hashes.SHA256())
    return _Authority(cert, key)


class LocalCA:
    """A root, an intermediate, and a second root that is never put in the bundle."""

    def __init__(self, name: str = "launchready world", key: KeyKind = "ec256"):
        self.root = _ca_cert(f"{name} root CA", _key(key, "root"), None, 1)
        self.intermediate = _ca_cert(
            f"{name} intermediate CA", _key(key, "intermediate"), self.root, 0
        )
        self.untrusted_root = _ca_cert(f"{name} UNTRUSTED root CA", _key(key, "untrusted"), None, 1)

    @property
    def root_pem(self) -> str:
        return _pem(self.root.cert)

    @property
    def bundle_pem(self) -> str:
        """Every anchor the tool should trust: this root plus the static fixture root."""
        return self.root_pem + _fixture_text("fixture-root.pem")

    def write_bundle(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.bundle_pem)
        return path

    def issue(
        self,
        names: str | list[str] | tuple[str, ...],
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        key: KeyKind = "rsa2048",
        issuer: IssuerKind = "intermediate",
        san: bool = True,
    ) -> IssuedCert:
        """A leaf for ``names`` (first = CN; IP addresses become iPAddress SANs).

        Defaults: valid from yesterday for 90 days, RSA-2048, SHA-256, signed by the intermediate.
        """
        names = (names,) if isinstance(names, str) else tuple(names)
        leaf_key = _key(key)
        now = _now()
        not_before = not_before or now - dt.timedelta(days=1)
        not_after = not_after or now + dt.timedelta(days=90)
        chain: tuple[x509.Certificate, ...] = ()
        if issuer == "intermediate":
            signer, chain = self.intermediate, (self.intermediate.cert,)
        elif issuer == "root":
            signer = self.root
        elif issuer == "untrusted":
            signer, chain = self.untrusted_root, (self.untrusted_root.cert,)
        elif issuer == "self":
            signer = None
        else:
            raise ValueError(f"unknown issuer {issuer!r}")
        subject = _name(names[0])
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(signer.cert.subject if signer else subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        )
        if signer:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.key.public_key()), False
            )
        if san:
            builder = builder.add_extension(_san(names), critical=False)
        cert = builder.sign(signer.key if signer else leaf_key, hashes.SHA256())
        key_pem = leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return IssuedCert(names, cert, key_pem, chain)

    def client_context(self) -> ssl.SSLContext:
        """A strict client context trusting only this world (for tests of the servers)."""
        ctx = ssl.create_default_context(cadata=self.bundle_pem)
        return ctx


def _fixture_text(filename: str) -> str:
    return resources.files("launchready.world").joinpath("data", filename).read_text()


def fixture(kind: str) -> IssuedCert:
    """A committed openssl-made leaf: ``sha1``, ``md5`` or ``rsa512`` (``<kind>.launch.test``)."""
    if kind not in FIXTURES:
        raise ValueError(f"no static fixture {kind!r}; have {FIXTURES}")
    cert = x509.load_pem_x509_certificate(_fixture_text(f"{kind}.launch.test.pem").encode())
    return IssuedCert((f"{kind}.launch.test",), cert, _fixture_text(f"{kind}.launch.test.key"))


_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.0": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


def _version(value: ssl.TLSVersion | str | None) -> ssl.TLSVersion | None:
    if value is None or isinstance(value, ssl.TLSVersion):
        return value
    return _VERSIONS[value]


def _dh_path(spec: str | Path) -> Path:
    if str(spec) in DH_FIXTURES:
        return Path(str(resources.files("launchready.world").joinpath("data", f"{spec}.pem")))
    return Path(spec)


def _weak(cert: x509.Certificate) -> bool:
    """Would OpenSSL's default security level refuse to load this certificate?"""
    public = cert.public_key()
    if isinstance(public, rsa.RSAPublicKey) and public.key_size < 2048:
        return True
    algo = cert.signature_hash_algorithm
    return algo is not None and algo.name in ("sha1", "md5")


def server_context(
    cert: IssuedCert,
    include_chain: bool = True,
    min_version: ssl.TLSVersion | str | None = None,
    max_version: ssl.TLSVersion | str | None = None,
    ciphers: str | None = None,
    dh_params: str | Path | None = None,
) -> ssl.SSLContext:
    """A server ``SSLContext`` presenting ``cert`` (with or without its intermediates).

    Legacy protocols, weak keys, weak signatures and small DH groups need ``@SECLEVEL=0``, set
    automatically; an RSA key under 1024 bits is capped at TLS 1.2 (RSA-PSS does not fit in it).
    ``dh_params``: ``"dh1024"``/``"dh2048"`` (committed fixtures) or a PEM path; DHE suites only
    matter for TLS <= 1.2, so pair it with ``max_version="TLSv1.2"`` and DHE ``ciphers``.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    low, high = _version(min_version), _version(max_version)
    legacy = low is not None and low < ssl.TLSVersion.TLSv1_2
    with warnings.catch_warnings():  # TLS 1.0/1.1 are deprecated: that is the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        if low is not None:
            ctx.minimum_version = low
        if high is None and cert.key_bits < 1024:
            high = ssl.TLSVersion.TLSv1_2
        if high is not None:
            ctx.maximum_version = high
    if legacy or _weak(cert.cert) or dh_params == "dh1024":
        ctx.set_ciphers((ciphers or "ALL") + ":@SECLEVEL=0")
    elif ciphers:
        ctx.set_ciphers(ciphers)
    if dh_params is not None:  # after the security level: a small group is refused at load
        ctx.load_dh_params(str(_dh_path(dh_params)))
    pem = cert.chain_pem if include_chain else cert.leaf_only_pem
    fd, path = tempfile.mkstemp(prefix="world-tls-", suffix=".pem")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(pem + cert.key_pem)
        ctx.load_cert_chain(path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return ctx
