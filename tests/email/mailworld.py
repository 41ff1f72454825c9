"""Helpers for email tests: DKIM keys, configs pointing at the world's DNS, one-area audits."""

from __future__ import annotations

import asyncio
import base64
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from launchready.checks.email import judge
from launchready.config import parse_config
from launchready.net import Network
from launchready.observe.email import EmailObservations, collect
from launchready.observe.observer import Observer
from launchready.report import Finding


def _spki(public_key) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def rsa_key_b64(bits: int) -> str:
    """A DKIM p= value of `bits`. Below 1024 no private key can be made with `cryptography`, so
    a public modulus of the right size is built directly (nobody signs with it)."""
    if bits >= 1024:
        return _spki(rsa.generate_private_key(65537, bits).public_key())
    n = secrets.randbits(bits) | (1 << (bits - 1)) | 1
    return _spki(rsa.RSAPublicNumbers(65537, n).public_key())


def ed25519_key_b64() -> str:
    raw = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def config(dns_port: int, *email_lines: str, timeout: float = 2.0):
    text = "\n".join(
        [
            "[site]",
            'url = "https://portal.launch.test"',
            "[network]",
            f'nameservers = ["127.0.0.1:{dns_port}"]',
            f"timeout = {timeout}",
            "[email]",
            *email_lines,
        ]
    )
    return parse_config(text + "\n")


async def _observe(cfg) -> EmailObservations:
    async with Network(cfg.network) as net:
        return await collect(Observer(net), cfg)


def observe(cfg) -> EmailObservations:
    return asyncio.run(_observe(cfg))


def audit(cfg) -> list[Finding]:
    return judge(observe(cfg), cfg)


def only(findings: list[Finding], check_id: str, subject: str | None = None) -> list[Finding]:
    return [f for f in findings if f.id == check_id and (subject is None or f.subject == subject)]


def one(findings: list[Finding], check_id: str, subject: str | None = None) -> Finding:
    found = only(findings, check_id, subject)
    assert len(found) == 1, (check_id, subject, [(f.id, f.subject) for f in findings])
    return found[0]


def status(findings: list[Finding], check_id: str, subject: str | None = None) -> str:
    return str(one(findings, check_id, subject).status)
