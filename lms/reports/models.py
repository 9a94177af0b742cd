"""Report settings and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization


class ApiToken(db.Model):
    """A bearer token a provincial dashboard uses to pull figures for one subtree.

    Only a SHA-256 hash of the secret is stored: a leaked database backup must not
    hand out working tokens.  The secret has 256 bits of entropy, so a plain (unsalted,
    fast) hash is enough and lets authentication be a single indexed lookup.  The
    prefix is not secret: it is what admins see in lists and audit entries to tell
    tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Scope root; NULL only for a global token owned by an admin.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    org: Mapped[Organization | None] = relationship()
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    def is_live(self, now: datetime | None = None) -> bool:
        """Not revoked and not expired; the owner's standing is checked by the service."""
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class PublicRanking(db.Model):
    """Which levels of one subtree a manager chose to publish on the public ranking.

    Nothing is public by default: a unit appears on /ranking only after a manager of
    (an ancestor of) it ticks its level here.  One row per published root.
    """

    __tablename__ = "public_ranking"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), unique=True)
    # Organisation kinds ranked publicly under this root, e.g. ["commune", "school"].
    kinds: Mapped[list] = mapped_column(JSON, default=list)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    org: Mapped[Organization] = relationship()
    updated_by: Mapped[User | None] = relationship()
