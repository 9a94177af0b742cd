"""The organisation tree: ministries, provinces, communes, agencies, schools, classes."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.i18n import register_labels
from lms.core.timeutil import utcnow
from lms.extensions import db

ORG_KINDS = (
    "ministry",
    "province",
    "department",
    "district",
    "commune",
    "agency",
    "school",
    "class",
    "other",
)
# What pages call each kind (never the code itself); also the choices of the unit forms.
ORG_KIND_LABELS = register_labels("org_kind", {
    "ministry": _l("Ministry"), "province": _l("Province / city"), "department": _l("Department"),
    "district": _l("District (before 2025)"), "commune": _l("Commune / ward"), "agency": _l("Agency"),
    "school": _l("School"), "class": _l("Class"), "other": _l("Other"),
})

# Binary ("C") collation on PostgreSQL so that range scans over the materialised path
# compare bytes, as SQLite does; a locale collation would ignore the "/" separators.
PathString = String(1024).with_variant(String(1024, collation="C"), "postgresql")


class Organization(db.Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # What boards and narrow tables show ("THPT Chu Văn An"); the name when empty.
    short_name: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    # Materialised path of ids, e.g. "/1/7/42/": a subtree is one index range scan.
    path: Mapped[str] = mapped_column(PathString, default="", index=True)
    depth: Mapped[int] = mapped_column(default=0)
    headcount: Mapped[int | None] = mapped_column()
    join_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organization | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Organization]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Organization.name"
    )
    merged_into: Mapped[Organization | None] = relationship(remote_side=[id], foreign_keys=[merged_into_id])

    __table_args__ = (Index("ix_organization_kind_active", "kind", "active"),)

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class HeadcountChange(db.Model):
    """Every headcount a unit has had, from when it held: a contest's collective ranking uses
    the headcount of the moment its first round opened (lms.orgs.services.headcount_as_of),
    so a change made during a contest never moves its rates."""

    __tablename__ = "org_headcount"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    headcount: Mapped[int | None] = mapped_column()
    effective_at: Mapped[datetime] = mapped_column(default=utcnow)  # UTC
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_org_headcount_org_effective", "org_id", "effective_at"),)
