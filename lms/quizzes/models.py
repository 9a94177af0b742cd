"""Question banks (versioned questions) and attempts.

An attempt stores the exact question versions and option order it drew, and every
answer points at the version it answered, so that editing a bank never changes a
finished attempt; a regrade is an explicit, reported operation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class QuestionBank(db.Model):
    __tablename__ = "question_bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(32), default="file")  # file | upload
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="bank", order_by="Question.position",
        primaryjoin="and_(QuestionBank.id == Question.bank_id, Question.active.is_(True))", viewonly=True,
    )


class Question(db.Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"), index=True)
    # Stable identity across re-imports: the author's id, else a hash of the folded text.
    key: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_version.id", use_alter=True, name="fk_question_current_version_id_question_version")
    )

    bank: Mapped[QuestionBank] = relationship()
    current: Mapped[QuestionVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)

    __table_args__ = (UniqueConstraint("bank_id", "key", name="uq_question_bank_key"),)


class QuestionVersion(db.Model):
    __tablename__ = "question_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # choices, answers, pairs, options
    explanation: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(500), default="")  # ",tag1,tag2,"
    difficulty: Mapped[str | None] = mapped_column(String(16))
    points: Mapped[float] = mapped_column(default=1.0)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    question: Mapped[Question] = relationship(foreign_keys=[question_id])

    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class Attempt(db.Model):
    __tablename__ = "attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    bank_id: Mapped[int] = mapped_column(ForeignKey("question_bank.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"), index=True)
    # Contest rounds arrive with the contest module; the id is kept without a foreign key until then.
    round_id: Mapped[int | None] = mapped_column(index=True)
    purpose: Mapped[str] = mapped_column(String(16), default="course")  # course | contest
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime | None] = mapped_column()
    submitted_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | submitted
    # [{"v": question_version_id, "order": [option indices as shown]}]
    items: Mapped[list] = mapped_column(JSON, default=list)
    score: Mapped[float | None] = mapped_column()
    max_score: Mapped[float | None] = mapped_column()
    percent: Mapped[float | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column()
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    # The browser that holds the attempt, when its round allows one device only.
    device_id: Mapped[str | None] = mapped_column(String(64))
    # Times the page lost focus (tab switch, another app): a flag for organisers, never a penalty.
    focus_losses: Mapped[int] = mapped_column(default=0, server_default="0")
    # Positions (0-based, in ``items``) the learner flagged "review later" in the navigator.
    flagged: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    answers: Mapped[list[AttemptAnswer]] = relationship(back_populates="attempt")
    bank: Mapped[QuestionBank] = relationship()

    __table_args__ = (
        Index("ix_attempt_user_bank", "user_id", "bank_id"),
        # At most one open attempt per learner and bank, even with two tabs racing.
        Index("uq_attempt_one_open", "user_id", "bank_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )


class AttemptEvent(db.Model):
    """What happened to an attempt besides answers: focus lost, taken over by another device."""

    __tablename__ = "attempt_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # focus_lost | device_taken_over
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict | None] = mapped_column(JSON)


class AttemptAnswer(db.Model):
    __tablename__ = "attempt_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"))
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    response: Mapped[dict | list | str | None] = mapped_column(JSON)
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    fraction: Mapped[float | None] = mapped_column()
    points: Mapped[float | None] = mapped_column()

    attempt: Mapped[Attempt] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("attempt_id", "question_version_id", name="uq_attempt_answer_item"),)


class Regrade(db.Model):
    """A record of an admin fixing a wrong key and what it changed."""

    __tablename__ = "regrade"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
