"""What the network layer observes: plain, serializable data.

Checks receive these and only these. No object here holds a socket, so a recorded observation can
be judged again later (replay) and checks can be tested with hand-built values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit


class Rcode(StrEnum):
    """How a DNS query ended. NODATA (the name exists, the type does not) is kept apart from
    NXDOMAIN (no such name): takeover, DKIM and SPF void-lookup logic depend on it."""

    NOERROR = "NOERROR"
    NXDOMAIN = "NXDOMAIN"
    NODATA = "NODATA"
    SERVFAIL = "SERVFAIL"
    REFUSED = "REFUSED"
    TIMEOUT = "TIMEOUT"
    ERROR = "ERROR"


@dataclass(frozen=True, slots=True)
class DnsAnswer:
    name: str  # absolute, lower case, without the trailing dot
    rdtype: str  # "A", "AAAA", "CNAME", "TXT", ...
    rcode: Rcode
    records: tuple[str, ...] = ()  # presentation form; TXT strings joined with no separator
    cname_chain: tuple[str, ...] = ()  # names followed to reach the answer, in order
    ttl: int | None = None
    nameserver: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.rcode == Rcode.NOERROR and bool(self.records)

    @property
    def name_exists(self) -> bool:
        return self.rcode in (Rcode.NOERROR, Rcode.NODATA)

    @property
    def answered(self) -> bool:
        """A nameserver gave an authoritative verdict (not a timeout or failure)."""
        return self.rcode in (Rcode.NOERROR, Rcode.NODATA, Rcode.NXDOMAIN)


@dataclass(frozen=True, slots=True)
class HttpExchange:
    """One request and its response (or why there is none). Redirects are not followed here."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...] = ()
    status: int | None = None
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    truncated: bool = False  # the body was cut at the byte cap
    elapsed_ms: float = 0.0
    http_version: str = ""
    verified: bool | None = None  # TLS verified; None for plain HTTP
    tls_error: str = ""  # why verification failed, when it was retried unverified
    error: str = ""  # "timeout: ...", "connect: ...", "tls: ...", "protocol: ..."
    peer: str = ""  # the public host:port (never a connect_to target)

    @property
    def ok(self) -> bool:
        return self.status is not None and not self.error

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    @property
    def location(self) -> str | None:
        return self.header("location") if self.status and 300 <= self.status < 400 else None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        charset = "utf-8"
        for part in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True, slots=True)
class RedirectChain:
    """Every hop from a start URL, redirects followed by hand (each hop recorded)."""

    start: str
    hops: tuple[HttpExchange, ...] = ()
    loop: bool = False  # a URL came back
    too_many: bool = False  # gave up at the redirect cap
    non_http_target: str = ""  # a Location with another scheme: reported, never followed
    off_scope: bool = False  # stopped before an out-of-scope host after the passive budget

    @property
    def final(self) -> HttpExchange | None:
        return self.hops[-1] if self.hops else None

    @property
    def urls(self) -> list[str]:
        return [hop.url for hop in self.hops]

    @property
    def redirects(self) -> int:
        """Number of redirect responses followed (hops minus the final answer)."""
        n = sum(1 for hop in self.hops if hop.location)
        return n

    @property
    def complete(self) -> bool:
        final = self.final
        return bool(
            final and final.ok and not final.location and not self.loop and not self.too_many
        )


@dataclass(frozen=True, slots=True)
class TlsProbe:
    """One TLS handshake with a host name (SNI) at a port, and what the server presented."""

    host: str
    port: int
    protocol: str = ""  # "TLSv1.3"
    cipher: str = ""
    chain: tuple[bytes, ...] = ()  # DER, as presented, leaf first
    verified: bool = False
    verify_code: int | None = None  # OpenSSL X509_V_ERR_* of the strict handshake
    verify_message: str = ""
    error: str = ""  # the handshake itself failed (no TLS, timeout, refused ...)
    min_version: str = ""  # when the probe pinned versions (legacy protocol tests)
    max_version: str = ""
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def handshake_ok(self) -> bool:
        return not self.error and bool(self.protocol)

    @property
    def certificates(self):  # -> list[cryptography.x509.Certificate]
        """The presented chain parsed with `cryptography` (parsed on each access; cheap)."""
        from cryptography import x509

        return [x509.load_der_x509_certificate(der) for der in self.chain]
