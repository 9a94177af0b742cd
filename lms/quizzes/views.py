"""Taking a course quiz: landing page, the attempt (autosaved), submit, review."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from flask import (
    Blueprint,
    abort,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in

from lms.access.web import requires
from lms.auth.views import device_id
from lms.core.errors import NotFound, ServiceError
from lms.core.numbers import db_int
from lms.core.timeutil import utcnow
from lms.courses import services as course_services
from lms.extensions import db, limiter
from lms.quizzes import services
from lms.quizzes.rules import option_order, pinned_positions, records_focus
from lms.quizzes.services import AlreadySubmitted, AttemptClosed, OtherDevice
from lms.quizzes.text import is_one_paragraph, render_text
from lms.quizzes.titles import attempt_title, contest_attempt_titles, prefixed_title
from lms.quizzes.types import REGISTRY, feedback_for, type_label

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")


# Every page that shows a question's text, options, feedback or explanation (the paper, the
# review, practice, the author's bank page) renders the stored Markdown through these.
@bp.app_template_filter("qtext")
def qtext_filter(text, inline: bool = False):
    """``{{ text|qtext }}``: safe HTML of a stored question text (lms.quizzes.text)."""
    return render_text(text, inline=inline)


@bp.app_template_filter("qtype")
def qtype_filter(name: str) -> str:
    return type_label(name)


@bp.app_template_test("one_paragraph")
def one_paragraph_test(text) -> bool:
    """``{% if text is one_paragraph %}``: the text fits in a legend."""
    return is_one_paragraph(text)


@dataclass
class PaperSection:
    intro: object | None  # the description item introducing the questions, if any
    questions: list = field(default_factory=list)


def paper_sections(paper: list) -> list[PaperSection]:
    """The paper in the order it is shown, cut where a description starts: each
    description introduces the questions after it, until the next one (the contract of
    issue 15). Questions before any description form a section without an intro; a
    description followed by no question still gets its own section."""
    sections: list[PaperSection] = []
    for item in paper:
        if item.version.type == "description":
            sections.append(PaperSection(item))
        else:
            if not sections:
                sections.append(PaperSection(None))
            sections[-1].questions.append(item)
    return sections


@bp.app_context_processor
def _paper_helpers():
    return {"paper_sections": paper_sections, "answer_feedback": feedback_for}


def _course_and_bank(course_slug: str):
    try:
        course = course_services.get_course(course_slug)
        if not course.quiz_slug:
            abort(404)
        return course, services.get_bank(course.quiz_slug)
    except NotFound:
        abort(404)


def _own_attempt(attempt_id: int, *, lock: bool = False):
    try:
        return services.attempt_for(current_user, attempt_id, lock=lock)
    except NotFound:
        abort(404)


def _held_elsewhere(attempt) -> OtherDevice | None:
    """Why this browser may not use the open ``attempt`` (it is bound to another device), or
    None when it may."""
    if attempt.status != "open":
        return None
    try:
        services.check_device(attempt, device_id())
    except OtherDevice as err:
        return err
    return None


def _elsewhere_page(attempt, err: OtherDevice):
    return render_template("quizzes/attempt_elsewhere.html", attempt=attempt, message=str(err),
                           course=_course_of(attempt), title=attempt_title(attempt)), 409


def _take_over_on_sign_in(sender, user, **extra):
    """A sign-in moves the person's attempts bound to another browser to this one
    (``services.take_over_on_sign_in``): written in the sign-in's transaction (lms.auth.views
    commits after signing in). The auth area never imports quizzes; quizzes listen."""
    if not has_request_context() or not device_id():
        return
    services.take_over_on_sign_in(user, device_id(), agent=request.user_agent.string)


user_logged_in.connect(_take_over_on_sign_in)


@bp.get("/course/<course_slug>")
@requires("quizzes.take")
def course_quiz(course_slug):
    course, bank = _course_and_bank(course_slug)
    attempts = services.attempts_of(current_user, bank)
    open_attempt = next((a for a in attempts if a.status == "open"), None)
    progress = course_services.course_progress(current_user, course)
    return render_template(
        "quizzes/course_quiz.html", course=course, bank=bank, settings=services.bank_settings(bank),
        heading=prefixed_title(_("Quiz"), bank.title), page_title=prefixed_title(_("Quiz"), course.title),
        attempts=[a for a in attempts if a.status == "submitted"], open_attempt=open_attempt,
        contest_titles=contest_attempt_titles(attempts),
        scores_sealed_until=services.bank_seal(bank.id, current_user) if attempts else None,
        attempts_left=services.attempts_left(current_user, bank),
        lessons_left=progress.lessons_total - progress.lessons_read,
    )


@bp.post("/course/<course_slug>/start")
@requires("quizzes.take")
@limiter.limit("20 per minute")
def start(course_slug):
    course, bank = _course_and_bank(course_slug)
    try:
        attempt = services.start_attempt(current_user, bank, course=course)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("quizzes.course_quiz", course_slug=course_slug))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>")
@requires("quizzes.take")
def attempt(attempt_id):
    attempt = _own_attempt(attempt_id)
    elsewhere = _held_elsewhere(attempt)
    if elsewhere is not None:
        return _elsewhere_page(attempt, elsewhere)
    if attempt.status == "open" and not services.accepts_answers(attempt.deadline, utcnow()):
        services.finish_attempt(attempt, auto=True)
        db.session.commit()
        flash(_("Time was up, so your attempt was submitted with the answers saved."), "info")
    if attempt.status != "open":
        return redirect(url_for("quizzes.review", attempt_id=attempt.id))
    seconds_left = int((attempt.deadline - utcnow()).total_seconds()) if attempt.deadline else None
    return render_template("quizzes/attempt.html", attempt=attempt, paper=services.attempt_paper(attempt),
                           seconds_left=seconds_left, course=_course_of(attempt), title=attempt_title(attempt),
                           records_focus=records_focus(attempt.purpose))


def _course_of(attempt):
    if attempt.course_id is None:
        return None
    from lms.courses.models import Course

    return db.session.get(Course, attempt.course_id)


def _form_values(version_id: int) -> list[str]:
    return request.form.getlist(f"q{version_id}")


@bp.post("/attempts/<int:attempt_id>")
@requires("quizzes.take")
@limiter.limit("120 per minute")
def save_or_submit(attempt_id):
    """The plain-form path: works without JavaScript. Saves every answer posted (and the
    "review later" flags when the page sends them), then by ``action``:

    - ``save``: back to the paper;
    - ``finish`` (the paper's Submit button): the confirmation page when a question is
      unanswered or flagged (``rules.PaperCheck``), else submits;
    - ``submit`` (the confirmation's button, or quiz.js's dialog): submits at once.

    After the deadline (and its grace) the attempt is submitted whatever the action, with
    no confirmation: the time is up and the saved answers stand."""
    attempt = _own_attempt(attempt_id, lock=True)
    if attempt.status != "open":  # a double click or a retry: the result already stands
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))
    elsewhere = _held_elsewhere(attempt)
    if elsewhere is not None:  # nothing saved, nothing submitted: the other device holds it
        db.session.rollback()
        flash(str(elsewhere), "error")
        return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))
    now = utcnow()
    late = False
    form = request.form
    posted = {item["v"]: _form_values(item["v"]) for item in attempt.items
              if f"q{item['v']}" in form or f"q{item['v']}-present" in form}
    refused = None
    try:
        services.save_posted_answers(attempt, posted, now=now)
        if "flags-present" in form:  # the page's "review later" boxes, ticked or not
            services.set_flags(attempt, form.getlist("flag"), now=now)
    except AttemptClosed as err:
        late, refused = True, err
    action = form.get("action")
    time_up = attempt.deadline is not None and now >= attempt.deadline  # in the grace period, or later
    if action == "finish" and not (late or time_up):
        # The paper's Submit button: ask first when a question is unanswered or flagged
        # (rules.PaperCheck); the confirmation's own button posts action=submit. Once the
        # clock shows 0:00 the page says "press Submit to see your result": no question then.
        check = services.paper_check(services.attempt_paper(attempt))
        if check.needs_confirmation:
            db.session.commit()  # the answers just posted are kept whatever the learner decides
            return _confirm_page(attempt, check)
    if action in ("submit", "finish") or late:
        services.finish_attempt(attempt, now=now, auto=late, locked=True)
        db.session.commit()
        if isinstance(refused, AlreadySubmitted):  # another tab submitted while this page was open
            flash(_("This attempt was already submitted, perhaps from another tab: "
                    "answers sent after that were not accepted."), "warning")
        elif late:
            flash(_("Time was up: answers sent after the deadline were not accepted."), "warning")
        return redirect(url_for("quizzes.review", attempt_id=attempt_id))  # attempt expired at commit
    db.session.commit()
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", attempt_id=attempt_id))


def _confirm_page(attempt, check):
    """The confirmation before submitting, for a browser without JavaScript (quiz.js asks
    in a dialog instead): unanswered and flagged questions, each a link back to it."""
    seconds_left = int((attempt.deadline - utcnow()).total_seconds()) if attempt.deadline else None
    return render_template("quizzes/confirm_submit.html", attempt=attempt, check=check, course=_course_of(attempt),
                           title=attempt_title(attempt), seconds_left=seconds_left)


@bp.post("/attempts/<int:attempt_id>/answer")
@requires("quizzes.take")
@limiter.limit("600 per minute")
def autosave(attempt_id):
    """Called by quiz.js for each change; CSRF comes in the X-CSRFToken header. The JSON body
    is an answer, ``{"v": version id, "values": [str, ...]}``, or the questions flagged for
    review, ``{"flags": [0-based positions in the attempt's items, ...]}`` (all of them:
    answered ``{"ok": true, "flags": [stored positions]}``)."""
    attempt = _own_attempt(attempt_id)
    elsewhere = _held_elsewhere(attempt)
    if elsewhere is not None:  # the page stops saving and says why (quiz.js, as for a closed attempt)
        return jsonify({"ok": False, "closed": True, "error": str(elsewhere), "message": str(elsewhere)}), 409
    payload = request.get_json(silent=True)
    try:
        if isinstance(payload, dict) and "flags" in payload:  # the "review later" marks, all of them
            if not isinstance(payload["flags"], list):
                raise TypeError("not a list of flags")
            flags = services.set_flags(attempt, payload["flags"][:1000])
            db.session.commit()
            return jsonify({"ok": True, "flags": flags})
        if not isinstance(payload, dict) or not isinstance(payload.get("values", []), list):
            raise TypeError("not an answer")
        version_id = int(payload.get("v"))  # inf: OverflowError, nan: ValueError
        values = [str(v) for v in payload.get("values", [])][:50]
        saved_at = services.save_answer(attempt, version_id, values)
    except (TypeError, ValueError, OverflowError):
        return jsonify({"ok": False, "error": _("Bad answer.")}), 400
    except AttemptClosed as err:
        db.session.rollback()
        # What the page tells the learner: the answer was not taken, and how to see the result.
        message = (_("This attempt was already submitted, perhaps from another tab. Press Submit to see your result.")
                   if isinstance(err, AlreadySubmitted) else _("Time is up. Press Submit to see your result."))
        return jsonify({"ok": False, "closed": True, "error": str(err), "message": message}), 409
    except ServiceError as err:
        db.session.rollback()
        return jsonify({"ok": False, "error": str(err)}), 400
    seconds_left = int((attempt.deadline - saved_at).total_seconds()) if attempt.deadline else None
    db.session.commit()
    return jsonify({"ok": True, "saved_at": saved_at.isoformat() + "Z", "seconds_left": seconds_left})


def _per_learner() -> str:
    """Rate-limit key: the signed-in person, not the address (a school's pupils share one)."""
    return f"focus:{current_user.id if current_user.is_authenticated else request.remote_addr}"


@bp.post("/attempts/<int:attempt_id>/focus")
@requires("quizzes.take")
@limiter.limit("30 per minute", key_func=_per_learner)
def focus_lost(attempt_id):
    """quiz.js reports that the learner left the attempt's page (``n`` times, ``how`` "hidden"
    or "blur"), by navigator.sendBeacon with the CSRF token in the form body. Recorded for
    contest attempts only (``rules.records_focus``), on the device that holds the attempt;
    anything else is accepted and ignored: the page has nothing to do with the answer."""
    attempt = _own_attempt(attempt_id)
    if _held_elsewhere(attempt) is None and services.record_focus_loss(
            attempt, request.form.get("n"), request.form.get("how", "")):
        db.session.commit()
    return "", 204


@bp.get("/attempts/<int:attempt_id>/review")
@requires("quizzes.take")
def review(attempt_id):
    attempt = _own_attempt(attempt_id)
    if attempt.status == "open":
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    bank = attempt.bank
    answers = services.review_answers(attempt, bank)
    return render_template(
        "quizzes/review.html", attempt=attempt, bank=bank, course=_course_of(attempt), title=attempt_title(attempt),
        paper=services.attempt_paper(attempt), show_answers=answers.shown, sealed_until=answers.sealed_until,
        show_score=services.score_visible(attempt, bank),
        settings=services.bank_settings(bank), registry=REGISTRY,
    )


@bp.route("/practice/<course_slug>", methods=["GET", "POST"])
@requires("quizzes.take")
def practice(course_slug):
    """One question at a time with instant feedback; nothing is recorded as an attempt."""
    try:
        course = course_services.get_course(course_slug)
        bank = services.get_bank(course.quiz_slug or "")
    except NotFound:
        abort(404)
    tag = request.values.get("tag") or None
    tags = services.bank_tags(bank)
    if tag and tag not in tags:
        abort(404)
    feedback = None
    version = None
    sealed = None
    try:
        if request.method == "POST":
            feedback = services.check_practice_answer(bank, current_user, db_int(request.form.get("v", type=int)),
                                                      request.form.getlist("answer"))
            version = feedback.version
            session["practice_seen"] = session.get("practice_seen", [])[-20:] + [version.id]
        else:
            version = services.practice_question(bank, current_user, tag, set(session.get("practice_seen", [])),
                                                 random.Random())
    except services.Sealed as err:
        sealed, version, feedback = str(err), None, None
    except NotFound:
        abort(404)
    # The same rule as a paper: true/false in its written order, pinned options in place.
    order = option_order(len(version.data.get("choices", [])), pinned_positions(version.data),
                         version.type != "truefalse", random.Random()) if version else []
    # Once checked, what the author wrote for this answer (GIFT per-answer feedback).
    notes = feedback_for(version.type, version.data, feedback.response) if feedback else []
    intro = services.introduction_of(version) if version is not None else None
    return render_template("quizzes/practice.html", course=course, bank=bank, tag=tag, tags=tags,
                           version=version, intro=intro, order=order, feedback=feedback, notes=notes, sealed=sealed,
                           registry=REGISTRY)
