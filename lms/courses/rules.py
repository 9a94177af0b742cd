"""Outcome rules over plain data, tested without a database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class CompletionState:
    lessons_total: int
    lessons_read: int
    has_quiz: bool
    quiz_passed: bool


def is_course_complete(state: CompletionState) -> bool:
    """Complete = every current lesson read, and the course quiz passed when there is one."""
    if state.lessons_total == 0:
        return False
    if state.lessons_read < state.lessons_total:
        return False
    return state.quiz_passed or not state.has_quiz


def progress_percent(lessons_read: int, lessons_total: int, has_quiz: bool, quiz_passed: bool) -> int:
    """Share of the steps done; the quiz counts as one step like a lesson."""
    steps = lessons_total + (1 if has_quiz else 0)
    if steps == 0:
        return 0
    done = min(lessons_read, lessons_total) + (1 if has_quiz and quiz_passed else 0)
    return round(100 * done / steps)


def is_overdue(due_on: date | None, completed_at: datetime | None, today: date) -> bool:
    return due_on is not None and completed_at is None and today > due_on


# What to do next in a course: read, then the quiz, then the certificate (issue 18, fault 5).
NEXT_LESSON = "lesson"
NEXT_QUIZ = "quiz"
NEXT_CERTIFICATE = "certificate"
NEXT_DONE = "done"


@dataclass(frozen=True)
class NextStep:
    """The one thing a course page (and the learner's home) points to.

    ``kind`` is NEXT_LESSON (``lesson_id`` says which), NEXT_QUIZ, NEXT_CERTIFICATE
    (``certificate_id`` says which) or NEXT_DONE. ``resumed``: for a lesson, the learner has
    begun the course ("Continue", not "Start"); for the quiz, she has taken it before and not
    passed ("Try again")."""

    kind: str
    lesson_id: int | None = None
    resumed: bool = False
    certificate_id: int | None = None


def next_step(lesson_ids, read_ids, *, last_opened_id: int | None = None, has_quiz: bool,
              quiz_tried: bool = False, quiz_passed: bool = False,
              certificate_id: int | None = None) -> NextStep:
    """The next step of one learner in one course.

    ``lesson_ids``: the course's current lessons in reading order; ``read_ids``: those she
    has marked read (any iterable; ids of retired lessons are ignored); ``last_opened_id``:
    the lesson she opened last (``Enrollment.last_lesson_id``), if any. ``quiz_tried`` /
    ``quiz_passed``: a graded attempt of the course quiz exists / one passed
    (``Enrollment.quiz_score`` set / ``Enrollment.quiz_passed_at`` set). ``certificate_id``:
    her valid certificate for the course, if one was issued.

    In order: an unread lesson (the one she last opened if still unread, else the first
    unread one), then the quiz until it is passed, then the certificate, then done. A lesson
    added after she finished comes first again, like any unread lesson. The order is the
    completion rule's (``is_course_complete``): every lesson read and the quiz passed."""
    read = set(read_ids)
    unread = [lesson_id for lesson_id in lesson_ids if lesson_id not in read]
    if unread:
        lesson_id = last_opened_id if last_opened_id in unread else unread[0]
        begun = last_opened_id is not None or len(unread) < len(lesson_ids)
        return NextStep(NEXT_LESSON, lesson_id=lesson_id, resumed=begun)
    if has_quiz and not quiz_passed:
        return NextStep(NEXT_QUIZ, resumed=quiz_tried)
    if certificate_id is not None:
        return NextStep(NEXT_CERTIFICATE, certificate_id=certificate_id)
    return NextStep(NEXT_DONE)


def step_after_reading(lesson_ids, read_ids, lesson_id: int, *, has_quiz: bool,
                       quiz_tried: bool = False, quiz_passed: bool = False,
                       certificate_id: int | None = None) -> NextStep:
    """Where the lesson page's "I have read this lesson" button leads once lesson
    ``lesson_id`` is marked read (arguments as for ``next_step``).

    The lesson after it in reading order when there is one (NEXT_LESSON, ``resumed`` True),
    whether read or not: the learner reads on. On the last lesson, ``next_step`` with this
    lesson counted as read: an earlier unread lesson, else the quiz until it is passed, else
    the certificate, else NEXT_DONE (the course completes on this click, and its certificate
    is issued only then). Issue 18: the last lesson's button said "next lesson" with none."""
    ids = list(lesson_ids)
    if lesson_id in ids and ids.index(lesson_id) + 1 < len(ids):
        return NextStep(NEXT_LESSON, lesson_id=ids[ids.index(lesson_id) + 1], resumed=True)
    return next_step(ids, set(read_ids) | {lesson_id}, last_opened_id=None, has_quiz=has_quiz,
                     quiz_tried=quiz_tried, quiz_passed=quiz_passed, certificate_id=certificate_id)


# --- due dates on the learner's home ---------------------------------------------------

# "Due soon" covers the last days before the due date: the same 3 days after which the
# reminders of issue 18 write to the learner.
DUE_SOON_DAYS = 3
DUE_OVERDUE = "overdue"
DUE_SOON = "soon"
DUE_LATER = "later"


def due_state(due_on: date | None, completed: bool, today: date) -> str | None:
    """How an assigned course's due date stands on ``today`` (a Vietnam calendar day, as the
    teacher's report reads it): DUE_OVERDUE after the due date (``is_overdue``), DUE_SOON on
    it or up to DUE_SOON_DAYS before, DUE_LATER before that; None without a due date or
    once the course is completed."""
    if due_on is None or completed:
        return None
    if today > due_on:
        return DUE_OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return DUE_SOON
    return DUE_LATER


def home_order(due: str | None, due_on: date | None, assigned: bool, completed: bool) -> tuple:
    """Sort key of a course on the learner's home: what needs doing first. Overdue, then due
    soon, then later due dates (earliest first), then assigned without a date, then courses
    she began herself; completed ones last."""
    rank = {DUE_OVERDUE: 0, DUE_SOON: 1, DUE_LATER: 2}.get(due, 3 if assigned else 4)
    return (completed, rank, due_on or date.max)


# --- dated content (issue 19) --------------------------------------------------------------

FACTS_AS_OF_RE = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
# A lesson's facts (laws, app labels, hotlines) are re-checked at least once a year: the
# Luật Bảo vệ dữ liệu cá nhân replaced a decree within 30 months of it, and local government
# was reorganised in 2025, so a two-year-old lesson on public services is likely wrong.
STALE_AFTER_MONTHS = 12


def parse_facts_as_of(value: str) -> tuple[int, int] | None:
    """``"2026-11"`` → ``(2026, 11)``; None for anything else (a day, a year alone, "11/2026")."""
    m = FACTS_AS_OF_RE.match(value.strip()) if isinstance(value, str) else None
    return (int(m.group("year")), int(m.group("month"))) if m else None


def facts_age_months(facts_as_of: str, today: date) -> int | None:
    """Whole months from the month the facts were checked to ``today``'s month: 2025-11 on
    2026-11-30 is 12. None if ``facts_as_of`` is not ``YYYY-MM``. Negative in the future."""
    parsed = parse_facts_as_of(facts_as_of)
    if parsed is None:
        return None
    year, month = parsed
    return (today.year - year) * 12 + (today.month - month)


def facts_are_stale(facts_as_of: str | None, today: date, limit: int = STALE_AFTER_MONTHS) -> bool:
    """True when the facts were checked more than ``limit`` months before ``today``'s month
    (12 months old is still fresh: a lesson checked in 11/2025 is due in 12/2026)."""
    age = facts_age_months(facts_as_of or "", today)
    return age is not None and age > limit


def content_version(available: list[str], chosen: str | None, ui_language: str, course_language: str) -> str:
    """Which language version of a lesson to show.

    ``available``: the lesson's translations (language tags); ``chosen``: the version the
    learner picked on a lesson page (kept in the session); ``ui_language``: the interface
    language. The learner's pick wins where that version exists, then the interface language,
    then the course's own language: a missing translation never hides the lesson."""
    if chosen and (chosen in available or chosen == course_language):
        return chosen
    if ui_language in available:
        return ui_language
    return course_language
