"""Catalogue, course and lesson pages, print view, feedback, and assignments."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access.adapters import can_author, has_any_people_scope, org_scope_filter
from lms.access.web import requires
from lms.auth.models import USER_KINDS
from lms.core.errors import NotFound, ServiceError
from lms.core.timeutil import vn_today
from lms.courses import services
from lms.courses.content import IMAGE_SUFFIXES
from lms.courses.forms import AssignForm, FeedbackForm
from lms.courses.languages import speech_tag
from lms.courses.models import Assignment, Course, Lesson, LessonFeedback
from lms.courses.render import MEDIA_CONTENT_TYPES
from lms.courses.rules import NEXT_LESSON, NEXT_QUIZ, is_overdue, progress_percent
from lms.extensions import db
from lms.orgs.models import Organization

bp = Blueprint("courses", __name__, url_prefix="/courses")

AUDIENCES = USER_KINDS  # the catalogue's audience filter offers every account kind


def _course(slug: str) -> Course:
    try:
        return services.get_course(slug)
    except NotFound:
        abort(404)


def _course_and_lesson(course_slug: str, lesson_slug: str) -> tuple[Course, Lesson]:
    course = _course(course_slug)
    try:
        return course, services.get_lesson(course, lesson_slug)
    except NotFound:
        abort(404)


def _has_quiz_pages() -> bool:
    """Whether the quizzes area is installed (the courses area runs without it)."""
    return "quizzes.course_quiz" in current_app.view_functions


def _lang() -> str:
    return str(get_locale())


@bp.get("/")
@requires("public")
def catalogue():
    q = (request.args.get("q") or "").strip()
    audience = request.args.get("audience") if request.args.get("audience") in AUDIENCES else None
    courses = services.catalogue(q, audience)
    assigned, in_progress, progress = [], [], {}
    if current_user.is_authenticated:
        progress = services.progress_by_course(current_user, courses)
        by_course = {c.id: c for c in courses}
        today = vn_today()  # the same day the teacher's report counts "overdue" on
        for a in services.assignments_for(current_user):
            if a.course_id in by_course:
                enrollment = progress.get(a.course_id, (0, None))[1]
                completed = enrollment.completed_at if enrollment else None
                assigned.append((a, by_course[a.course_id], is_overdue(a.due_on, completed, today)))
        assigned_ids = {a.course_id for a, _, _ in assigned}
        in_progress = [c for c in courses if c.id not in assigned_ids and progress.get(c.id, (0, None))[1] is not None]
    shown = {a.course_id for a, _, _ in assigned} | {c.id for c in in_progress}
    others = [c for c in courses if c.id not in shown]

    def percent(course):
        read, enrollment = progress.get(course.id, (0, None))
        return progress_percent(read, course.lesson_count, bool(course.quiz_slug),
                                bool(enrollment and enrollment.quiz_passed_at))

    return render_template("courses/catalogue.html", q=q, audience=audience, audiences=AUDIENCES,
                           assigned=assigned, in_progress=in_progress, others=others, percent=percent,
                           progress=progress, lang=_lang())


@bp.get("/<course_slug>/")
@requires("public")
def course(course_slug):
    course = _course(course_slug)
    lessons = course.lessons
    read, enrollment, step = set(), None, services.first_step(course)
    if current_user.is_authenticated:
        progress = services.course_progress(current_user, course)
        read, enrollment = progress.read_lesson_ids, progress.enrollment
        step = services.learner_courses(current_user, [course])[course.id].step
    percent = progress_percent(len(read), len(lessons), bool(course.quiz_slug),
                               bool(enrollment and enrollment.quiz_passed_at))
    return render_template("courses/course.html", course=course, lessons=lessons, read=read, enrollment=enrollment,
                           step=step, step_lesson=next((lesson for lesson in lessons if lesson.id == step.lesson_id), None),
                           percent=percent, lang=_lang(),
                           has_quiz_pages=_has_quiz_pages(),
                           show_teacher_guide=bool(course.teacher_html) and current_user.is_authenticated
                           and (has_any_people_scope(current_user) or can_author(current_user)))


@bp.get("/<course_slug>/<lesson_slug>")
@requires("public")
def lesson(course_slug, lesson_slug):
    course, lesson = _course_and_lesson(course_slug, lesson_slug)
    lessons = course.lessons
    index = next(i for i, item in enumerate(lessons) if item.id == lesson.id)
    read, after = set(), None
    if current_user.is_authenticated:
        services.record_lesson_opened(current_user, lesson)
        db.session.commit()
        read = services.course_progress(current_user, course).read_lesson_ids
        after = services.step_after_lesson(current_user, course, lesson)
    feedback = FeedbackForm()
    # A version picked on this page (a link "Tiếng Khmer") is remembered for the next lessons.
    picked = request.args.get("doc_lang")
    if picked is not None and (picked == course.language or picked in (lesson.translations or {})):
        session["content_lang"] = picked
    version = services.lesson_version(course, lesson, session.get("content_lang"), _lang(), vn_today(),
                                      current_app.config.get("CONTENT_LANGUAGE_NAMES"))
    return render_template(
        "courses/lesson.html", course=course, lesson=lesson, number=index + 1, total=len(lessons), version=version,
        speech_lang=speech_tag(version.language),
        previous=lessons[index - 1] if index > 0 else None, next=lessons[index + 1] if index + 1 < len(lessons) else None,
        is_read=lesson.id in read, percent=progress_percent(len(read), len(lessons), bool(course.quiz_slug), False),
        lang=_lang(), feedback_form=feedback, published=services.published_feedback(lesson),
        after=after, has_quiz_pages=_has_quiz_pages(),
    )


@bp.post("/<course_slug>/<lesson_slug>/read")
@requires("signed_in")
def mark_read(course_slug, lesson_slug):
    course, lesson = _course_and_lesson(course_slug, lesson_slug)
    enrollment = services.mark_lesson_read(current_user, lesson)
    db.session.commit()
    if enrollment.completed_at is not None:
        flash(_("Congratulations: you have completed this course!"), "success")
        return redirect(url_for("courses.course", course_slug=course.slug))
    # The button said where it leads (step_after_lesson): the next lesson, on the last one an
    # earlier lesson still unread, the final quiz, or the course page.
    step = services.step_after_lesson(current_user, course, lesson)
    if step.kind == NEXT_LESSON:
        following = next((item for item in course.lessons if item.id == step.lesson_id), None)
        if following is not None:
            if following.position < lesson.position:
                flash(_("A lesson before this one is still unread: here it is."), "info")
            return redirect(url_for("courses.lesson", course_slug=course.slug, lesson_slug=following.slug))
    if step.kind == NEXT_QUIZ and _has_quiz_pages():
        flash(_("You have read every lesson. Take the final quiz to complete the course."), "success")
        return redirect(url_for("quizzes.course_quiz", course_slug=course.slug))
    flash(_("You have read every lesson."), "success")
    return redirect(url_for("courses.course", course_slug=course.slug))


@bp.post("/<course_slug>/<lesson_slug>/feedback")
@requires("signed_in")
def feedback(course_slug, lesson_slug):
    course, lesson = _course_and_lesson(course_slug, lesson_slug)
    form = FeedbackForm()
    if form.validate():
        try:
            services.leave_feedback(current_user, lesson, int(form.rating.data), form.comment.data)
        except ServiceError as err:
            db.session.rollback()
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("Thank you for your feedback."), "success")
    else:
        flash(_("Choose a rating from 1 to 5."), "error")
    return redirect(url_for("courses.lesson", course_slug=course.slug, lesson_slug=lesson.slug) + "#feedback")


@bp.get("/<course_slug>/media/<path:filename>")
@requires("public")
def media(course_slug, filename):
    """Pictures, and the video, audio and WebVTT captions of ```video/```audio blocks, beside
    the lessons. Conditional: Range requests get 206, so a player can seek and resume."""
    course = _course(course_slug)
    suffix = Path(filename).suffix.lower()
    if (suffix not in IMAGE_SUFFIXES and suffix not in MEDIA_CONTENT_TYPES) or "/" in filename \
            or "\\" in filename or filename.startswith("."):
        abort(404)
    response = send_from_directory(Path(current_app.config["COURSES_DIR"]) / course.slug, filename,
                                   mimetype=MEDIA_CONTENT_TYPES.get(suffix), max_age=7 * 24 * 3600)
    if filename.lower().endswith(".svg"):
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/<course_slug>/print")
@requires("public")
def print_view(course_slug):
    course = _course(course_slug)
    return render_template("courses/print.html", course=course, lessons=course.lessons, lang=_lang())


# --- authors: feedback ----------------------------------------------------------------


def _author_or_admin() -> bool:
    return can_author(current_user)


def _feedback_scope():
    """Authors and admins see all feedback; managers and teachers see their own learners'."""
    from lms.auth.models import User

    if _author_or_admin():
        return None
    if has_any_people_scope(current_user):
        return (select(LessonFeedback.id).join(User, User.id == LessonFeedback.user_id)
                .join(Organization, Organization.id == User.org_id)
                .where(org_scope_filter(current_user, Organization.path)))
    abort(404)


@bp.get("/<course_slug>/feedback")
@requires("courses.feedback_review")
def feedback_list(course_slug):
    scope = _feedback_scope()
    course = _course(course_slug)
    stmt = (select(LessonFeedback, Lesson).join(Lesson, Lesson.id == LessonFeedback.lesson_id)
            .where(Lesson.course_id == course.id).order_by(Lesson.position, LessonFeedback.created_at.desc()))
    if scope is not None:
        stmt = stmt.where(LessonFeedback.id.in_(scope))
    return render_template("courses/feedback.html", course=course, rows=db.session.execute(stmt).all(),
                           summary=services.lesson_feedback_summary(course))


@bp.post("/feedback/<int:feedback_id>/publish")
@requires("courses.feedback_review")
def publish_feedback(feedback_id):
    scope = _feedback_scope()
    item = db.session.get(LessonFeedback, feedback_id)
    if item is None or (scope is not None and item.id not in set(db.session.scalars(scope))):
        abort(404)
    services.set_feedback_published(current_user, item, request.form.get("publish") == "1")
    db.session.commit()
    lesson = db.session.get(Lesson, item.lesson_id)
    return redirect(url_for("courses.feedback_list", course_slug=lesson.course.slug))


# --- teachers and managers: assignments -------------------------------------------------


@bp.route("/assignments", methods=["GET", "POST"])
@requires("people.manage")
def assignments():
    form = AssignForm()
    form.course.choices = [(c.slug, c.title) for c in services.catalogue()]
    units = list(db.session.scalars(select(Organization).where(
        Organization.active.is_(True), org_scope_filter(current_user, Organization.path)).order_by(Organization.path)))
    form.org_id.choices = [(u.id, f"{u.name} ({u.code})") for u in units]
    if form.validate_on_submit():
        org = next((u for u in units if u.id == form.org_id.data), None)
        try:
            services.assign_course(current_user, services.get_course(form.course.data), org,
                                   form.due_on.data, form.note.data)
        except (ServiceError, NotFound) as err:
            db.session.rollback()
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("Course assigned."), "success")
            return redirect(url_for("courses.assignments"))
    return render_template("courses/assignments.html", form=form, rows=services.assignments_in_scope(current_user),
                           units={u.id: u for u in units})


@bp.post("/assignments/<int:assignment_id>/remove")
@requires("people.manage")
def remove_assignment(assignment_id):
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None:
        abort(404)
    try:
        services.unassign_course(current_user, assignment)
    except ServiceError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(_("Assignment removed."), "success")
    return redirect(url_for("courses.assignments"))
