"""Sending email through the operator's SMTP server (Python's own smtplib and email packages,
which already speak SMTP, STARTTLS, SMTPS and MIME correctly: no extra library is needed).

Settings (docs/operator-guide.md): ``MAIL_SERVER`` (unset: email is off and ``send`` returns
False), ``MAIL_PORT`` (25), ``MAIL_SECURITY`` ("" plain, "starttls", or "ssl"),
``MAIL_USERNAME`` / ``MAIL_PASSWORD`` (optional), ``MAIL_FROM`` (the sender address),
``MAIL_TIMEOUT`` (seconds, 10)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message; the text says which."""


@dataclass(frozen=True)
class Mail:
    """One message: ``text`` is the plain body every client shows; ``html`` an optional light
    alternative (inline styles only, no images, no scripts)."""

    to: str
    subject: str
    text: str
    html: str | None = None


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def build_message(mail: Mail) -> EmailMessage:
    """The MIME message for ``mail``: UTF-8 headers and bodies, so Vietnamese survives any hop."""
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg.get("MAIL_FROM") or "no-reply@localhost"
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    sender_domain = (cfg.get("MAIL_FROM") or "localhost").rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=sender_domain)
    message.set_content(mail.text, charset="utf-8")
    if mail.html:
        message.add_alternative(mail.html, subtype="html", charset="utf-8")
    return message


def send(mails: list[Mail]) -> int:
    """Send ``mails`` over one SMTP connection; returns how many went out (0 when email is off).

    Raises MailError when the server cannot be reached or refuses a message; messages sent
    before the failure stay sent (the count in the error's args[1])."""
    if not mails or not mail_enabled():
        return 0
    cfg = current_app.config
    host, port = cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25)
    security = (cfg.get("MAIL_SECURITY") or "").lower()
    timeout = float(cfg.get("MAIL_TIMEOUT") or 10)
    sent = 0
    try:
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if cfg.get("MAIL_USERNAME"):
                client.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
            for mail in mails:
                client.send_message(build_message(mail))
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP {host}:{port}: {exc}", sent) from exc
    return sent
