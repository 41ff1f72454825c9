"""HTTP(S) with hard caps, on aiohttp.

Each request is bounded as a whole (headers and body together, however slowly they trickle) by
`network.timeout`; bodies are cut at `network.max_body_bytes`; redirects are never followed here
(see `redirects.follow`). A host:port that timed out once fails fast afterwards, so one stalled
host cannot hold an audit for more than a few timeouts. Connections go through our resolver and
`connect_to` via a custom aiohttp resolver, which keeps SNI, Host and certificate checks on the
public name.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import os
import socket
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from launchready import __version__
from launchready.net.connect import Connector, ConnectRefused
from launchready.net.tlsctx import permissive_context, verified_context
from launchready.net.types import HttpExchange

USER_AGENT = f"launchready/{__version__} (launch-readiness audit)"


class RoutingResolver(AbstractResolver):
    """aiohttp resolver that applies connect_to and our DNS; the port may change too."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            endpoints = await self.connector.endpoints(host, port)
        except ConnectRefused as exc:
            raise OSError(str(exc)) from None
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=target_port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address, target_port in endpoints
        ]

    async def close(self) -> None:
        return None


def _origin_key(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


class HttpClient:
    """Requests without cookies (audit fetches) or with a jar (sessions), sharing the caps."""

    def __init__(
        self,
        connector: Connector,
        *,
        ca_bundle,
        timeout: float,
        max_body: int,
        concurrency: int,
        cookies: bool = False,
    ) -> None:
        self.connector = connector
        self.ca_bundle = ca_bundle
        self.timeout = timeout
        self.max_body = max_body
        self._sem = asyncio.Semaphore(concurrency)
        self._concurrency = concurrency
        self._cookies = cookies
        self._session: aiohttp.ClientSession | None = None
        self._dead: dict[str, str] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            jar: aiohttp.abc.AbstractCookieJar = (
                aiohttp.CookieJar(unsafe=True, quote_cookie=False)
                if self._cookies
                else aiohttp.DummyCookieJar()
            )
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    resolver=RoutingResolver(self.connector),
                    use_dns_cache=False,
                    limit=max(self._concurrency, 1),
                    enable_cleanup_closed=True,
                ),
                cookie_jar=jar,
                headers={"User-Agent": USER_AGENT},
                timeout=aiohttp.ClientTimeout(
                    total=None, connect=self.timeout, sock_read=self.timeout
                ),
                trust_env=False,
            )
        return self._session

    @property
    def cookie_jar(self) -> aiohttp.abc.AbstractCookieJar:
        return self._client().cookie_jar

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        form: Mapping[str, str] | None = None,
        json: Any = None,
        verify: bool = True,
        retry_unverified: bool = True,
        max_body: int | None = None,
        timeout: float | None = None,
    ) -> HttpExchange:
        """One request, one recorded exchange. Never raises for network outcomes."""
        method = method.upper()
        key = _origin_key(url)
        req_headers = dict(headers or {})
        data: Any = body
        if form is not None:
            req_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            data = urlencode(list(form.items())).encode()
        elif json is not None:
            data = jsonlib.dumps(json).encode()
            req_headers.setdefault("Content-Type", "application/json")
        shown_headers = tuple(req_headers.items())
        if key in self._dead:
            return HttpExchange(method, url, shown_headers, error=self._dead[key], peer=key)
        async with self._sem:
            exchange = await self._once(
                method, url, req_headers, data, verify, max_body, timeout or self.timeout
            )
            if exchange.error.startswith("tls: certificate") and verify and retry_unverified:
                # See what the server would have said; checks judge the certificate separately.
                retry = await self._once(
                    method, url, req_headers, data, False, max_body, timeout or self.timeout
                )
                if retry.status is not None:
                    exchange = _replace(retry, verified=False, tls_error=exchange.error[5:])
        if exchange.error.startswith("timeout"):
            self._dead[key] = f"timeout: {key} stopped answering earlier in this run"
        return _replace(exchange, request_headers=shown_headers)

    async def _once(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: Any,
        verify: bool,
        max_body: int | None,
        timeout: float,
    ) -> HttpExchange:
        cap = max_body or self.max_body
        scheme = urlsplit(url).scheme
        ssl_ctx: Any = None
        if scheme == "https":
            ssl_ctx = verified_context(self.ca_bundle) if verify else permissive_context()
        key = _origin_key(url)
        started = time.perf_counter()
        status = None
        try:
            async with asyncio.timeout(timeout):
                async with self._client().request(
                    method,
                    url,
                    headers=headers,
                    data=data,
                    allow_redirects=False,
                    ssl=ssl_ctx,
                ) as resp:
                    status = resp.status
                    chunks: list[bytes] = []
                    total = 0
                    truncated = False
                    if method != "HEAD":
                        async for chunk in resp.content.iter_chunked(65536):
                            room = cap - total
                            if len(chunk) >= room:
                                chunks.append(chunk[:room])
                                truncated = len(chunk) > room or not resp.content.at_eof()
                                total = cap
                                break
                            chunks.append(chunk)
                            total += len(chunk)
                    return HttpExchange(
                        method=method,
                        url=url,
                        status=resp.status,
                        reason=resp.reason or "",
                        headers=tuple(
                            (k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers
                        ),
                        body=b"".join(chunks),
                        truncated=truncated,
                        elapsed_ms=(time.perf_counter() - started) * 1000,
                        http_version=f"HTTP/{resp.version.major}.{resp.version.minor}"
                        if resp.version
                        else "",
                        verified=(verify if scheme == "https" else None),
                        peer=key,
                    )
        except TimeoutError:
            what = "body" if status is not None else "response"
            error = f"timeout: no complete {what} within {timeout:g}s"
        except aiohttp.ClientConnectorCertificateError as exc:
            error = f"tls: certificate not accepted: {_cert_reason(exc)}"
        except aiohttp.ClientConnectorSSLError as exc:
            error = f"tls: handshake failed: {_clean(exc)}"
        except aiohttp.ClientSSLError as exc:
            error = f"tls: {_clean(exc)}"
        except aiohttp.ClientConnectorError as exc:
            error = f"connect: {key}: {_os_reason(exc.os_error) or _clean(exc)}"
        except (
            aiohttp.ServerDisconnectedError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientResponseError,
        ) as exc:
            error = f"protocol: {_clean(exc)}"
        except aiohttp.ClientOSError as exc:
            text = _clean(exc)
            error = f"tls: {text}" if "SSL" in text or "ssl" in text else f"connect: {text}"
        except (aiohttp.InvalidURL, ValueError) as exc:
            error = f"protocol: invalid request: {_clean(exc)}"
        except aiohttp.ClientError as exc:
            error = f"protocol: {_clean(exc)}"
        return HttpExchange(
            method=method,
            url=url,
            status=status if status else None,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            error=error,
            peer=key,
        )


def _replace(exchange: HttpExchange, **changes: Any) -> HttpExchange:
    from dataclasses import replace

    return replace(exchange, **changes)


def _os_reason(err: OSError | None) -> str:
    """Why a connection failed, without the dialled address: reports name the public host only
    (the address may be a connect_to target)."""
    if err is None:
        return ""
    if err.errno:
        return os.strerror(err.errno)
    text = _clean(err)
    return "" if "(" in text and ")" in text and "call failed" in text else text


def _clean(exc: BaseException | None) -> str:
    text = " ".join(str(exc).split()) if exc is not None else ""
    return text or type(exc).__name__


def _cert_reason(exc: aiohttp.ClientConnectorCertificateError) -> str:
    cert_error = getattr(exc, "certificate_error", None)
    if cert_error is not None:
        message = getattr(cert_error, "verify_message", None) or str(cert_error)
        return " ".join(str(message).split())
    return _clean(exc)
