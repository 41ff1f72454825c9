"""An authoritative DNS server for the loopback world, built on dnspython's message codec.

Why it exists: every DNS-driven check (takeover, SPF, DKIM, DMARC, CAA, AXFR, wildcard discovery)
must be testable with real packets, and the distinctions those checks rely on (NXDOMAIN vs
NODATA, empty non-terminals, CNAME chains, timeouts, truncation) must be served exactly as real
DNS serves them. dnspython has no server, and dnslib's resolver blurs NXDOMAIN with NODATA.

What it must never do: bind anything but 127.0.0.1. Ports are ephemeral; UDP and TCP share one.

Record data is plain Python, one list of entries per owner name::

    {"portal.launch.test": [("A", "127.0.0.1"), ("TXT", ["v=spf1 ", "-all"]),
                            ("MX", (10, "mx.launch.test")), ("TIMEOUT", None)]}

``("TIMEOUT", None)`` drops every query for a type not listed before it (a simulated timeout).
An optional third tuple item is the TTL.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import struct
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.NS import NS
from dns.rdtypes.ANY.PTR import PTR
from dns.rdtypes.ANY.SPF import SPF
from dns.rdtypes.ANY.TXT import TXT

Entry = tuple[Any, ...]
Records = Mapping[str | dns.name.Name, Iterable[Entry]]

DEFAULT_TTL = 300
UDP_LIMIT = 512  # classic DNS: larger UDP answers are truncated and the client retries over TCP
MAX_CHAIN = 16
TIMEOUT = "TIMEOUT"
_IN = dns.rdataclass.IN
_NAME_TYPES = {"CNAME": CNAME, "NS": NS, "PTR": PTR}


def to_name(text: str | dns.name.Name) -> dns.name.Name:
    """An absolute name from raw text, label bytes kept as given (spaces, `%`, case).

    dnspython's ``from_text`` would interpret escapes and IDNA-encode; the SPF suites need the raw
    bytes, and comparison on ``dns.name.Name`` is already case-insensitive on ASCII.
    """
    if isinstance(text, dns.name.Name):
        return text if text.is_absolute() else text.concatenate(dns.name.root)
    text = text.rstrip(".")
    if not text:
        return dns.name.root
    return dns.name.Name([label.encode("utf-8") for label in text.split(".")] + [b""])


def _strings(value: Any) -> list[bytes]:
    """TXT/SPF character-strings: UTF-8 encoded, each split at 255 bytes."""
    items = [value] if isinstance(value, str | bytes) else list(value)
    out: list[bytes] = []
    for item in items:
        raw = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        out.extend(raw[i : i + 255] for i in range(0, len(raw), 255) or [0])
    return out


def make_rdata(rdtype: str, value: Any) -> dns.rdata.Rdata:
    """One rdata from the plain-Python form used in record tables."""
    rdtype = rdtype.upper()
    code = dns.rdatatype.from_text(rdtype)
    if rdtype in ("TXT", "SPF"):
        return (TXT if rdtype == "TXT" else SPF)(_IN, code, _strings(value))
    if rdtype in ("CNAME", "NS", "PTR"):
        return _NAME_TYPES[rdtype](_IN, code, to_name(value))
    if rdtype == "MX":
        pref, exchange = value if isinstance(value, list | tuple) else str(value).split()
        return MX(_IN, code, int(pref), to_name(exchange))
    if isinstance(value, list | tuple):
        value = " ".join(str(v) for v in value)
    return dns.rdata.from_text(_IN, code, str(value), origin=dns.name.root, relativize=False)


@dataclass(frozen=True)
class _Node:
    """The entries of one owner name, pre-split at the TIMEOUT marker."""

    visible: tuple[tuple[int, dns.rdata.Rdata, int], ...]  # (rdtype, rdata, ttl)
    timeout: bool  # a TIMEOUT marker follows the visible entries

    def of_type(self, code: int) -> list[tuple[int, dns.rdata.Rdata, int]]:
        if code == dns.rdatatype.ANY:
            return list(self.visible)
        return [e for e in self.visible if e[0] == code]


def _node(entries: Iterable[Entry]) -> _Node:
    visible: list[tuple[int, dns.rdata.Rdata, int]] = []
    for entry in entries:
        kind = entry if isinstance(entry, str) else entry[0]
        if str(kind).upper() == TIMEOUT:
            return _Node(tuple(visible), True)
        value = entry[1]
        ttl = entry[2] if len(entry) > 2 else DEFAULT_TTL
        rdata = make_rdata(kind, value)
        visible.append((rdata.rdtype, rdata, ttl))
    return _Node(tuple(visible), False)


@dataclass
class Zone:
    """One authoritative zone. SOA and NS at the apex are synthesized when not given."""

    apex: str
    records: Records = field(default_factory=dict)
    allow_axfr: bool = False
    serve_apex_records: bool = True  # False for the implicit root zone of a flat record set


@dataclass(frozen=True)
class _CompiledZone:
    apex: dns.name.Name
    nodes: dict[dns.name.Name, _Node]
    existing: frozenset[dns.name.Name]  # nodes plus empty non-terminals
    soa: dns.rrset.RRset
    allow_axfr: bool

    def find(self, qname: dns.name.Name) -> _Node | None:
        """The node answering for qname (RFC 4592 wildcard synthesis applied), None if none."""
        if qname in self.nodes:
            return self.nodes[qname]
        if qname in self.existing:
            return _Node((), False)  # empty non-terminal
        encloser = qname.parent()
        while encloser not in self.existing and encloser != self.apex:
            encloser = encloser.parent()
        wildcard = dns.name.Name((b"*", *encloser.labels))
        if wildcard in self.nodes:
            return self.nodes[wildcard]
        return None


def _qualify(name: str | dns.name.Name, apex: dns.name.Name) -> dns.name.Name:
    if isinstance(name, dns.name.Name):
        return to_name(name)
    if name in ("@", ""):
        return apex
    absolute = to_name(name)
    if absolute.is_subdomain(apex):
        return absolute
    if name.endswith("."):
        raise ValueError(f"{name!r} is outside zone {apex}")
    return dns.name.Name(to_name(name).labels[:-1] + apex.labels)


def _compile(zone: Zone) -> _CompiledZone:
    apex = to_name(zone.apex)
    grouped: dict[dns.name.Name, list[Entry]] = {}
    for raw, entries in zone.records.items():
        try:
            owner = _qualify(raw, apex)
        except (dns.name.LabelTooLong, dns.name.NameTooLong, dns.name.EmptyLabel):
            continue  # cannot exist on the wire; the client never asks for it either
        grouped.setdefault(owner, []).extend(entries)  # case variants of one name merge in order
    nodes = {owner: _node(entries) for owner, entries in grouped.items()}
    admin = apex if apex != dns.name.root else dns.name.from_text("invalid.")
    apex_node = nodes.get(apex, _Node((), False))
    soas = apex_node.of_type(dns.rdatatype.SOA)
    soa_rdata = (
        soas[0][1]
        if soas
        else make_rdata("SOA", f"ns1.{admin} hostmaster.{admin} 1 3600 600 86400 60")
    )
    extra = []
    if zone.serve_apex_records:
        if not soas:
            extra.append((dns.rdatatype.SOA, soa_rdata, DEFAULT_TTL))
        if not apex_node.of_type(dns.rdatatype.NS):
            extra.append((dns.rdatatype.NS, make_rdata("NS", f"ns1.{admin}"), DEFAULT_TTL))
    if extra:
        nodes[apex] = _Node(tuple(extra) + apex_node.visible, apex_node.timeout)
    existing = set()
    for owner in nodes:
        name = owner
        while name not in existing and name.is_subdomain(apex):
            existing.add(name)
            if name == apex:
                break
            name = name.parent()
    soa = dns.rrset.from_rdata(apex, 60, soa_rdata)
    return _CompiledZone(apex, nodes, frozenset(existing), soa, zone.allow_axfr)


def split_flat(records: Records, allow_axfr: bool = False) -> list[Zone]:
    """Zones from a flat name -> entries table: every name with an SOA is an apex; names under no
    apex form an implicit authoritative root (so any missing name is NXDOMAIN, as replay needs)."""
    apexes = sorted(
        (
            to_name(n)
            for n, es in records.items()
            if any(not isinstance(e, str) and str(e[0]).upper() == "SOA" for e in es)
        ),
        key=len,
        reverse=True,
    )
    grouped: dict[dns.name.Name, dict[dns.name.Name, list[Entry]]] = {a: {} for a in apexes}
    root: dict[dns.name.Name, list[Entry]] = {}
    for raw, entries in records.items():
        try:
            owner = to_name(raw)
        except (dns.name.LabelTooLong, dns.name.NameTooLong, dns.name.EmptyLabel):
            continue
        home = next((a for a in apexes if owner.is_subdomain(a)), None)
        bucket = root if home is None else grouped[home]
        # Keyed by the Name itself: to_text() would escape spaces and re-parsing would keep the
        # escapes as literal label bytes (the suite has a name with spaces and `%`).
        bucket.setdefault(owner, []).extend(entries)
    zones = [Zone(a.to_text(), grouped[a], allow_axfr) for a in apexes]
    if root:
        zones.append(Zone(".", root, allow_axfr, serve_apex_records=False))
    return zones


def records_from_spf_zonedata(zonedata: Mapping[str, list[Any]]) -> dict[str, list[Entry]]:
    """The OpenSPF suite's ``zonedata`` as served by pyspf's reference driver.

    SPF entries are also served as TXT, after every listed entry, for names with no TXT entry;
    ``TXT: NONE`` suppresses that; a bare ``TIMEOUT`` is kept in place; ``SPF: []`` is dropped.
    """
    out: dict[str, list[Entry]] = {}
    for name, items in zonedata.items():
        entries: list[Entry] = []
        copies: list[Entry] = []
        has_txt = any(isinstance(i, dict) and "TXT" in i for i in items)
        for item in items:
            if isinstance(item, str):
                entries.append((item.upper(), None))
                continue
            for rdtype, value in item.items():
                if value == "NONE" or (rdtype in ("TXT", "SPF") and value == []):
                    continue
                entries.append((rdtype, value))
                if rdtype == "SPF" and not has_txt:
                    copies.append(("TXT", value))
        out[name] = entries + copies
    return out


class _Data:
    """An immutable snapshot of all zones; swapped atomically by the server."""

    def __init__(self, zones: Iterable[Zone]):
        compiled = [_compile(z) for z in zones]
        self.zones = sorted(compiled, key=lambda z: len(z.apex), reverse=True)

    def zone_for(self, name: dns.name.Name) -> _CompiledZone | None:
        return next((z for z in self.zones if name.is_subdomain(z.apex)), None)


@dataclass
class Answer:
    rcode: int = dns.rcode.NOERROR
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    drop: bool = False


def _rrsets(owner: dns.name.Name, entries: list[tuple[int, dns.rdata.Rdata, int]]):
    by_type: dict[int, dns.rrset.RRset] = {}
    for code, rdata, ttl in entries:
        rrset = by_type.get(code)
        if rrset is None:
            rrset = by_type[code] = dns.rrset.RRset(owner, _IN, code)
        rrset.add(rdata, ttl)
    return list(by_type.values())


def resolve(data: _Data, qname: dns.name.Name, qtype: int) -> Answer:
    """The authoritative answer for one question, with server-side CNAME chasing."""
    zone = data.zone_for(qname)
    if zone is None:
        return Answer(dns.rcode.REFUSED)
    out = Answer()
    seen = {qname}
    current = qname
    while True:
        node = zone.find(current)
        if node is None:
            out.rcode = dns.rcode.NXDOMAIN
            out.authority = [zone.soa]
            return out
        matches = node.of_type(qtype)
        if matches:
            out.answer.extend(_rrsets(current, matches))
            return out
        cnames = node.of_type(dns.rdatatype.CNAME)
        if cnames and qtype != dns.rdatatype.CNAME:
            out.answer.extend(_rrsets(current, cnames[:1]))
            target = cnames[0][1].target
            if target in seen or len(seen) > MAX_CHAIN:
                return Answer(dns.rcode.SERVFAIL)
            seen.add(target)
            current = target
            next_zone = data.zone_for(target)
            if next_zone is None:
                return out  # target outside our authority: the chain so far is the answer
            zone = next_zone
            continue
        if node.timeout:
            return Answer(drop=True)
        out.authority = [zone.soa]  # NODATA
        return out


def _axfr(data: _Data, qname: dns.name.Name) -> list[dns.rrset.RRset] | None:
    zone = next((z for z in data.zones if z.apex == qname), None)
    if zone is None or not zone.allow_axfr:
        return None
    body: list[dns.rrset.RRset] = []
    for owner, node in zone.nodes.items():
        body.extend(r for r in _rrsets(owner, list(node.visible)) if r.rdtype != dns.rdatatype.SOA)
    return [zone.soa, *body, zone.soa]


class DnsServer:
    """Threaded UDP + TCP authoritative server on one ephemeral 127.0.0.1 port."""

    def __init__(
        self,
        zones: Mapping[str, Records | Zone] | None = None,
        *,
        allow_axfr: bool = False,
        udp_limit: int = UDP_LIMIT,
    ):
        self._lock = threading.Lock()
        self._zones: dict[str, Zone] = {}
        self._flat: list[Zone] = []
        self.udp_limit = udp_limit
        self.log: list[tuple[str, str, str]] = []  # (transport, qname, qtype), for tests
        for apex, spec in (zones or {}).items():
            zone = spec if isinstance(spec, Zone) else Zone(apex, spec, allow_axfr)
            self._zones[apex] = zone
        self._data = _Data(self._zones.values())
        self._udp: socketserver.UDPServer | None = None
        self._tcp: socketserver.TCPServer | None = None
        self._threads: list[threading.Thread] = []
        self._conns: set[socket.socket] = set()

    # -- data -------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        data = _Data([*self._zones.values(), *self._flat])
        self._data = data  # one reference assignment: readers see old or new, never half

    def add_zone(
        self, apex: str, records: Records | None = None, *, allow_axfr: bool = False
    ) -> None:
        with self._lock:
            self._zones[apex] = Zone(apex, records or {}, allow_axfr)
            self._rebuild()

    def remove_zone(self, apex: str) -> None:
        with self._lock:
            self._zones.pop(apex, None)
            self._rebuild()

    def set_zones(self, zones: Mapping[str, Records | Zone]) -> None:
        with self._lock:
            self._zones = {a: z if isinstance(z, Zone) else Zone(a, z) for a, z in zones.items()}
            self._flat = []
            self._rebuild()

    def set_records(self, records: Records, *, allow_axfr: bool = False) -> None:
        """Replace everything with a flat name -> entries table (see ``split_flat``)."""
        with self._lock:
            self._zones = {}
            self._flat = split_flat(records, allow_axfr)
            self._rebuild()

    def update_records(self, apex: str, records: Records) -> None:
        """Merge entries into a declared zone (replacing the listed names)."""
        with self._lock:
            zone = self._zones[apex]
            merged = {**zone.records, **records}
            self._zones[apex] = Zone(apex, merged, zone.allow_axfr)
            self._rebuild()

    # -- protocol ---------------------------------------------------------------------------
    def handle(self, wire: bytes, transport: str) -> list[bytes]:
        """Answer one query message; an empty list means no reply (dropped)."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            if len(wire) < 12:
                return []
            (qid,) = struct.unpack("!H", wire[:2])
            return [struct.pack("!HHHHHH", qid, 0x8000 | dns.rcode.FORMERR, 0, 0, 0, 0)]
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            response.set_rcode(
                dns.rcode.NOTIMP if query.opcode() != dns.opcode.QUERY else dns.rcode.FORMERR
            )
            return [response.to_wire()]
        question = query.question[0]
        self.log.append(
            (transport, question.name.to_text(), dns.rdatatype.to_text(question.rdtype))
        )
        data = self._data
        if question.rdtype == dns.rdatatype.AXFR:
            records = _axfr(data, question.name) if transport == "tcp" else None
            if records is None:
                response.set_rcode(dns.rcode.REFUSED)
                response.flags &= ~dns.flags.AA
            else:
                response.answer = records
            return [response.to_wire(max_size=65535, want_shuffle=False)]
        answer = resolve(data, question.name, question.rdtype)
        if answer.drop:
            return []
        response.set_rcode(answer.rcode)
        if answer.rcode == dns.rcode.REFUSED:
            response.flags &= ~dns.flags.AA
        response.answer = answer.answer
        response.authority = answer.authority
        if transport == "tcp":
            return [response.to_wire(max_size=65535, want_shuffle=False)]
        try:
            return [response.to_wire(max_size=self.udp_limit, want_shuffle=False)]
        except dns.exception.TooBig:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.AA | dns.flags.TC
            truncated.set_rcode(answer.rcode)
            return [truncated.to_wire()]

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if self._udp is None:
            raise RuntimeError("DnsServer not started")
        return self._udp.server_address[1]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> DnsServer:
        if self._udp is not None:
            return self
        server = self

        class Udp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                wire, sock = self.request
                for reply in server.handle(wire, "udp"):
                    sock.sendto(reply, self.client_address)

        class Tcp(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(10)
                server._conns.add(conn)
                try:
                    while True:
                        head = _recv_exact(conn, 2)
                        if head is None:
                            return
                        wire = _recv_exact(conn, struct.unpack("!H", head)[0])
                        if wire is None:
                            return
                        for reply in server.handle(wire, "tcp"):
                            conn.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    return
                finally:
                    server._conns.discard(conn)

        for _ in range(20):  # the UDP port may be taken for TCP; try another
            udp = _UdpServer(("127.0.0.1", 0), Udp)
            try:
                tcp = _TcpServer(("127.0.0.1", udp.server_address[1]), Tcp)
            except OSError:
                udp.server_close()
                continue
            break
        else:
            raise OSError("no free port for UDP and TCP together on 127.0.0.1")
        self._udp, self._tcp = udp, tcp
        for srv in (udp, tcp):
            thread = threading.Thread(
                target=srv.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"world-dns-{srv.socket_type}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Idempotent; closes the sockets, open TCP connections and joins every thread."""
        udp, tcp = self._udp, self._tcp
        if udp is None or tcp is None:
            return
        for srv in (udp, tcp):
            srv.shutdown()
        for conn in list(self._conns):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for srv in (udp, tcp):
            srv.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._udp = self._tcp = None

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _recv_exact(conn: socket.socket, size: int) -> bytes | None:
    buf = b""
    while len(buf) < size:
        chunk = conn.recv(size - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True
    allow_reuse_address = False


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = False
