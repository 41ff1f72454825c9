"""DNS for every lookup the tool makes, on dnspython.

With `network.nameservers` set, every query goes to those servers (ports included) and the system
resolver is never consulted, not even for connections. Names are always absolute: no search list
can turn `_dmarc.example.com` into `_dmarc.example.com.corp.local`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import dns.asyncquery
import dns.asyncresolver
import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.xfr
import dns.zone

from launchready.config.network import HostPort, NetworkConfig
from launchready.net.types import DnsAnswer, Rcode


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def normalize(name: str) -> str:
    return name.strip().rstrip(".").lower()


def _record_text(rdata) -> str:
    if rdata.rdtype in (dns.rdatatype.TXT, dns.rdatatype.SPF):
        # RFC 7208 §3.3: the strings of one record are joined with no separator.
        return b"".join(rdata.strings).decode("utf-8", errors="replace")
    return rdata.to_text()


class Resolver:
    def __init__(self, cfg: NetworkConfig) -> None:
        self.timeout = cfg.timeout
        self.configured = bool(cfg.nameservers)
        if self.configured:
            r = dns.asyncresolver.Resolver(configure=False)
            r.nameservers = [
                dns.nameserver.Do53Nameserver(hp.host, hp.port) for hp in cfg.nameserver_addresses
            ]
            self.nameserver_label = ", ".join(str(hp) for hp in cfg.nameserver_addresses)
        else:
            r = dns.asyncresolver.Resolver()
            self.nameserver_label = "system resolver"
        r.timeout = cfg.timeout
        r.lifetime = cfg.timeout
        r.retry_servfail = False
        self._resolver = r
        self.nameservers: list[HostPort] = cfg.nameserver_addresses

    async def query(self, name: str, rdtype: str = "A") -> DnsAnswer:
        """One question, one verdict; never raises for DNS outcomes."""
        qname = normalize(name)
        rdtype = rdtype.upper()
        base = {"name": qname, "rdtype": rdtype, "nameserver": self.nameserver_label}
        try:
            absolute = dns.name.from_text(qname or ".")
        except (dns.exception.DNSException, ValueError) as exc:
            return DnsAnswer(rcode=Rcode.ERROR, error=f"invalid name: {exc}", **base)
        try:
            answer = await self._resolver.resolve(
                absolute, rdtype, search=False, raise_on_no_answer=False
            )
        except dns.resolver.NXDOMAIN:
            return DnsAnswer(rcode=Rcode.NXDOMAIN, **base)
        except dns.resolver.LifetimeTimeout:
            return DnsAnswer(rcode=Rcode.TIMEOUT, error=f"no answer within {self.timeout}s", **base)
        except dns.resolver.NoNameservers as exc:
            text = str(exc)
            rcode = Rcode.REFUSED if "REFUSED" in text else Rcode.SERVFAIL
            return DnsAnswer(rcode=rcode, error=_short(text), **base)
        except dns.resolver.YXDOMAIN as exc:
            return DnsAnswer(rcode=Rcode.ERROR, error=_short(str(exc)), **base)
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            return DnsAnswer(
                rcode=Rcode.ERROR, error=_short(f"{type(exc).__name__}: {exc}"), **base
            )
        chain = (
            tuple(normalize(n.to_text()) for n in answer.chaining_result.cnames)
            if hasattr(answer, "chaining_result")
            else ()
        )
        cname_targets = _cname_chain(answer.response, absolute)
        if answer.rrset is None:
            return DnsAnswer(rcode=Rcode.NODATA, cname_chain=cname_targets or chain, **base)
        return DnsAnswer(
            rcode=Rcode.NOERROR,
            records=tuple(_record_text(r) for r in answer.rrset),
            cname_chain=cname_targets or chain,
            ttl=answer.rrset.ttl,
            **base,
        )

    async def addresses(self, host: str) -> list[str]:
        """Addresses to connect to. IP literals pass through; with configured nameservers only
        our resolver is used; otherwise the system's (which also knows /etc/hosts)."""
        host = host.strip("[]")
        if is_ip(host):
            return [host]
        if self.configured:
            v4, v6 = await asyncio.gather(self.query(host, "A"), self.query(host, "AAAA"))
            return [*v4.records, *v6.records] if (v4.ok or v6.ok) else []
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self.timeout
            )
        except (OSError, TimeoutError):
            return []
        seen: list[str] = []
        for info in infos:
            addr = info[4][0]
            if addr not in seen:
                seen.append(addr)
        return seen

    async def axfr(self, zone: str, server: HostPort) -> tuple[list[str], str]:
        """Try a zone transfer from `server`. Returns (records, error): records in presentation
        form when the server hands the zone out, else an error such as 'REFUSED'."""
        query = dns.message.make_query(dns.name.from_text(normalize(zone)), dns.rdatatype.AXFR)
        records: list[str] = []
        try:
            async with asyncio.timeout(self.timeout * 2):
                response = await dns.asyncquery.tcp(
                    query, server.host, timeout=self.timeout, port=server.port
                )
        except (TimeoutError, dns.exception.DNSException, OSError, EOFError) as exc:
            return [], _short(f"{type(exc).__name__}: {exc}") or type(exc).__name__
        rcode = dns.rcode.to_text(response.rcode())
        if rcode != "NOERROR":
            return [], rcode
        for rrset in response.answer:
            for rdata in rrset:
                records.append(
                    f"{normalize(rrset.name.to_text())} {rrset.ttl} "
                    f"{dns.rdatatype.to_text(rrset.rdtype)} {_record_text(rdata)}"
                )
        return records, "" if records else "empty transfer"


def _cname_chain(response: dns.message.Message | None, start: dns.name.Name) -> tuple[str, ...]:
    """CNAME targets in order, starting from the queried name."""
    if response is None:
        return ()
    links = {}
    for rrset in response.answer:
        if rrset.rdtype == dns.rdatatype.CNAME:
            for rdata in rrset:
                links[rrset.name] = rdata.target
    chain: list[str] = []
    current = start
    while current in links and len(chain) < 16:
        current = links[current]
        chain.append(normalize(current.to_text()))
    return tuple(chain)


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
