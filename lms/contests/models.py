"""Contests ("hội thi"): rounds, and the people registered for them."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.i18n import register_labels
from lms.core.timeutil import utcnow
from lms.extensions import db

# What the public leaderboard shows of each participant: name and unit, name only, or
# initials and unit (for pupils). Organisers and the report always see everything.
PUBLIC_BOARD_CHOICES = ("name_and_unit", "name", "initials_and_unit")
PUBLIC_BOARD_LABELS = register_labels("public_board", {
    "name_and_unit": _l("Full name and unit"), "name": _l("Full name only"),
    "initials_and_unit": _l("Initials of the name and unit (for pupils)")})
# Contest.status, ContestRound.kind and ContestRound.counting as pages name them.
CONTEST_STATUS_LABELS = register_labels("contest_status", {
    "draft": _l("Draft (hidden)"), "open": _l("Open for registration"), "closed": _l("Closed"),
    "published": _l("Published")})
ROUND_KIND_LABELS = register_labels("round_kind", {"quiz": _l("Quiz"), "judged": _l("Judged (submitted work)")})
COUNTING_LABELS = register_labels("round_counting", {"best": _l("Best"), "first": _l("First"), "last": _l("Last")})


class Contest(db.Model):
    __tablename__ = "contest"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    rules_md: Mapped[str] = mapped_column(Text, default="")
    rules_html: Mapped[str] = mapped_column(Text, default="")
    # None: open to the public; otherwise people of this unit's subtree only.
    scope_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    # {"date_of_birth": true, "phone": true, "school": false, ...}: field -> required
    registration_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | open | closed | published
    # How many first/second/third/consolation prizes, and collective prizes at which unit level.
    prize_settings: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    published_at: Mapped[datetime | None] = mapped_column()
    # One of PUBLIC_BOARD_CHOICES.
    public_board: Mapped[str] = mapped_column(String(24), default="name_and_unit", server_default="name_and_unit")
    # Set when published results are withdrawn, so the award page can say why.
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rounds: Mapped[list[ContestRound]] = relationship(back_populates="contest", order_by="ContestRound.position")


class ContestRound(db.Model):
    __tablename__ = "contest_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(String(16), default="quiz")  # quiz | judged
    title: Mapped[str] = mapped_column(String(255))
    # Stored in UTC; shown in Vietnam time.
    opens_at: Mapped[datetime] = mapped_column()
    closes_at: Mapped[datetime] = mapped_column()
    bank_id: Mapped[int | None] = mapped_column(ForeignKey("question_bank.id"))
    draw: Mapped[int | None] = mapped_column()
    time_limit_minutes: Mapped[int | None] = mapped_column()
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    counting: Mapped[str] = mapped_column(String(8), default="best")
    tiebreaker_question: Mapped[str | None] = mapped_column(String(500))
    tiebreaker_answer: Mapped[int | None] = mapped_column()  # the true count, set after closing
    hide_results_until_close: Mapped[bool] = mapped_column(default=True)
    freeze_minutes: Mapped[int] = mapped_column(default=0)
    weight: Mapped[float] = mapped_column(default=1.0)
    # Bumped by everything but a new result that changes the board (settings, true count,
    # regrade, publication): read from the database, so every worker and server agrees.
    board_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # One active device per participant: a sign-in elsewhere takes the attempt over.
    one_device: Mapped[bool] = mapped_column(default=False, server_default=text("false"))

    contest: Mapped[Contest] = relationship(back_populates="rounds")


class Registration(db.Model):
    __tablename__ = "registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    full_name: Mapped[str] = mapped_column(String(255))
    date_of_birth: Mapped[date | None] = mapped_column()
    phone: Mapped[str | None] = mapped_column(String(32))
    school: Mapped[str | None] = mapped_column(String(255))
    class_name: Mapped[str | None] = mapped_column(String(64))
    unit_name: Mapped[str | None] = mapped_column(String(255))
    # Same name, birth date and phone as an earlier registration: flagged for the organiser.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"))
    identity_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("contest_id", "user_id", name="uq_registration_contest_user"),)


class RoundEntry(db.Model):
    """One registered participant in one round: the prediction and the result that counts."""

    __tablename__ = "round_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_round.id"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    prediction: Mapped[int | None] = mapped_column()
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempt.id"))
    score: Mapped[float | None] = mapped_column()
    seconds_taken: Mapped[float | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    # The ranking keys at the precision the board shows (lms.contests.ranking.score_key and
    # time_key): minus the score in hundredths of a percent (so the whole key ascends: one
    # plain index serves the board on both databases) and tenths of a second. The board is
    # read in ranking order from the index and never ranks on a difference nobody can see.
    score_key: Mapped[int | None] = mapped_column()
    time_key: Mapped[int | None] = mapped_column()
    # When the result last changed: the newest one is the live board's version.
    changed_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("round_id", "registration_id", name="uq_round_entry_round_registration"),
        Index("ix_round_entry_board", "round_id", "score_key", "time_key", "submitted_at"),
        Index("ix_round_entry_changed", "round_id", "changed_at"),
    )


class Award(db.Model):
    """A prize as published: frozen at publication, so later edits never change an award already
    announced (and printed). ``code`` lets anyone check a printed certificate of award."""

    __tablename__ = "contest_award"
    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contest.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # individual | collective
    prize: Mapped[str] = mapped_column(String(16))  # first | second | third | consolation
    rank: Mapped[int] = mapped_column()
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registration.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(255))  # the participant's or the unit's name, as published
    unit_name: Mapped[str | None] = mapped_column(String(255))
    score: Mapped[float | None] = mapped_column()
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnswerLog(db.Model):
    """Every answer saved in a contest attempt, in order, with where it came from: the attempt
    keeps only the latest answer per question, the log keeps the history disputes need."""

    __tablename__ = "contest_answer_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    question_version_id: Mapped[int] = mapped_column()
    response: Mapped[dict | list | str | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column()
    ip: Mapped[str | None] = mapped_column(String(45))
