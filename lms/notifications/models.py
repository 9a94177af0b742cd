"""A notice to one person, and which kinds of notice a person wants by which channel."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.timeutil import utcnow
from lms.extensions import db


class NoticeKind(enum.StrEnum):
    """What a notice is about; each kind can be switched off per channel by its reader."""

    ASSIGNMENT_NEW = "assignment_new"      # a course was assigned to the person's class or unit
    DUE_SOON = "due_soon"                  # an assigned course is due in 3 days or fewer
    OVERDUE = "overdue"                    # an assigned course's due date passed, not completed
    ROUND_OPEN = "round_open"              # a contest round the person is registered for opened
    RESULTS_PUBLISHED = "results_published"  # a contest the person took part in published results


class Channel(enum.StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"


class Notification(db.Model):
    """One notice. Its text is rendered when shown or mailed, in the reader's language, from
    ``kind`` and ``params``; ``dedupe_key`` makes creating the same notice twice (two servers,
    a re-run of the daily job) a no-op."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # a NoticeKind value
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # A path inside the site ("/courses/abc"); the mail prefixes PUBLIC_BASE_URL.
    link: Mapped[str] = mapped_column(String(512), default="")
    dedupe_key: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    # Set once the notice went out in a digest, or was decided not to be mailed (no email,
    # email switched off): the digest only looks at rows where this is NULL.
    emailed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key", name="uq_notification_dedupe"),
        Index("ix_notification_user_created", "user_id", "created_at"),
        Index("ix_notification_unmailed", "emailed_at"),
    )


class NotificationSetting(db.Model):
    """A person's choice for one kind and channel; no row means on."""

    __tablename__ = "notification_setting"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
