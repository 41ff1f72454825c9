"""The live delivery check: send one test message through the relay, read it back over IMAP, and
say what a receiver would: did it arrive, in which folder, does its DKIM signature verify, do SPF
and DKIM align with the From domain (DMARC), what did the receiver itself conclude
(Authentication-Results), and where do bounces go (Return-Path).

Why blocking stdlib clients: smtplib and imaplib are complete and well understood; they run in a
worker thread over a socket the connector opened, so `connect_to` and `network.nameservers` hold
for SMTP and IMAP as for every other connection. Nothing here raises for a delivery problem: the
outcome is data (`DeliveryReport`) that checks/email_delivery.py judges.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import email.utils
import imaplib
import re
import secrets
import smtplib
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage

from launchready.config.sections import EmailConfig, ImapMailboxConfig, SmtpRelayConfig
from launchready.email.dmarc import aligned, is_dmarc_record, org_domain, read_7489
from launchready.email.spf import Evaluator
from launchready.net.tlsctx import verified_context
from launchready.net.types import DnsAnswer
from launchready.redact import REDACTOR

Lookup = Callable[[str, str], Awaitable[DnsAnswer]]
PROBE_HEADER = "X-Launchready-Probe"


@dataclass
class SendResult:
    ok: bool
    stage: str = ""  # connect, tls, auth, mail, done
    detail: str = ""  # server reply or error
    message_id: str = ""


@dataclass
class FetchResult:
    found: bool
    folder: str = ""
    raw: bytes = b""
    folders_searched: list[str] = field(default_factory=list)
    spam_folders: list[str] = field(default_factory=list)
    error: str = ""
    waited_s: float = 0.0


@dataclass
class DkimCheck:
    domain: str
    selector: str
    verified: bool
    aligned: bool
    detail: str = ""


@dataclass
class DeliveryReport:
    """Everything the delivery check learned; judged by checks/email_delivery.py."""

    relay: str  # host:port of the relay (public name)
    mailbox: str  # host:port of the IMAP server
    sender: str
    recipient: str
    token: str
    sent: SendResult
    fetched: FetchResult | None = None
    in_spam: bool = False
    from_domain: str = ""
    return_path: str = ""
    return_path_domain: str = ""
    client_ip: str = ""  # the relay's address as the receiver recorded it
    dkim: list[DkimCheck] = field(default_factory=list)
    spf_result: str = ""  # our check_host of client_ip for the Return-Path domain
    spf_aligned: bool = False
    dmarc_policy: str = ""
    adkim: str = "r"
    aspf: str = "r"
    authentication_results: list[str] = field(default_factory=list)
    receiver_verdicts: dict[str, str] = field(default_factory=dict)  # method -> result

    @property
    def dkim_pass(self) -> bool:
        return any(d.verified for d in self.dkim)

    @property
    def dkim_aligned_pass(self) -> bool:
        return any(d.verified and d.aligned for d in self.dkim)

    @property
    def dmarc_pass(self) -> bool:
        return self.dkim_aligned_pass or (self.spf_result == "pass" and self.spf_aligned)


# -- message ----------------------------------------------------------------------------------
def build_probe(smtp: SmtpRelayConfig, token: str) -> EmailMessage:
    domain = smtp.from_.rpartition("@")[2]
    msg = EmailMessage()
    msg["From"] = smtp.from_
    msg["To"] = smtp.to
    msg["Subject"] = f"launchready delivery check {token}"
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid("launchready", domain=domain or None)
    msg[PROBE_HEADER] = token
    msg.set_content(
        "This message was sent by `launchready audit` to check that operational mail from this\n"
        "portal reaches an inbox. It can be deleted.\n"
        f"Probe: {token}\n"
    )
    return msg


# -- SMTP -------------------------------------------------------------------------------------
class _RoutedSMTP(smtplib.SMTP):
    """smtplib over a socket we already connected (connect_to honoured); the public host name is
    kept for STARTTLS SNI and certificate checks."""

    def __init__(self, sock: socket.socket, host: str, timeout: float, local_hostname: str | None):
        self._routed = sock
        super().__init__(local_hostname=local_hostname, timeout=timeout)
        self._host = host

    def _get_socket(self, host, port, timeout):
        return self._routed


class _RoutedSMTPSSL(_RoutedSMTP):
    def __init__(self, sock, host, timeout, local_hostname, context: ssl.SSLContext):
        self._context = context
        super().__init__(sock, host, timeout, local_hostname)

    def _get_socket(self, host, port, timeout):
        return self._context.wrap_socket(self._routed, server_hostname=self._host)


def _send_blocking(
    sock: socket.socket, smtp: SmtpRelayConfig, msg: EmailMessage, ctx: ssl.SSLContext, timeout
) -> SendResult:
    stage = "connect"
    helo = smtp.helo or smtp.from_.rpartition("@")[2] or "launchready.invalid"
    try:
        if smtp.security == "tls":
            stage = "tls"
            client: smtplib.SMTP = _RoutedSMTPSSL(sock, smtp.host, timeout, helo, ctx)
        else:
            client = _RoutedSMTP(sock, smtp.host, timeout, helo)
        with client:
            code, banner = client.connect(smtp.host, smtp.port)
            if code != 220:
                return SendResult(False, "connect", f"{code} {banner.decode(errors='replace')}")
            client.ehlo()
            if smtp.security == "starttls":
                stage = "tls"
                if not client.has_extn("starttls"):
                    return SendResult(False, "tls", "the relay does not offer STARTTLS")
                client.starttls(context=ctx)
                client.ehlo()
            if smtp.username:
                stage = "auth"
                client.login(smtp.username, smtp.password or "")
            stage = "mail"
            refused = client.send_message(msg, from_addr=smtp.from_, to_addrs=[smtp.to])
            if refused:
                return SendResult(False, "mail", f"recipient refused: {refused}")
        return SendResult(True, "done", "accepted", str(msg["Message-ID"]))
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        return SendResult(False, stage, f"{exc.smtp_code} {text}".strip())
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        return SendResult(False, stage, f"{type(exc).__name__}: {exc}")


async def send_probe(net, smtp: SmtpRelayConfig, msg: EmailMessage) -> SendResult:
    REDACTOR.add(smtp.password)
    try:
        sock = await net.connector.open_socket(smtp.host, smtp.port)
    except (OSError, TimeoutError) as exc:
        return SendResult(False, "connect", f"{type(exc).__name__}: {exc}")
    ctx = verified_context(net.cfg.ca_bundle)
    timeout = net.cfg.timeout
    return await asyncio.to_thread(_send_blocking, sock, smtp, msg, ctx, timeout)


# -- IMAP -------------------------------------------------------------------------------------
class _RoutedIMAP(imaplib.IMAP4):
    def __init__(self, sock: socket.socket, host: str, port: int, timeout: float):
        self._routed = sock
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout):
        return self._routed


class _RoutedIMAPSSL(imaplib.IMAP4_SSL):
    def __init__(self, sock, host, port, timeout, context: ssl.SSLContext):
        self._routed = sock
        super().__init__(host, port, ssl_context=context, timeout=timeout)

    def _create_socket(self, timeout):
        return self.ssl_context.wrap_socket(self._routed, server_hostname=self.host)


_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<delim>"[^"]*"|NIL) (?P<name>.+)$')


def _folders(client: imaplib.IMAP4) -> list[tuple[str, set[str]]]:
    _typ, lines = client.list()
    out = []
    for line in lines or []:
        if not isinstance(line, bytes):
            continue
        m = _LIST_LINE.match(line)
        if not m:
            continue
        name = m.group("name").decode(errors="replace").strip()
        if name.startswith('"') and name.endswith('"'):
            name = name[1:-1].replace('\\"', '"')
        flags = {f.lower() for f in m.group("flags").decode().split()}
        out.append((name, flags))
    return out


def _fetch_blocking(
    sock: socket.socket,
    imap: ImapMailboxConfig,
    token: str,
    ctx: ssl.SSLContext,
    timeout: float,
    deadline: float,
) -> FetchResult:
    result = FetchResult(False)
    start = time.monotonic()
    try:
        if imap.security == "tls":
            client: imaplib.IMAP4 = _RoutedIMAPSSL(sock, imap.host, imap.port, timeout, ctx)
        else:
            client = _RoutedIMAP(sock, imap.host, imap.port, timeout)
            if imap.security == "starttls":
                client.starttls(ssl_context=ctx)
        client.login(imap.username, imap.password)
        available = _folders(client)
        spam_names = {s.lower() for s in imap.spam_folders}
        wanted = [f.lower() for f in imap.folders]
        folders = [
            (name, name.lower() in spam_names or "\\junk" in flags)
            for name, flags in available
            if name.lower() in wanted or "\\junk" in flags
        ]
        if not any(n.lower() == "inbox" for n, _ in folders):
            folders.insert(0, ("INBOX", False))
        result.folders_searched = [n for n, _ in folders]
        result.spam_folders = [n for n, spam in folders if spam]
        while True:
            for name, _spam in folders:
                typ, _ = client.select(_quote(name), readonly=True)
                if typ != "OK":
                    continue
                typ, data = client.search(None, "HEADER", PROBE_HEADER, token)
                ids = (data[0] or b"").split() if typ == "OK" and data else []
                if ids:
                    typ, parts = client.fetch(ids[-1], "(BODY.PEEK[])")
                    raw = next((p[1] for p in parts or [] if isinstance(p, tuple)), b"")
                    result.found, result.folder, result.raw = True, name, raw
                    result.waited_s = round(time.monotonic() - start, 2)
                    client.logout()
                    return result
            if time.monotonic() + imap.poll > deadline:
                break
            time.sleep(imap.poll)
        client.logout()
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    result.waited_s = round(time.monotonic() - start, 2)
    return result


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def fetch_probe(net, imap: ImapMailboxConfig, token: str) -> FetchResult:
    REDACTOR.add(imap.password)
    try:
        sock = await net.connector.open_socket(imap.host, imap.port)
    except (OSError, TimeoutError) as exc:
        return FetchResult(False, error=f"connect: {type(exc).__name__}: {exc}")
    ctx = verified_context(net.cfg.ca_bundle)
    deadline = time.monotonic() + imap.wait
    return await asyncio.to_thread(
        _fetch_blocking, sock, imap, token, ctx, net.cfg.timeout, deadline
    )


# -- analysis of the received message -----------------------------------------------------------
_RECEIVED_IP = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")
_AR_METHOD = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)


def _domain_of(address: str) -> str:
    _, addr = email.utils.parseaddr(address)
    return addr.rpartition("@")[2].lower().rstrip(".")


async def _dkim_checks(raw: bytes, from_domain: str, adkim: str, lookup: Lookup) -> list[DkimCheck]:
    import dkim

    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    signatures = msg.get_all("DKIM-Signature") or []
    out: list[DkimCheck] = []
    for index, header in enumerate(signatures):
        tags = dict(
            (k.strip(), "".join(v.split()))
            for k, _, v in (part.partition("=") for part in str(header).split(";"))
            if k.strip()
        )
        d, s = tags.get("d", "").lower(), tags.get("s", "")
        keys: dict[bytes, bytes] = {}
        if d and s:
            name = f"{s}._domainkey.{d}"
            answer = await lookup(name, "TXT")
            if answer.records:
                keys[(name + ".").encode()] = answer.records[0].encode()

        def dnsfunc(qname: bytes, timeout: float = 5, _keys=keys) -> bytes | None:
            key = qname if qname.endswith(b".") else qname + b"."
            return _keys.get(key.lower())

        verifier = dkim.DKIM(raw)
        try:
            ok = bool(verifier.verify(idx=index, dnsfunc=dnsfunc))
            detail = (
                "signature verified" if ok else "signature did not verify (body or headers changed)"
            )
        except dkim.DKIMException as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        if not keys and d:
            detail = f"no key at {s}._domainkey.{d}; " + detail
        out.append(DkimCheck(d, s, ok, aligned(adkim, from_domain, d), detail))
    return out


def _client_ip(msg) -> str:
    """The address the receiver recorded for the connecting relay: the first Received header
    that names one (the receiver's own)."""
    for header in msg.get_all("Received") or []:
        m = _RECEIVED_IP.search(str(header))
        if m:
            return m.group(1)
    return ""


async def analyse_message(
    report: DeliveryReport, raw: bytes, lookup: Lookup, adkim: str, aspf: str
) -> None:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    report.from_domain = _domain_of(str(msg.get("From", "")))
    report.return_path = str(msg.get("Return-Path", "")).strip().strip("<>")
    report.return_path_domain = report.return_path.rpartition("@")[2].lower()
    report.adkim, report.aspf = adkim, aspf
    report.authentication_results = [
        " ".join(str(h).split()) for h in msg.get_all("Authentication-Results") or []
    ]
    for header in report.authentication_results:
        for method, verdict in _AR_METHOD.findall(header):
            report.receiver_verdicts.setdefault(method.lower(), verdict.lower())
    report.dkim = await _dkim_checks(raw, report.from_domain, adkim, lookup)
    report.client_ip = _client_ip(msg)
    bounce_domain = report.return_path_domain or report.from_domain
    if report.client_ip and bounce_domain:
        sender = report.return_path or f"postmaster@{bounce_domain}"
        result = await Evaluator(lookup).check_host(report.client_ip, sender, bounce_domain)
        report.spf_result = result.result
    report.spf_aligned = aligned(aspf, report.from_domain, bounce_domain)


async def _dmarc_modes(domain: str, lookup: Lookup) -> tuple[str, str, str]:
    for name in dict.fromkeys([f"_dmarc.{domain}", f"_dmarc.{org_domain(domain)}"]):
        answer = await lookup(name, "TXT")
        records = [r for r in answer.records if is_dmarc_record(r)]
        if len(records) == 1:
            reading = read_7489(records[0])
            return reading.policy or "", reading.adkim, reading.aspf
    return "", "r", "r"


async def run_delivery_check(net, cfg: EmailConfig, lookup: Lookup) -> DeliveryReport:
    smtp, imap = cfg.smtp, cfg.imap
    assert smtp is not None and imap is not None
    token = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"
    msg = build_probe(smtp, token)
    report = DeliveryReport(
        relay=f"{smtp.host}:{smtp.port}",
        mailbox=f"{imap.host}:{imap.port}",
        sender=smtp.from_,
        recipient=smtp.to,
        token=token,
        sent=await send_probe(net, smtp, msg),
    )
    if not report.sent.ok:
        return report
    report.fetched = await fetch_probe(net, imap, token)
    if not report.fetched.found:
        return report
    report.in_spam = report.fetched.folder in report.fetched.spam_folders
    from_domain = smtp.from_.rpartition("@")[2].lower()
    policy, adkim, aspf = await _dmarc_modes(from_domain, lookup)
    report.dmarc_policy = policy
    await analyse_message(report, report.fetched.raw, lookup, adkim, aspf)
    return report
