"""The world's mail side: an aiosmtpd relay on 127.0.0.1 that DKIM-signs what it accepts (dkimpy)
and delivers it into a Maildir, as a provider's relay plus the recipient's mail server would.

What it does to each message, in order:
1. accept it (STARTTLS and AUTH when configured, like a submission port);
2. DKIM-sign it as `dkim_domain` / `selector` with a real key (the public half is what the test
   zone publishes);
3. optionally `tamper` with the body after signing (a footer added by a list or gateway: the
   signature then fails to verify, as in the field);
4. add what the receiving server adds: Return-Path (the envelope sender), Received (with the
   client address in brackets) and Authentication-Results with its own DKIM verdict;
5. deliver it into `folder` ("INBOX" or a spam folder such as "Junk") of the mailbox.
"""

from __future__ import annotations

import email.utils
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import dkim
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from launchready.world.imap import free_port

Deliver = Callable[[bytes, str], object]


@dataclass
class RelayLog:
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


class _Handler:
    def __init__(self, relay: MailRelay) -> None:
        self.relay = relay

    async def handle_DATA(self, server, session, envelope) -> str:
        relay = self.relay
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        relay.log.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        signed = raw
        if relay.sign:
            signature = dkim.sign(
                raw,
                relay.selector.encode(),
                relay.dkim_domain.encode(),
                relay.private_key_pem,
                include_headers=[b"from", b"to", b"subject", b"date", b"message-id"],
            )
            signed = signature + raw
        if relay.tamper:
            signed = signed.rstrip(b"\r\n") + b"\r\n-- \r\nSent through the world gateway\r\n"
        verdict = "none"
        if relay.sign:
            ok = dkim.verify(signed, dnsfunc=relay.dnsfunc)
            verdict = "pass" if ok else "fail"
        peer = session.peer[0] if session.peer else "127.0.0.1"
        helo = session.host_name or "unknown"
        stamp = email.utils.formatdate(localtime=False)
        trace = (
            f"Return-Path: <{envelope.mail_from}>\r\n"
            f"Authentication-Results: {relay.hostname}; dkim={verdict} "
            f"header.d={relay.dkim_domain} header.s={relay.selector}\r\n"
            f"Received: from {helo} ({helo} [{peer}])\r\n"
            f"\tby {relay.hostname} with ESMTP; {stamp}\r\n"
        ).encode()
        relay.deliver(trace + signed, relay.folder)
        return "250 OK queued"


class MailRelay:
    """`with MailRelay(mailbox.deliver, ...) as relay:` listens on 127.0.0.1:`relay.port`."""

    def __init__(
        self,
        deliver: Deliver,
        *,
        dkim_domain: str,
        selector: str,
        private_key_pem: bytes,
        public_key_record: str,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        credentials: tuple[str, str] | None = None,
        hostname: str = "mx.world.test",
    ) -> None:
        self.deliver = deliver
        self.dkim_domain = dkim_domain
        self.selector = selector
        self.private_key_pem = private_key_pem
        self.public_key_record = public_key_record
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls  # TLS from the first byte (port 465) instead of STARTTLS
        self.credentials = credentials
        self.hostname = hostname
        self.folder = "INBOX"
        self.tamper = False
        self.sign = True
        self.log = RelayLog()
        self.port = 0
        self._controller: Controller | None = None

    def dnsfunc(self, name: bytes, timeout: float = 5) -> bytes | None:
        """The relay's own verifier knows its public key (no DNS inside the world relay)."""
        wanted = f"{self.selector}._domainkey.{self.dkim_domain}.".encode()
        return self.public_key_record.encode() if name.lower() == wanted.lower() else None

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if self.credentials is None or not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = self.credentials
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    def start(self) -> MailRelay:
        self.port = free_port()
        kwargs: dict = {}
        if self.tls_context is not None and self.implicit_tls:
            kwargs.update(ssl_context=self.tls_context)
        elif self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=True)
        if self.credentials is not None:
            kwargs.update(
                authenticator=self._authenticate,
                # aiosmtpd only knows STARTTLS as "TLS"; implicit TLS is encrypted already
                auth_require_tls=self.tls_context is not None and not self.implicit_tls,
            )
        self._controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            server_hostname=self.hostname,
            ready_timeout=10,
            **kwargs,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> MailRelay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
