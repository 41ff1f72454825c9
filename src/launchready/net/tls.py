"""TLS probe: one strict handshake for the trust verdict, one permissive to see the chain.

OpenSSL reports only the first verification error it meets, so the strict handshake gives the
verdict and its `verify_code`, and the permissive handshake retrieves the chain as presented for
`cryptography` to explain. Runs the blocking handshake in a worker thread on a socket connected
through our connector (connect_to, our resolver), with the public name as SNI.
"""

from __future__ import annotations

import _ssl  # get_unverified_chain is private before Python 3.13
import asyncio
import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from launchready.net.connect import Connector, ConnectRefused
from launchready.net.resolver import is_ip
from launchready.net.tlsctx import permissive_context, strict_context
from launchready.net.types import TlsProbe

_DER = getattr(_ssl, "ENCODING_DER", 2)  # the private chain API encodes on request


def _presented_chain(sslsock: ssl.SSLSocket) -> tuple[bytes, ...]:
    sslobj = getattr(sslsock, "_sslobj", None)
    getter = getattr(sslsock, "get_unverified_chain", None) or getattr(
        sslobj, "get_unverified_chain", None
    )
    if getter is not None:
        try:
            chain = getter() or []
            return tuple(c if isinstance(c, bytes) else c.public_bytes(_DER) for c in chain)
        except (ssl.SSLError, ValueError, AttributeError):
            pass
    leaf = sslsock.getpeercert(binary_form=True)
    return (leaf,) if leaf else ()


def _handshake(
    sock: socket.socket,
    ctx: ssl.SSLContext,
    host: str,
    timeout: float,
) -> tuple[str, str, tuple[bytes, ...]]:
    sock.settimeout(timeout)
    server_hostname = None if is_ip(host) else host
    with ctx.wrap_socket(
        sock, server_hostname=server_hostname, do_handshake_on_connect=True
    ) as tls:
        cipher = tls.cipher()
        return tls.version() or "", cipher[0] if cipher else "", _presented_chain(tls)


class TlsProber:
    def __init__(
        self, connector: Connector, ca_bundle: Path | None, timeout: float, concurrency: int = 16
    ) -> None:
        self.connector = connector
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        # Our own threads, as many as probes may run at once: a probe must never wait in a queue
        # behind a stalled host's handshake, or a healthy host would be reported as timing out.
        self._executor = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="launchready-tls"
        )

    async def probe(
        self, host: str, port: int = 443, *, min_version: str = "", max_version: str = ""
    ) -> TlsProbe:
        base = {"host": host, "port": port, "min_version": min_version, "max_version": max_version}
        try:
            strict = strict_context(self.ca_bundle, min_version, max_version)
        except (ValueError, ssl.SSLError) as exc:
            return TlsProbe(error=f"unsupported: {exc}", **base)
        try:
            protocol, cipher, chain = await self._run(host, port, strict)
            return TlsProbe(protocol=protocol, cipher=cipher, chain=chain, verified=True, **base)
        except ssl.SSLCertVerificationError as exc:
            code, message = exc.verify_code, exc.verify_message or str(exc)
        except (ssl.SSLError, OSError, TimeoutError, ConnectRefused) as exc:
            return TlsProbe(error=_describe(exc), **base)
        # The certificate was refused: look at it with a permissive handshake.
        try:
            protocol, cipher, chain = await self._run(
                host, port, permissive_context(min_version, max_version)
            )
        except (ssl.SSLError, OSError, TimeoutError, ConnectRefused) as exc:
            return TlsProbe(
                verify_code=code,
                verify_message=message,
                error=f"permissive handshake failed: {_describe(exc)}",
                **base,
            )
        return TlsProbe(
            protocol=protocol,
            cipher=cipher,
            chain=chain,
            verified=False,
            verify_code=code,
            verify_message=message,
            **base,
        )

    async def _run(self, host: str, port: int, ctx: ssl.SSLContext):
        sock = await self.connector.open_socket(host, port)
        loop = asyncio.get_running_loop()
        handshake = loop.run_in_executor(self._executor, _handshake, sock, ctx, host, self.timeout)
        try:
            # The socket timeout bounds each read; this bounds a server that trickles bytes.
            return await asyncio.wait_for(handshake, self.timeout * 2)
        finally:
            sock.close()  # also aborts a handshake still blocked in its thread

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout: no TLS handshake within the timeout"
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", None) or ""
        text = " ".join(str(exc).split())
        if reason in (
            "WRONG_VERSION_NUMBER",
            "UNSUPPORTED_PROTOCOL",
            "NO_PROTOCOLS_AVAILABLE",
            "TLSV1_ALERT_PROTOCOL_VERSION",
            "UNSUPPORTED_PROTOCOL_VERSION",
        ):
            return f"protocol: {reason}: {text}"
        return f"tls: {text}"
    if isinstance(exc, ConnectionRefusedError):
        return "connect: connection refused"
    return f"connect: {' '.join(str(exc).split()) or type(exc).__name__}"
