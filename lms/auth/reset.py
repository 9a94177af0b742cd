"""Password reset by email, for people who gave an address (issue 18): a one-time link that
expires, without a teacher.

The link carries a *stateless* signed token (itsdangerous, which Flask ships): the account id
and a fingerprint of what the reset will change (the password hash, the session token, the
email address), signed with SECRET_KEY and dated. Nothing is stored, so every app server
checks it alike (they share SECRET_KEY), and it works **once**: setting the password changes
the hash and renews the session token, so the fingerprint no longer matches; a sign-out
everywhere or a changed email address voids it too. It expires after
``PASSWORD_RESET_MAX_AGE`` seconds (OWASP Forgot Password Cheat Sheet; ASVS V2.5).

No account enumeration: the page answers the same whether or not an account or address
exists, and the mail is rendered and sent in the background (``deliver_in_background``) so
the answer takes the same time either way. Requests are rate limited in the view (per address
and per name typed) and here per account (``PASSWORD_RESET_MAIL_LIMIT``), silently.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from lms.audit.services import record_audit
from lms.auth.models import User
from lms.core.mail import Mail, MailError, send
from lms.extensions import db

_SALT = "lms.auth.password-reset"
#: Settings and their defaults (set on the app when the auth blueprint registers; override
#: them like any other, e.g. LMS_PASSWORD_RESET_MAX_AGE=1800). See docs/operator-guide.md.
DEFAULT_SETTINGS = {
    # Seconds a reset link works (OWASP: short-lived; an hour leaves time to find the mail).
    "PASSWORD_RESET_MAX_AGE": 3600,
    # Requests of the form, per client address and per username or address typed.
    "PASSWORD_RESET_RATE_LIMIT": "5 per 15 minutes;20 per day",
    # Mails per account, whoever asks: over it requests get the same answer and no mail.
    "PASSWORD_RESET_MAIL_LIMIT": "3 per hour;10 per day",
}
#: At most this many accounts get a link for one email address (a family sharing one).
MAX_ACCOUNTS_PER_REQUEST = 5


def fingerprint(secret: str | bytes, user_id: int, password_hash: str | None, session_token: str | None,
                email: str | None) -> str:
    """32 hex characters (an HMAC-SHA256 with ``secret``) naming the account's current
    credentials: changes whenever the password, the session token or the email changes.
    Keyed, so the token (which anyone holding it can decode) says nothing about the hash."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = "\x1f".join((str(user_id), password_hash or "", session_token or "", (email or "").lower()))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint_of(user: User) -> str:
    return fingerprint(current_app.config["SECRET_KEY"], user.id, user.password_hash, user.session_token, user.email)


def make_token(user: User) -> str:
    """The signed, dated token for ``user``'s reset link (URL-safe, about 90 characters)."""
    return _serializer().dumps([user.id, _fingerprint_of(user)])


def user_for_token(token: str, *, lock: bool = False) -> User | None:
    """The account ``token`` resets, or None when the token is forged, older than
    PASSWORD_RESET_MAX_AGE seconds, already used (the credentials changed since), or the
    account is inactive, deleted or has no email any more. With ``lock`` the account's row
    is locked until the transaction ends (PostgreSQL), so two submissions of one link cannot
    both pass the check."""
    try:
        user_id, mark = _serializer().loads(token, max_age=int(current_app.config["PASSWORD_RESET_MAX_AGE"]))
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    stmt = select(User).where(User.id == user_id)
    user = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if user is None or not user.is_active or not user.email:
        return None
    return user if hmac.compare_digest(str(mark), _fingerprint_of(user)) else None


def accounts_for(identifier: str | None) -> list[User]:
    """The active accounts with an email address that ``identifier`` names: a username (any
    case or Unicode form) or an email address (case ignored), at most
    MAX_ACCOUNTS_PER_REQUEST, oldest first. [] when nothing matches. One query either way."""
    from lms.auth.services import normalise_username

    typed = (identifier or "").strip()
    if not typed:
        return []
    if "@" in typed:
        match = func.lower(User.email) == typed.lower()
    else:
        match = User.username == normalise_username(typed)
    stmt = (select(User).where(match, User.active.is_(True), User.deleted_at.is_(None), User.email.is_not(None),
                               User.email != "")
            .order_by(User.id).limit(MAX_ACCOUNTS_PER_REQUEST))
    return list(db.session.scalars(stmt))


def record_request(users: list[User]) -> None:
    """Audit "auth.password_reset_request": one row per account a link goes to, or one row
    without a target when nothing matched (so both answers write alike); never what was
    typed. The caller commits."""
    if not users:
        record_audit(None, "auth.password_reset_request", accounts=0)
    for user in users:
        record_audit(None, "auth.password_reset_request", target=user, org=user.org, accounts=len(users))


@dataclass(frozen=True)
class ResetLetter:
    """What the background sender needs, copied out of the session: plain values only."""

    to: str
    full_name: str
    username: str
    locale: str
    link: str


def letter_for(user: User, link: str, fallback_locale: str) -> ResetLetter:
    """The letter for ``user``: in their language, else ``fallback_locale`` (the page's)."""
    return ResetLetter(to=user.email, full_name=user.full_name, username=user.username,
                       locale=user.locale or fallback_locale, link=link)


def render_mail(letter: ResetLetter, site: str) -> Mail:
    """The message: a plain-text body and a light HTML one (no images, no scripts, inline
    styles only), in the letter's language, with the one link. Needs an app context, not a
    request. The text is built here (babel.cfg extracts Python and HTML templates), the HTML
    by templates/auth/email/reset_password.html from the same sentences."""
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60
    host = urlsplit(site).netloc or site  # "hoc.example.gov.vn": what people recognise in a subject
    with force_locale(letter.locale):
        lines = email_sentences(letter, host, minutes)
        text = "\n\n".join([lines["greeting"], lines["asked"], lines["open"], letter.link, lines["once"],
                             lines["signature"]]) + "\n"
        html = render_template("auth/email/reset_password.html", lines=lines, link=letter.link)
        return Mail(to=letter.to, subject=lines["subject"], text=text, html=html)


def email_sentences(letter: ResetLetter, site: str, minutes: int) -> dict[str, str]:
    """The sentences of the reset email in the current locale, by role in the message; ``site``
    is the host name the letter names."""
    return {
        "subject": _("Set a new password for %(site)s", site=site),
        "greeting": _("Hello %(name)s,", name=letter.full_name),
        "asked": _("Someone, probably you, asked to set a new password for the account %(username)s on %(site)s.",
                   username=letter.username, site=site),
        "open": _("To choose a new password, open this link within %(minutes)d minutes:", minutes=minutes),
        "button": _("Choose a new password"),
        "once": _("The link works once. If you did not ask for it, ignore this email: your password stays as it is."),
        "signature": _("Digital public services learning") + " · " + site,
    }


def deliver_in_background(app, letters: list[ResetLetter], site: str) -> threading.Thread | None:
    """Render and send ``letters`` on a thread of their own, so that the page answers at once
    whether or not a letter goes out (no timing difference to enumerate accounts with) and a
    slow mail server never holds the page. Failures are logged, never shown. Returns the
    thread (None when there is nothing to send)."""
    if not letters:
        return None

    def run():
        with app.app_context():
            try:
                send([render_mail(letter, site) for letter in letters])
            except MailError:
                app.logger.exception("could not send a password reset link")

    thread = threading.Thread(target=run, name="password-reset-mail", daemon=True)
    thread.start()
    return thread


def reset_password(user: User, password: str) -> None:
    """Give ``user`` the new ``password`` through the password rules (ServiceError with
    field "password" when refused). Every session of the person ends (the model renews the
    session token), which also spends the link. Audited "auth.password_reset". Flushes."""
    from lms.auth.services import set_password

    set_password(user, password)
    record_audit(user, "auth.password_reset", target=user, org=user.org)
    db.session.flush()
