"""Certificates: one row per issued version, so a corrected name keeps its serial."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
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
    # One of REVOCATION_CATEGORIES: shown publicly and in the status list, where the free-text
    # reason may say more than a stranger needs to know.
    revoked_category: Mapped[str | None] = mapped_column(String(32))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The first version's Ed25519 signature of the statement; "" since documents carry a PAdES
    # signature made when they are downloaded (lms.certificates.pades).
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


# Why a certificate was revoked, in categories a verifier can act on (the free-text reason stays
# for the record). Modelled on RFC 5280's CRLReason, narrowed to what happens to a course
# certificate; keys are stored, labels live in lms.certificates.status.
REVOCATION_CATEGORIES = ("issued_in_error", "wrong_person", "misconduct", "withdrawn", "other")


class SigningKey(db.Model):
    """A key that signs certificate PDFs (PAdES) and Open Badge JWTs.

    Every key ever used stays here, so a document keeps verifying after rotation for the
    period its key was current: [valid_from, valid_until). ``valid_until`` is NULL for the
    current key. The private key is stored encrypted with the deployment's key secret
    (LMS_CERTIFICATE_KEY_SECRET, else SECRET_KEY), so every app server signs with the same key
    and none keeps it in its own instance folder.
    """

    __tablename__ = "certificate_signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(40), unique=True)
    # "ES256" (ECDSA P-256, PAdES and JWT) or "EdDSA" (the former Ed25519 instance key,
    # imported to keep verifying what it signed).
    algorithm: Mapped[str] = mapped_column(String(16))
    public_pem: Mapped[str] = mapped_column(Text)
    # Self-signed X.509 certificate that PDF readers show as the signer; NULL for EdDSA.
    certificate_pem: Mapped[str | None] = mapped_column(Text)
    private_pem: Mapped[str | None] = mapped_column(Text)  # PKCS#8, encrypted
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
