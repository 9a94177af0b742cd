"""A real SMTP server on loopback for tests that send mail: aiosmtpd's Controller on 127.0.0.1
and a free port, keeping every message it accepted (``smtp_server`` fixture).

    def test_x(app, smtp_server):
        smtp_server.configure(app)          # MAIL_SERVER / MAIL_PORT of the app point at it
        ...                                 # send mail through lms.core.mail
        [message] = smtp_server.messages    # email.message.EmailMessage, parsed

``refuse`` holds addresses the server answers 550 at RCPT TO (a mailbox that does not exist);
``stop()`` takes the server down (SMTP unreachable) and ``start()`` brings it back.
"""

from __future__ import annotations

import socket
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: what arrived, parsed, and who is refused."""

    def __init__(self):
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self._controller = None
        self.running = False

    def start(self) -> None:
        if not self.running:
            from aiosmtpd.controller import Controller

            self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
            self._controller.start()
            self.running = True

    def stop(self) -> None:
        if self.running:
            self._controller.stop()
            self.running = False

    def configure(self, app) -> None:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_SECURITY="", MAIL_TIMEOUT=5,
                          MAIL_FROM="thongbao@hoc.example.vn")

    @property
    def refuse(self) -> set[str]:
        return self.inbox.refuse

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=email_policy.default) for _, _, raw in self.inbox.envelopes]

    def recipients(self) -> list[str]:
        return [to for _, tos, _ in self.inbox.envelopes for to in tos]

    def clear(self) -> None:
        self.inbox.envelopes.clear()


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
