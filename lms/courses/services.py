"""Learning rules: catalogue, progress, completion, assignments, feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, load_only

from lms.audit.services import record_audit
from lms.core.errors import NotFound, ServiceError
from lms.core.text import fold, nfc
from lms.core.timeutil import utcnow, vn_today
from lms.courses.languages import language_name
from lms.courses.models import (
    Assignment,
    Course,
    Enrollment,
    Lesson,
    LessonFeedback,
    LessonProgress,
)
from lms.courses.rules import (
    CompletionState,
    NextStep,
    content_version,
    due_state,
    facts_are_stale,
    home_order,
    is_course_complete,
    next_step,
    progress_percent,
    step_after_reading,
)
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import register_org_reference

register_org_reference(Assignment.org_id)

MAX_SECONDS_PER_VIEW = 2 * 3600  # a tab left open overnight is not study time


def get_course(slug: str) -> Course:
    course = db.session.scalar(select(Course).where(Course.slug == slug, Course.active.is_(True)))
    if course is None:
        raise NotFound(_l("No such course."))
    return course


def get_lesson(course: Course, slug: str) -> Lesson:
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.course_id == course.id, Lesson.slug == slug, Lesson.active.is_(True))
    )
    if lesson is None:
        raise NotFound(_l("No such lesson."))
    return lesson


def courses_using_banks(bank_slugs=None) -> dict[str, list[Course]]:
    """Active courses whose quiz is one of ``bank_slugs`` (an iterable of bank slugs; every
    bank when None), as ``{bank slug: [Course, ...]}`` sorted by title; banks no active course
    uses are absent. One query.

    A contest round seals the keys of the bank it draws from while it is scheduled or running
    (``lms.quizzes.rules.seal_until``), and with them that course quiz's answers, explanations,
    scores and practice; the organiser's round page uses this to say which courses that hits."""
    stmt = select(Course).where(Course.active.is_(True), Course.quiz_slug.is_not(None))
    if bank_slugs is not None:
        wanted = [s for s in set(bank_slugs) if s]
        if not wanted:
            return {}
        stmt = stmt.where(Course.quiz_slug.in_(wanted))
    found: dict[str, list[Course]] = {}
    for course in db.session.scalars(stmt.order_by(Course.title, Course.id)):
        found.setdefault(course.quiz_slug, []).append(course)
    return found


def catalogue(query: str | None = None, audience: str | None = None) -> list[Course]:
    """Active courses, optionally filtered; accents are optional in the query."""
    stmt = select(Course).where(Course.active.is_(True))
    if audience:
        stmt = stmt.where(Course.audience.like(f"%,{audience},%"))
    if query and query.strip():
        for word in fold(query).split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Course.search_text.like(f"%{escaped}%", escape="\\"))
    return list(db.session.scalars(stmt.order_by(Course.title)))


# --- progress -----------------------------------------------------------------------


def _enrollment(user, course: Course, create: bool = True) -> Enrollment | None:
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    )
    if enrollment is None and create:
        enrollment = Enrollment(user_id=user.id, course_id=course.id)
        try:
            with db.session.begin_nested():
                db.session.add(enrollment)
        except IntegrityError:  # the same learner in two tabs
            enrollment = db.session.scalar(
                select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
            )
    return enrollment


def _progress_row(user, lesson: Lesson) -> LessonProgress:
    row = db.session.scalar(
        select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
    )
    if row is None:
        row = LessonProgress(user_id=user.id, lesson_id=lesson.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            row = db.session.scalar(
                select(LessonProgress).where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
            )
    return row


def record_lesson_opened(user, lesson: Lesson) -> LessonProgress:
    enrollment = _enrollment(user, lesson.course)
    enrollment.last_lesson_id = lesson.id
    row = _progress_row(user, lesson)
    row.last_opened_at = utcnow()
    db.session.flush()
    return row


def mark_lesson_read(user, lesson: Lesson, seconds: int | None = None) -> Enrollment:
    """Record the lesson as read (with the time spent) and complete the course if that was the last step."""
    enrollment = _enrollment(user, lesson.course)
    row = _progress_row(user, lesson)
    now = utcnow()
    if seconds is None:
        seconds = int((now - row.last_opened_at).total_seconds())
    row.seconds_spent += max(0, min(int(seconds), MAX_SECONDS_PER_VIEW))
    if row.read_at is None:
        row.read_at = now
    enrollment.last_lesson_id = lesson.id
    db.session.flush()
    update_completion(user, lesson.course, enrollment)
    return enrollment


@dataclass
class CourseProgress:
    lessons_total: int
    read_lesson_ids: set[int]
    enrollment: Enrollment | None

    @property
    def lessons_read(self) -> int:
        return len(self.read_lesson_ids)


def course_progress(user, course: Course) -> CourseProgress:
    lesson_ids = [lesson.id for lesson in course.lessons]
    read = set()
    if lesson_ids:
        read = set(db.session.scalars(
            select(LessonProgress.lesson_id).where(
                LessonProgress.user_id == user.id, LessonProgress.lesson_id.in_(lesson_ids),
                LessonProgress.read_at.is_not(None),
            )
        ))
    return CourseProgress(len(lesson_ids), read, _enrollment(user, course, create=False))


def progress_by_course(user, courses: list[Course]) -> dict[int, tuple[int, Enrollment | None]]:
    """Lessons read and enrollment per course, in two queries whatever the number of courses."""
    ids = [c.id for c in courses]
    if not ids:
        return {}
    counts = dict(db.session.execute(
        select(Lesson.course_id, func.count(LessonProgress.id))
        .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
        .where(Lesson.course_id.in_(ids), Lesson.active.is_(True), LessonProgress.user_id == user.id,
               LessonProgress.read_at.is_not(None))
        .group_by(Lesson.course_id)
    ).all())
    enrollments = {e.course_id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id.in_(ids)))}
    return {cid: (counts.get(cid, 0), enrollments.get(cid)) for cid in ids}


def update_completion(user, course: Course, enrollment: Enrollment | None = None) -> bool:
    """Apply the completion rule; completion is recorded once, with its date and score."""
    enrollment = enrollment or _enrollment(user, course)
    if enrollment.completed_at is not None:
        return True
    progress = course_progress(user, course)
    state = CompletionState(
        lessons_total=progress.lessons_total, lessons_read=progress.lessons_read,
        has_quiz=bool(course.quiz_slug), quiz_passed=enrollment.quiz_passed_at is not None,
    )
    if not is_course_complete(state):
        return False
    enrollment.completed_at = utcnow()
    enrollment.score = enrollment.quiz_score
    enrollment.course_version = course.version
    db.session.flush()
    for hook in COMPLETION_HOOKS:
        hook(user, course, enrollment)
    return True


# Later areas (certificates) react to a completion without this module knowing them.
COMPLETION_HOOKS: list = []


def record_quiz_result(user, course: Course, score: float, passed: bool) -> Enrollment:
    """Called by the quiz area when the course quiz is graded, with the score that counts."""
    enrollment = _enrollment(user, course)
    enrollment.quiz_score = score  # the attempt that counts under the bank's grading policy
    if passed and enrollment.quiz_passed_at is None:
        enrollment.quiz_passed_at = utcnow()
    db.session.flush()
    update_completion(user, course, enrollment)
    return enrollment


# --- the next step --------------------------------------------------------------------


@dataclass
class LearnerCourse:
    """One course as one learner stands in it: what the course page's main button and the
    learner's home show. ``lesson`` is the lesson of a NEXT_LESSON step (None otherwise)."""

    course: Course
    lessons_read: int
    percent: int
    enrollment: Enrollment | None
    step: NextStep
    lesson: Lesson | None = None


def _valid_certificates(user_id: int, course_ids: list[int]) -> dict[int, int]:
    """{course id: id of the learner's valid certificate} (not revoked, not superseded).

    The certificates area builds on this one (it issues on completion through
    COMPLETION_HOOKS), so its table is read here without importing it at load time."""
    from lms.certificates.models import Certificate

    return dict(db.session.execute(
        select(Certificate.course_id, Certificate.id).where(
            Certificate.user_id == user_id, Certificate.course_id.in_(course_ids),
            Certificate.revoked_at.is_(None), Certificate.superseded_at.is_(None))
        .order_by(Certificate.id)).all())


def learner_courses(user, courses: list[Course]) -> dict[int, LearnerCourse]:
    """{course id: LearnerCourse} for a signed-in ``user`` and the given active courses, in
    four queries whatever their number: lessons, lessons read, enrollments, certificates.
    The step comes from ``rules.next_step``, the percentage from ``rules.progress_percent``."""
    ids = [c.id for c in courses]
    if not ids:
        return {}
    lessons: dict[int, list[Lesson]] = {cid: [] for cid in ids}
    for lesson in db.session.scalars(
            select(Lesson).options(load_only(Lesson.id, Lesson.course_id, Lesson.slug, Lesson.title,
                                             Lesson.translations, Lesson.position))
            .where(Lesson.course_id.in_(ids), Lesson.active.is_(True)).order_by(Lesson.position, Lesson.id)):
        lessons[lesson.course_id].append(lesson)
    read = set(db.session.scalars(
        select(LessonProgress.lesson_id).join(Lesson, Lesson.id == LessonProgress.lesson_id)
        .where(LessonProgress.user_id == user.id, Lesson.course_id.in_(ids), Lesson.active.is_(True),
               LessonProgress.read_at.is_not(None))))
    enrollments = {e.course_id: e for e in db.session.scalars(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id.in_(ids)))}
    certificates = _valid_certificates(user.id, ids)
    found = {}
    for course in courses:
        own = lessons[course.id]
        enrollment = enrollments.get(course.id)
        done = sum(1 for lesson in own if lesson.id in read)
        passed = bool(enrollment and enrollment.quiz_passed_at)
        step = next_step([lesson.id for lesson in own], read,
                         last_opened_id=enrollment.last_lesson_id if enrollment else None,
                         has_quiz=bool(course.quiz_slug), quiz_passed=passed,
                         quiz_tried=bool(enrollment and enrollment.quiz_score is not None),
                         certificate_id=certificates.get(course.id))
        found[course.id] = LearnerCourse(
            course=course, lessons_read=done, enrollment=enrollment, step=step,
            percent=progress_percent(done, len(own), bool(course.quiz_slug), passed),
            lesson=next((lesson for lesson in own if lesson.id == step.lesson_id), None))
    return found


def step_after_lesson(user, course: Course, lesson: Lesson) -> NextStep:
    """Where ``user`` goes once ``lesson`` (of ``course``) is marked read: the lesson page's
    button says it and the mark-read post leads there (``rules.step_after_reading``, over
    her lessons read, her enrollment's quiz state and her valid certificate)."""
    progress = course_progress(user, course)
    enrollment = progress.enrollment
    return step_after_reading(
        [item.id for item in course.lessons], progress.read_lesson_ids, lesson.id,
        has_quiz=bool(course.quiz_slug), quiz_passed=bool(enrollment and enrollment.quiz_passed_at),
        quiz_tried=bool(enrollment and enrollment.quiz_score is not None),
        certificate_id=_valid_certificates(user.id, [course.id]).get(course.id))


def first_step(course: Course) -> NextStep:
    """The next step of someone who has not begun (or is not signed in): the first lesson."""
    return next_step([lesson.id for lesson in course.lessons], (), has_quiz=bool(course.quiz_slug))


@dataclass
class HomeCourse:
    """A course on the learner's home: where she stands (``state``) and, when it was
    assigned to her unit, the due date and how it stands (``rules.due_state``)."""

    state: LearnerCourse
    assigned: bool
    due_on: date | None = None
    due: str | None = None
    days_left: int | None = None  # days until the due date, 0 on the day; None without one

    @property
    def completed(self) -> bool:
        return bool(self.state.enrollment and self.state.enrollment.completed_at)


def home_courses(user, today: date) -> list[HomeCourse]:
    """The courses on a signed-in learner's home, most urgent first (``rules.home_order``):
    every active course assigned to her unit or one above it (with its earliest due date
    when several units assigned it), and the courses she began herself and has not
    completed. ``today``: the Vietnam calendar day (``vn_today``). Six queries."""
    due: dict[int, date | None] = {}
    courses: dict[int, Course] = {}
    for assignment in assignments_for(user):
        courses[assignment.course_id] = assignment.course
        dates = [d for d in (due.get(assignment.course_id), assignment.due_on) if d is not None]
        due[assignment.course_id] = min(dates) if dates else None
    for course in db.session.scalars(
            select(Course).join(Enrollment, Enrollment.course_id == Course.id)
            .where(Enrollment.user_id == user.id, Enrollment.completed_at.is_(None), Course.active.is_(True))):
        courses.setdefault(course.id, course)
    states = learner_courses(user, list(courses.values()))
    found = []
    for course_id, state in states.items():
        assigned = course_id in due
        completed = bool(state.enrollment and state.enrollment.completed_at)
        due_on = due.get(course_id)
        found.append(HomeCourse(state=state, assigned=assigned, due_on=due_on,
                                due=due_state(due_on, completed, today),
                                days_left=(due_on - today).days if due_on else None))
    found.sort(key=lambda h: (*home_order(h.due, h.due_on, h.assigned, h.completed), h.state.course.title))
    return found


# --- assignments --------------------------------------------------------------------


def assign_course(actor, course: Course, org: Organization, due_on: date | None = None, note: str | None = None) -> Assignment:
    from lms.access.adapters import can_manage_org

    if not can_manage_org(actor, org):
        raise ServiceError(_l("You may only assign courses to your own class or units."))
    if due_on is not None and due_on < vn_today():  # a Vietnam calendar day, as reports read it
        raise ServiceError(_l("The due date is in the past."), field="due_on")
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.course_id == course.id, Assignment.org_id == org.id)
    )
    if assignment is None:
        assignment = Assignment(course_id=course.id, org_id=org.id)
        db.session.add(assignment)
    assignment.assigned_by_id = actor.id
    assignment.due_on = due_on
    assignment.note = nfc(note) or None
    db.session.flush()
    record_audit(actor, "course.assign", target=assignment, org=org, course=course.slug,
                 due_on=due_on.isoformat() if due_on else None)
    return assignment


def unassign_course(actor, assignment: Assignment) -> None:
    from lms.access.adapters import can_manage_org

    org = db.session.get(Organization, assignment.org_id)
    if not can_manage_org(actor, org):
        raise ServiceError(_l("You may only change assignments of your own units."))
    record_audit(actor, "course.unassign", target=assignment, org=org, course=assignment.course.slug)
    db.session.delete(assignment)
    db.session.flush()


def assignments_for(user) -> list[Assignment]:
    """Assignments that reach this learner: made to their unit or any unit above it."""
    if user.org is None:
        return []
    ancestor_ids = [int(p) for p in user.org.path.strip("/").split("/") if p]
    return list(db.session.scalars(
        select(Assignment).join(Course).options(contains_eager(Assignment.course))  # one query, courses included
        .where(Assignment.org_id.in_(ancestor_ids), Course.active.is_(True))
        .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
    ))


def assignments_in_scope(actor) -> list[Assignment]:
    from lms.access.adapters import org_scope_filter

    return list(db.session.scalars(
        select(Assignment).join(Organization, Organization.id == Assignment.org_id)
        .where(org_scope_filter(actor, Organization.path)).order_by(Assignment.created_at.desc())
    ))


# --- feedback -----------------------------------------------------------------------


def leave_feedback(user, lesson: Lesson, rating: int, comment: str | None) -> LessonFeedback:
    if not 1 <= int(rating) <= 5:
        raise ServiceError(_l("Choose a rating from 1 to 5."), field="rating")
    comment = nfc(comment) or None
    if comment and len(comment) > 2000:
        raise ServiceError(_l("The comment is too long (2,000 characters at most)."), field="comment")
    feedback = db.session.scalar(
        select(LessonFeedback).where(LessonFeedback.lesson_id == lesson.id, LessonFeedback.user_id == user.id)
    )
    if feedback is None:
        feedback = LessonFeedback(lesson_id=lesson.id, user_id=user.id, rating=rating)
        db.session.add(feedback)
    feedback.rating = int(rating)
    if feedback.comment != comment:
        feedback.comment = comment
        feedback.published = False  # an edited comment needs publishing again
    feedback.created_at = utcnow()
    db.session.flush()
    return feedback


def set_feedback_published(actor, feedback: LessonFeedback, published: bool) -> None:
    feedback.published = published
    feedback.published_by_id = actor.id if published else None
    db.session.flush()
    record_audit(actor, "feedback.publish" if published else "feedback.unpublish", target=feedback)


def lesson_feedback_summary(course: Course) -> dict[int, tuple[int, float | None]]:
    rows = db.session.execute(
        select(LessonFeedback.lesson_id, func.count(LessonFeedback.id), func.avg(LessonFeedback.rating))
        .join(Lesson, Lesson.id == LessonFeedback.lesson_id)
        .where(Lesson.course_id == course.id)
        .group_by(LessonFeedback.lesson_id)
    ).all()
    return {lesson_id: (count, float(avg) if avg is not None else None) for lesson_id, count, avg in rows}


def published_feedback(lesson: Lesson) -> list[LessonFeedback]:
    return list(db.session.scalars(
        select(LessonFeedback).where(
            LessonFeedback.lesson_id == lesson.id, LessonFeedback.published.is_(True),
            LessonFeedback.comment.is_not(None),
        ).order_by(LessonFeedback.created_at.desc()).limit(20)
    ))




# --- personal data --------------------------------------------------------------------


def _personal_data(user) -> dict:
    enrollments = db.session.execute(
        select(Course.slug, Course.title, Enrollment.started_at, Enrollment.completed_at, Enrollment.score)
        .join(Course, Course.id == Enrollment.course_id).where(Enrollment.user_id == user.id)).all()
    lessons = db.session.execute(
        select(Course.slug, Lesson.slug, LessonProgress.first_opened_at, LessonProgress.read_at, LessonProgress.seconds_spent)
        .join(Lesson, Lesson.id == LessonProgress.lesson_id).join(Course, Course.id == Lesson.course_id)
        .where(LessonProgress.user_id == user.id)).all()
    feedback = db.session.execute(
        select(Lesson.slug, LessonFeedback.rating, LessonFeedback.comment, LessonFeedback.created_at)
        .join(Lesson, Lesson.id == LessonFeedback.lesson_id).where(LessonFeedback.user_id == user.id)).all()
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "enrollments": [{"course": s, "title": t, "started_at": iso(a), "completed_at": iso(c), "score": sc}
                        for s, t, a, c, sc in enrollments],
        "lessons": [{"course": c, "lesson": lesson, "first_opened_at": iso(o), "read_at": iso(r), "seconds": sec}
                    for c, lesson, o, r, sec in lessons],
        "feedback": [{"lesson": lesson, "rating": r, "comment": c, "at": iso(a)} for lesson, r, c, a in feedback],
    }


def _erase_personal_data(user) -> None:
    """Comments may name people; ratings stay as anonymous statistics."""
    from sqlalchemy import update

    db.session.execute(update(LessonFeedback).where(LessonFeedback.user_id == user.id)
                       .values(comment=None, published=False))


def _register_privacy() -> None:
    from lms.privacy.services import register_personal_data, register_personal_data_eraser

    register_personal_data("courses", _personal_data, _l("your course progress and completions"))
    register_personal_data_eraser(_erase_personal_data)


_register_privacy()


# --- language versions and dated facts (issue 19) -------------------------------------------

@dataclass(frozen=True)
class LessonVersion:
    """One language version of a lesson as the page shows it.

    ``language``: the BCP 47 tag shown; ``versions``: every version that exists, as
    (tag, name) with the course's own language first; ``facts_as_of``: "YYYY-MM" or None;
    ``stale``: facts older than rules.STALE_AFTER_MONTHS on ``today``."""

    language: str
    title: str
    html: str
    versions: list[tuple[str, str]]
    facts_as_of: str | None
    sources: list[str]
    stale: bool


def lesson_version(course: Course, lesson: Lesson, chosen: str | None, ui_language: str, today: date,
                   names: dict[str, str] | None = None) -> LessonVersion:
    """The version of ``lesson`` to show (rules.content_version) with its title, HTML and
    date. A translation's own ``facts_as_of`` (the month its translator checked it) wins;
    without one it carries the original's."""
    translations = lesson.translations or {}
    available = sorted(translations)
    tag = content_version(available, chosen, ui_language, course.language)
    version = translations.get(tag) if tag != course.language else None
    facts = (version or {}).get("facts_as_of") or lesson.facts_as_of
    tags = [course.language, *[t for t in available if t != course.language]]
    return LessonVersion(
        language=tag,
        title=(version or {}).get("title") or lesson.title,
        html=(version or {}).get("html") or lesson.html,
        versions=[(t, language_name(t, names)) for t in tags],
        facts_as_of=facts,
        sources=list(lesson.sources or []),
        stale=facts_are_stale(facts, today),
    )
