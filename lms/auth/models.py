"""Accounts and scoped roles."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from lms.core.i18n import register_labels
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization

USER_KINDS = ("civil_servant", "student", "citizen")
USER_KIND_LABELS = register_labels("user_kind", {
    "civil_servant": _l("Civil servant / public employee"), "student": _l("Student"), "citizen": _l("Citizen"),
})

# admin and author are global; manager/teacher are scoped to an organisation subtree;
# organizer/judge to a contest (lms.access.rules holds the sets and who grants what).
ROLES = ("admin", "manager", "teacher", "author", "organizer", "judge")
ROLE_LABELS = register_labels("role", {
    "admin": _l("Admin (whole platform)"), "manager": _l("Unit manager"), "teacher": _l("Teacher"),
    "author": _l("Content author"), "organizer": _l("Contest organiser"), "judge": _l("Judge"),
})


def new_session_token() -> str:
    """22 URL-safe characters (128 random bits) naming one generation of a person's sessions."""
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case: students often have no email, so the username is the key.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    # Lower-case, accents removed: lets "nguyen thi hoa" find "Nguyễn Thị Hoà" on any database.
    name_search: Mapped[str] = mapped_column(String(255), default="", server_default="", index=True)
    email: Mapped[str | None] = mapped_column(String(255), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    date_of_birth: Mapped[date | None] = mapped_column()
    kind: Mapped[str] = mapped_column(String(32), default="citizen")
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Set when the password is a one-time code handed out by a teacher or an admin.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    one_time_code_expires_at: Mapped[datetime | None] = mapped_column()
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    deletion_requested_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()
    # Every session cookie carries this token next to the user id (see get_id); replacing it
    # ends every earlier session at once, checked in the user load each request already does
    # (OWASP ASVS V3.3.1/V3.3.3). Renewed whenever the password or the active flag changes.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token, server_default="")

    org: Mapped[Organization | None] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user", foreign_keys="RoleAssignment.user_id", cascade="all, delete-orphan"
    )

    @validates("full_name")
    def _keep_name_search(self, key, value):
        from lms.core.text import fold

        self.name_search = fold(value or "")
        return value

    @validates("password_hash", "active")
    def _end_sessions_on_credential_change(self, key, value):
        # Any path that replaces the password (change, reset, one-time code, deletion) or
        # switches the account off or on ends the sessions opened before, without each
        # caller having to remember to.
        if getattr(self, key) != value:
            self.session_token = new_session_token()
        return value

    def end_sessions(self) -> None:
        """Make every session cookie issued so far for this person invalid."""
        self.session_token = new_session_token()

    def get_id(self) -> str:
        """What Flask-Login stores in the session (and a remember cookie): "<id>:<token>"."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active and self.deleted_at is None

    @property
    def is_admin(self) -> bool:
        return any(r.role == "admin" for r in self.roles)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RoleAssignment(db.Model):
    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    # Contests arrive with the contest module; the id is kept without a foreign key until then.
    contest_id: Mapped[int | None] = mapped_column(index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    # Scope checks need the unit's path with every role: load them together.
    org: Mapped[Organization | None] = relationship(lazy="joined")

    __table_args__ = (
        UniqueConstraint("user_id", "role", "org_id", "contest_id", name="uq_role_assignment_scope"),
    )
