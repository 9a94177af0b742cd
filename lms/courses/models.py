"""Courses and lessons (loaded from Markdown), and what learners do with them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db


class Course(db.Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text, default="")
    # ",civil_servant,student," so one LIKE filters by audience on every database.
    audience: Mapped[str] = mapped_column(String(100), default="")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    estimated_minutes: Mapped[int | None] = mapped_column()
    quiz_slug: Mapped[str | None] = mapped_column(String(100))
    pass_score: Mapped[int] = mapped_column(default=70)
    certificate: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    # The school curriculum topic a class pack serves ("Tin học 9 – Chủ đề D …"), or "".
    curriculum: Mapped[str] = mapped_column(String(500), default="")
    # "standard" or "steps" (one step per screen, large type: content.LAYOUTS).
    layout: Mapped[str] = mapped_column(String(20), default="standard")
    intro_html: Mapped[str] = mapped_column(Text, default="")
    # teacher-guide.md rendered: shown to teachers, managers and authors only.
    teacher_html: Mapped[str] = mapped_column(Text, default="")
    # {"en": {"title": ..., "summary": ..., "intro_html": ...}}
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    # Accent-folded title, summary and lesson titles: "dich vu cong" finds "dịch vụ công".
    search_text: Mapped[str] = mapped_column(Text, default="")
    lesson_count: Mapped[int] = mapped_column(default=0)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(default=True)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="course", order_by="Lesson.position",
        primaryjoin="and_(Course.id == Lesson.course_id, Lesson.active.is_(True))", viewonly=True,
    )

    def audiences(self) -> list[str]:
        return [a for a in self.audience.split(",") if a]

    def localized(self, lang: str, key: str):
        return (self.translations or {}).get(lang, {}).get(key) or getattr(self, key)


class Lesson(db.Model):
    __tablename__ = "lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(255))
    minutes: Mapped[int | None] = mapped_column()
    # "YYYY-MM": the month the facts were last checked (shown on the page; check-content
    # warns after 12 months); sources: where they were checked.
    facts_as_of: Mapped[str | None] = mapped_column(String(7))
    sources: Mapped[list] = mapped_column(JSON, default=list)
    html: Mapped[str] = mapped_column(Text, default="")
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # A lesson removed from the files stays (inactive) so that progress records survive.
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()

    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_lesson_course_slug"),)

    def localized(self, lang: str, key: str):
        return (self.translations or {}).get(lang, {}).get(key) or getattr(self, key)


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
    seconds_spent: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_lesson"),)


class Enrollment(db.Model):
    """One learner in one course: where to resume, the quiz result, and completion."""

    __tablename__ = "enrollment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lesson.id"))
    quiz_score: Mapped[float | None] = mapped_column()
    quiz_passed_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    score: Mapped[float | None] = mapped_column()
    course_version: Mapped[int | None] = mapped_column()

    course: Mapped[Course] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrollment_user_course"),)


class Assignment(db.Model):
    """A course assigned to a class (by its teacher) or an agency subtree (by its manager)."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()

    __table_args__ = (UniqueConstraint("course_id", "org_id", name="uq_assignment_course_org"),)


class LessonFeedback(db.Model):
    __tablename__ = "lesson_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published: Mapped[bool] = mapped_column(default=False)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("lesson_id", "user_id", name="uq_lesson_feedback_lesson_user"),
        Index("ix_lesson_feedback_published", "published"),
    )
