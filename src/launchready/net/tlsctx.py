"""TLS contexts: one strict (the trust verdict), one permissive (to see what is wrong)."""

from __future__ import annotations

import ssl
import warnings
from functools import lru_cache
from pathlib import Path

_VERSIONS = {
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}


def tls_version(name: str) -> ssl.TLSVersion:
    try:
        return _VERSIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown TLS version {name!r}; use one of {', '.join(_VERSIONS)}"
        ) from None


@lru_cache(maxsize=8)
def verified_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The system trust store plus the configured extra anchors; host names checked."""
    ctx = ssl.create_default_context()
    if ca_bundle is not None:
        ctx.load_verify_locations(cafile=str(ca_bundle))
    return ctx


@lru_cache(maxsize=32)
def strict_context(
    ca_bundle: Path | None,
    min_version: str = "",
    max_version: str = "",
) -> ssl.SSLContext:
    """Cached: loading the system trust store costs ~20 ms, and a context is safe to share
    between handshakes and threads."""
    ctx = ssl.create_default_context()
    if ca_bundle is not None:
        ctx.load_verify_locations(cafile=str(ca_bundle))
    _pin(ctx, min_version, max_version)
    return ctx


@lru_cache(maxsize=32)
def permissive_context(min_version: str = "", max_version: str = "") -> ssl.SSLContext:
    """Accepts anything the local OpenSSL can still speak, to retrieve and explain the chain."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:  # pragma: no cover - very old OpenSSL
        ctx.set_ciphers("ALL")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    _pin(ctx, min_version, max_version)
    return ctx


def _pin(ctx: ssl.SSLContext, min_version: str, max_version: str) -> None:
    with warnings.catch_warnings():  # pinning TLS 1.0/1.1 is deprecated: testing it is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        if min_version:
            ctx.minimum_version = tls_version(min_version)
        if max_version:
            ctx.maximum_version = tls_version(max_version)
    if min_version in ("TLSv1", "TLSv1.1") or max_version in ("TLSv1", "TLSv1.1"):
        ctx.set_ciphers("ALL:@SECLEVEL=0")


def trust_store_der(ca_bundle: Path | None) -> list[bytes]:
    """The anchors we trust, as DER (the configured bundle plus what the system store lists)."""
    return [bytes(c) for c in verified_context(ca_bundle).get_ca_certs(binary_form=True)]
