"""An SMTP sink on 127.0.0.1 (aiosmtpd), optionally offering STARTTLS with a world certificate.

Why it exists: mail-related checks and alerting need a real SMTP peer that records what it was
sent, so tests can assert on envelopes and raw messages. It delivers nothing anywhere.

What it must never do: bind anything but 127.0.0.1, or relay a message.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from launchready.world.ca import IssuedCert, server_context


@dataclass(frozen=True)
class Received:
    """One accepted message: the envelope as given over SMTP and the raw DATA bytes."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    peer: str
    tls: bool
    helo: str


class _Recorder:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):
            data = data.encode()
        received = Received(
            envelope.mail_from or "",
            tuple(envelope.rcpt_tos),
            bytes(data),
            f"{session.peer[0]}:{session.peer[1]}" if session.peer else "",
            server._tls_protocol is not None,
            session.host_name or "",
        )
        self.sink._record(received)
        return "250 OK recorded by the launchready world sink"


class _EphemeralController(Controller):
    """aiosmtpd's Controller on port 0: learns the real port before its self-test connect."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """``SmtpSink(cert=None)``: STARTTLS is offered when a certificate is given."""

    def __init__(self, cert: IssuedCert | None = None, *, require_starttls: bool = False):
        self.cert = cert
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        kwargs = {}
        if cert is not None:
            kwargs = {"tls_context": server_context(cert), "require_starttls": require_starttls}
        self._controller = _EphemeralController(
            _Recorder(self), hostname="127.0.0.1", port=0, ready_timeout=5, **kwargs
        )
        self._running = False

    def _record(self, received: Received) -> None:
        with self._lock:
            self._messages.append(received)

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """The messages once at least ``count`` arrived (or whatever arrived by ``timeout``)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.messages

    @property
    def port(self) -> int:
        return self._controller.port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        if not self._running:
            self._controller.start()
            self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
