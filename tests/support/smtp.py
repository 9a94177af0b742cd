"""A real SMTP server for tests: aiosmtpd's Controller on 127.0.0.1 and a free port, keeping
every message it receives, parsed.

    from tests.support.smtp import smtp_server  # noqa: F401  (the fixture)

    def test_mail(app, smtp_server):
        smtp_server.configure(app)            # MAIL_SERVER / MAIL_PORT point at it
        ...
        message = smtp_server.wait_for(1)[0]  # email.message.EmailMessage
        text = smtp_server.text_of(message)

``refuse`` holds addresses the server answers 550 at RCPT TO (a mailbox that does not exist);
``stop()`` takes the server down (SMTP unreachable) and ``start()`` brings it back.
Nothing is mocked: the app's own lms.core.mail speaks SMTP to it over a socket.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel's pick; another process could take it
    before it is used, which on a test machine does not happen in practice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    """What the server got: each message parsed (``messages``) with its envelope recipients
    (``recipients``, one list per message), in arrival order. ``delay`` (seconds) makes the
    server slow to accept each message, to show that a page does not wait for the mail."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    delay: float = 0.0
    refuse: set[str] = field(default_factory=set)
    _arrived: threading.Condition = field(default_factory=threading.Condition)
    _controller: object = None

    def start(self) -> None:
        """Accept connections (again, after ``stop``)."""
        from aiosmtpd.controller import Controller

        if self._controller is None:
            self._controller = Controller(self, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        """Close the port: senders then find no SMTP server."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        with self._arrived:
            self.messages.clear()
            self.recipients.clear()

    def addresses(self) -> list[str]:
        """Every envelope recipient of every message, in arrival order."""
        return [to for tos in self.recipients for to in tos]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self._arrived:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def configure(self, app) -> None:
        """Point ``app``'s outgoing mail (lms.core.mail) at this server: plain SMTP, no login."""
        app.config.update(MAIL_SERVER=self.host, MAIL_PORT=self.port, MAIL_SECURITY="", MAIL_USERNAME=None,
                          MAIL_PASSWORD=None, MAIL_FROM="hoc@dichvucong.test", MAIL_TIMEOUT=5)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first ``count`` messages, waiting up to ``timeout`` seconds for them to arrive
        (mail may be sent after the page answered); AssertionError when they do not."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} message(s), received {len(self.messages)}")
                self._arrived.wait(left)
            return list(self.messages[:count])

    @staticmethod
    def text_of(message: EmailMessage) -> str:
        """The plain-text body of ``message``."""
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html_of(message: EmailMessage) -> str | None:
        """The HTML alternative of ``message``, if it has one."""
        part = message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None


@pytest.fixture
def smtp_server():
    """A running SMTP server on 127.0.0.1 (see the module docstring); stopped after the test."""
    received = ReceivedMail(host="127.0.0.1", port=free_port())
    received.start()
    try:
        yield received
    finally:
        received.stop()
