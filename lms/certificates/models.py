"""Certificates: one row per issued version, so a corrected name keeps its serial."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class Certificate(db.Model):
    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), index=True)  # DVC-2026-000123
    version: Mapped[int] = mapped_column(default=1)
    # Random, unguessable code printed in the QR link; one per version.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    # What the document says, frozen at issue time (a later course edit changes nothing).
    full_name: Mapped[str] = mapped_column(String(255))
    course_title: Mapped[str] = mapped_column(String(255))
    completed_on: Mapped[date] = mapped_column()
    score: Mapped[float | None] = mapped_column()
    issuer_name: Mapped[str] = mapped_column(String(255))
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
    template: Mapped[str] = mapped_column(String(64), default="default")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on the older version when a newer one replaces it.
    superseded_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    signature: Mapped[str] = mapped_column(String(200))

    course = relationship("Course")

    __table_args__ = (UniqueConstraint("serial", "version", name="uq_certificate_serial_version"),)

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_at is not None:
            return "superseded"
        return "valid"


class CertificateCounter(db.Model):
    """Per-year serial numbers handed out under a row lock, so two completions in the
    same second never get the same serial."""

    __tablename__ = "certificate_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)
