"""Judged rounds: submissions, rubric criteria, judge assignments and scores.

A judged round (``ContestRound.kind == "judged"``) collects one communication product per
registration, assigns each to several judges (never one from the participant's own unit),
and turns the judges' rubric scores into the ``RoundEntry.score`` every ranking already reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.i18n import register_labels
from lms.core.timeutil import utcnow
from lms.extensions import db

if TYPE_CHECKING:
    from lms.auth.models import User

SUBMISSION_KINDS = ("link", "article", "file")
SUBMISSION_KIND_LABELS = register_labels("submission_kind", {
    "link": _l("Video link"), "article": _l("Article"), "file": _l("Image or PDF file")})


def config_defaults() -> dict:
    """The settings of a round nobody has configured: the one place they are written down."""
    return {"judges_per_entry": 2, "blind": True, "accepted_kinds": list(SUBMISSION_KINDS), "max_upload_mb": 10}


class JudgingConfig(db.Model):
    """Per-round judging settings; absent means ``config_defaults()``. A new object starts
    with the defaults, so a round without a row reads the same as one saved untouched."""

    __tablename__ = "judging_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id"), unique=True)
    judges_per_entry: Mapped[int] = mapped_column()
    # Blind: judges see a random code instead of the participant's name, unit and file name.
    blind: Mapped[bool] = mapped_column()
    # Subset of SUBMISSION_KINDS, e.g. ["link", "file"].
    accepted_kinds: Mapped[list] = mapped_column(JSON)
    max_upload_mb: Mapped[int] = mapped_column()
    # Set once the scores are written to the round entries; scores are frozen after that.
    finalised_at: Mapped[datetime | None] = mapped_column()

    def __init__(self, **values):
        super().__init__(**{**config_defaults(), **values})


class JudgingCriterion(db.Model):
    __tablename__ = "judging_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[float] = mapped_column(default=10.0)
    weight: Mapped[float] = mapped_column(default=1.0)


class ContestJudge(db.Model):
    __tablename__ = "contest_judge"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A removed judge who had scored stays (their scores keep an accountable author) but is
    # no longer given entries; one who had scored nothing is deleted outright.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("contest_id", "user_id", name="uq_contest_judge_contest_user"),)


class Submission(db.Model):
    """One participant's product for one round (replaced in place until the round closes)."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    # Random public code ("B7K2QX"): what judges see and what URLs carry, in blind mode too.
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # link | article | file
    url: Mapped[str | None] = mapped_column(String(2000))
    article_md: Mapped[str | None] = mapped_column(Text)
    article_html: Mapped[str | None] = mapped_column(Text)
    # Random name under <instance>/uploads/judging/<round_id>/; never the user's file name.
    stored_name: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int | None] = mapped_column()
    sha256: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignments: Mapped[list[JudgeAssignment]] = relationship(back_populates="submission",
                                                              order_by="JudgeAssignment.id")

    __table_args__ = (UniqueConstraint("round_id", "registration_id", name="uq_submission_round_registration"),)


class JudgeAssignment(db.Model):
    __tablename__ = "judge_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="assignments")
    score: Mapped[JudgeScore | None] = relationship(back_populates="assignment", uselist=False)

    __table_args__ = (UniqueConstraint("submission_id", "judge_id", name="uq_judge_assignment_submission_judge"),)


class JudgeScore(db.Model):
    __tablename__ = "judge_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("judge_assignment.id"), unique=True)
    # {"<criterion id>": points}
    points: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str] = mapped_column(Text, default="")
    weighted_score: Mapped[float] = mapped_column()  # 0..100
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignment: Mapped[JudgeAssignment] = relationship(back_populates="score")
