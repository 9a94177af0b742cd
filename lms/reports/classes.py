"""A class as its teacher works with it: the printable class list, and one learner's course
progress, quiz attempts and answers (the class report's drill-down).

Reads only; the views check scope first (``reports.view_unit`` on the class,
``reports.view_learner`` on the learner).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.text import vietnamese_sort_key
from lms.courses.models import Course, Enrollment, Lesson, LessonProgress
from lms.extensions import db
from lms.orgs.models import Organization
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt
from lms.quizzes.services import PaperItem
from lms.reports.services import ClassMatrix, MatrixRow, class_matrix, learner_sort_key


@dataclass
class RosterLine:
    """One person of a class list; ``progress`` in the course shown (None: no course)."""

    user_id: int
    full_name: str
    username: str
    date_of_birth: date | None
    progress: MatrixRow | None


def class_roster(org: Organization, course_id: int | None = None,
                 sort: str = "given") -> tuple[ClassMatrix, list[RosterLine]]:
    """The people placed in ``org`` (not its sub-units) in ``sort`` order
    (``learner_sort_key``), each with their row of the class matrix for the course shown
    (``class_matrix``'s choice when ``course_id`` is None). Two queries more than the matrix."""
    matrix = class_matrix(org, course_id, sort)
    progress = {row.user_id: row for row in matrix.rows}
    people = db.session.execute(
        select(User.id, User.full_name, User.username, User.date_of_birth)
        .where(User.org_id == org.id, User.deleted_at.is_(None))).all()
    lines = [RosterLine(p.id, p.full_name, p.username, p.date_of_birth, progress.get(p.id)) for p in people]
    lines.sort(key=learner_sort_key(sort))
    return matrix, lines


# --- one learner -------------------------------------------------------------------------------


@dataclass
class CourseLine:
    """A course the learner has opened: lessons read of the active ones, completion, score."""

    course: Course
    lessons_read: int
    lessons_total: int
    completed_at: datetime | None  # UTC
    score: float | None


@dataclass
class AttemptLine:
    """One course-quiz attempt; ``duration`` from start to hand-in (None while open)."""

    attempt: Attempt
    title: str
    duration: timedelta | None


def learner_courses(user: User) -> list[CourseLine]:
    """The courses ``user`` is enrolled in, by title (Vietnamese order), with progress."""
    enrollments = list(db.session.scalars(select(Enrollment).where(Enrollment.user_id == user.id)))
    if not enrollments:
        return []
    course_ids = [e.course_id for e in enrollments]
    totals = dict(db.session.execute(
        select(Lesson.course_id, func.count(Lesson.id))
        .where(Lesson.course_id.in_(course_ids), Lesson.active.is_(True)).group_by(Lesson.course_id)).all())
    read = dict(db.session.execute(
        select(Lesson.course_id, func.count(LessonProgress.id))
        .join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, LessonProgress.read_at.is_not(None), Lesson.active.is_(True),
               Lesson.course_id.in_(course_ids)).group_by(Lesson.course_id)).all())
    lines = [CourseLine(e.course, read.get(e.course_id, 0), totals.get(e.course_id, 0), e.completed_at,
                        e.score if e.score is not None else e.quiz_score) for e in enrollments]
    return sorted(lines, key=lambda line: vietnamese_sort_key(line.course.title, numeric=True))


def learner_attempts(user: User) -> list[AttemptLine]:
    """The learner's course-quiz attempts, newest first. Contest attempts are left out: they
    belong to the contest's organisers (its integrity report), and a running round's answers
    must not travel through a teacher's page."""
    attempts = list(db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.purpose == "course")
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())))
    course_ids = {a.course_id for a in attempts if a.course_id is not None}
    titles = dict(db.session.execute(select(Course.id, Course.title).where(Course.id.in_(course_ids))).all()) \
        if course_ids else {}
    return [AttemptLine(a, titles.get(a.course_id) or a.bank.title,
                        a.submitted_at - a.started_at if a.submitted_at is not None else None) for a in attempts]


def teacher_sees(*, submitted: bool, sealed_for_viewer: bool, learner_sees_keys: bool) -> tuple[bool, bool]:
    """What a teacher is shown of an attempt's answers besides the answers themselves:
    (whether each answer was right, the right answers).

    Nothing while the attempt is open (it is not graded yet). While a contest round draws on
    the bank and the viewer is outside it (``lms.quizzes.rules.seal_until``), neither: a
    verdict next to an answer gives the key away. Otherwise the verdicts, which are what a
    teacher needs to help; the right answers only when the learner may see them too (the
    bank's "review" setting), so a teacher's screen never shows a key the bank keeps hidden."""
    if not submitted or sealed_for_viewer:
        return False, False
    return True, learner_sees_keys


@dataclass
class AnswerSheet:
    """An attempt's paper as the learner saw it, with their answers, for a teacher."""

    paper: list[PaperItem]
    verdicts: bool  # show whether each answer was right
    keys: bool  # show the right answers
    sealed_until: datetime | None  # verdicts hidden until then (UTC) by a running contest round


def answer_sheet(attempt: Attempt, viewer, now: datetime | None = None) -> AnswerSheet:
    """The paper and answers of ``attempt`` with what ``viewer`` may see (``teacher_sees``)."""
    bank = attempt.bank
    sealed = quiz_services.bank_seal(attempt.bank_id, viewer, now)
    learner = quiz_services.review_answers(attempt, bank, now)
    verdicts, keys = teacher_sees(submitted=attempt.status == "submitted", sealed_for_viewer=sealed is not None,
                                  learner_sees_keys=learner.shown)
    return AnswerSheet(quiz_services.attempt_paper(attempt), verdicts, keys, sealed)


# --- a list of people in class-list order, a page at a time ------------------------------------


@dataclass
class PeoplePage:
    """One page of a list ordered in Python (by given name, which SQL cannot order by): the
    attributes of Flask-SQLAlchemy's Pagination that templates read (the ``pager`` macro)."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def given_name_page(stmt, page: int, per_page: int = 50) -> PeoplePage:
    """Page ``page`` (from 1; out of range: the last) of the users ``stmt`` (a ``select(User)``
    with its filters) selects, ordered by given name (``learner_sort_key("given")``).

    Two queries: every matching (id, full name, username), sorted here, then the page's users
    with whatever ``stmt`` loads with them. Fine for a unit's people (thousands); a whole
    province sorted this way costs a few hundred milliseconds."""
    ordered = sorted(db.session.execute(stmt.with_only_columns(User.id, User.full_name, User.username)
                                        .options()).all(), key=learner_sort_key("given"))
    total = len(ordered)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    ids = [row.id for row in ordered[(page - 1) * per_page:page * per_page]]
    users = {u.id: u for u in db.session.scalars(stmt.where(User.id.in_(ids))).unique()} if ids else {}
    return PeoplePage([users[i] for i in ids if i in users], page, per_page, total)
