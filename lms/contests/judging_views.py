"""Judged rounds: participants submit a product, judges score it on the rubric.

Views stay thin: they check who is asking (404 for anyone with no business seeing a page,
so entry codes cannot be probed), call the services, and commit once.
"""

from __future__ import annotations

from random import Random

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import Field

from lms.access import rules
from lms.access.adapters import can_organise
from lms.access.web import check, requires
from lms.auth.services import active_user_by_username
from lms.contests import judging
from lms.contests.judging_forms import (
    ActionForm,
    ConfigForm,
    CriteriaForm,
    JudgeForm,
    SubmissionForm,
    kind_labels,
    score_form,
)
from lms.contests.judging_models import JudgeAssignment, Submission
from lms.contests.judging_rules import RECHECK_SPREAD, entry_score, needs_recheck, score_spread
from lms.contests.models import Contest, ContestRound, Registration
from lms.contests.views import _contest as _open_contest
from lms.contests.views import _round
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db, limiter

bp = Blueprint("judging", __name__, url_prefix="/contests")


def _contest(slug: str, *, drafts: bool = False) -> Contest:
    """Participants see what the contest pages show; judges and organisers also reach drafts."""
    if not drafts:
        return _open_contest(slug)
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        abort(404)
    return contest


def _judged_round(contest: Contest, number: int) -> ContestRound:
    round_ = _round(contest, number)
    if round_.kind != "judged":
        abort(404)
    return round_


def _submission(round_: ContestRound, code: str) -> Submission:
    submission = db.session.scalar(select(Submission).where(Submission.round_id == round_.id,
                                                            Submission.code == code.upper()))
    if submission is None:
        abort(404)
    return submission


def _fail(err: ServiceError) -> None:
    db.session.rollback()
    flash(str(err), "error")


# --- participant ------------------------------------------------------------------------


@bp.route("/<slug>/rounds/<int:number>/submit", methods=["GET", "POST"])
@requires("contests.take_part")
@limiter.limit("30 per minute", methods=["POST"])
def submit(slug, number):
    contest = _contest(slug)
    round_ = _judged_round(contest, number)
    registration = db.session.scalar(select(Registration).where(
        Registration.contest_id == contest.id, Registration.user_id == current_user.id))
    if registration is None:
        flash(_("Register for the contest before taking part in its rounds."), "error")
        return redirect(url_for("contests.contest", slug=slug))
    config = judging.get_config(round_)
    form = SubmissionForm()
    form.set_kinds(config.accepted_kinds or [])
    if form.validate_on_submit():
        try:
            judging.submit_entry(current_user, round_, form.kind.data, url=form.url.data, text=form.article.data,
                                 file=request.files.get("file"))
        except ServiceError as err:
            _fail(err)
        else:
            db.session.commit()
            flash(_("Your entry has been received."), "success")
            return redirect(url_for("judging.submit", slug=slug, number=number))
    elif request.method == "GET" and not form.kind.data and form.kind.choices:
        form.kind.data = form.kind.choices[0][0]
    submission = judging.submission_of(round_, registration)
    # Judges score only after the close; "scored" is derived, never stored.
    scored = submission is not None and any(a.score is not None for a in submission.assignments)
    return render_template("contests/judging/submit.html", contest=contest, round=round_, form=form, config=config,
                           submission=submission, scored=scored, now=utcnow(), kinds=kind_labels())


# --- judges -----------------------------------------------------------------------------


@bp.get("/judging")
@requires("judging.score_entry")
def dashboard():
    rows = db.session.execute(
        select(JudgeAssignment, Submission, ContestRound, Contest)
        .join(Submission, Submission.id == JudgeAssignment.submission_id)
        .join(ContestRound, ContestRound.id == Submission.round_id)
        .join(Contest, Contest.id == ContestRound.contest_id)
        .where(JudgeAssignment.judge_id == current_user.id)
        .order_by(Contest.id, ContestRound.position, Submission.code)
        .options(selectinload(JudgeAssignment.score))).all()
    groups: list[dict] = []
    for assignment, submission, round_, contest in rows:
        if not groups or groups[-1]["round"].id != round_.id:
            groups.append({"contest": contest, "round": round_, "items": [], "scored": 0,
                           "final": judging.get_config(round_).finalised_at is not None,
                           "opens": judging.scoring_opens(round_)})
        groups[-1]["items"].append((assignment, submission))
        groups[-1]["scored"] += assignment.score is not None
    return render_template("contests/judging/dashboard.html", groups=groups, kinds=kind_labels(), now=utcnow())


@bp.route("/<slug>/rounds/<int:number>/judge/<code>", methods=["GET", "POST"])
@requires("judging.score_entry")
def judge_entry(slug, number, code):
    contest = _contest(slug, drafts=True)
    round_ = _judged_round(contest, number)
    submission = _submission(round_, code)
    assignment = judging.assignment_for(current_user, submission)
    if assignment is None:
        abort(404)
    config = judging.get_config(round_)
    criteria = judging.criteria_of(round_)
    data = None
    if assignment.score is not None:
        data = {f"c_{cid}": value for cid, value in (assignment.score.points or {}).items()}
        data["comment"] = assignment.score.comment
    form = score_form(criteria, data=data)
    if form.validate_on_submit():
        points = {c.id: form[f"c_{c.id}"].data for c in criteria}
        try:
            judging.record_score(current_user, assignment, points, form.comment.data or "")
        except ServiceError as err:
            _fail(err)
        else:
            db.session.commit()
            flash(_("Score saved for entry %(code)s.", code=submission.code), "success")
            return redirect(url_for("judging.dashboard"))
    registration = None
    unit = None
    if not config.blind:
        registration = db.session.get(Registration, submission.registration_id)
        if registration.org_id:
            from lms.orgs.models import Organization

            unit = db.session.get(Organization, registration.org_id)
    judge = judging.contest_judge(contest.id, current_user.id)
    return render_template("contests/judging/entry.html", contest=contest, round=round_, submission=submission,
                           assignment=assignment, form=form, criteria=criteria, config=config,
                           registration=registration, unit=unit, kinds=kind_labels(), now=utcnow(),
                           opens=judging.scoring_opens(round_), active=judge is not None and judge.active)


# --- files ------------------------------------------------------------------------------


@bp.get("/<slug>/rounds/<int:number>/files/<code>")
@requires("judging.see_entry")
def download(slug, number, code):
    """Only the participant, the entry's judges and the organisers; always under the entry code
    (blind judges never learn the original file name), typed as sniffed at upload."""
    contest = _contest(slug, drafts=True)
    round_ = _judged_round(contest, number)
    submission = _submission(round_, code)
    if submission.kind != "file" or not submission.stored_name:
        abort(404)
    if not rules.can_see_entry(user_id=current_user.id, owner_id=judging.entry_owner_id(submission),
                               assigned=judging.assignment_for(current_user, submission) is not None,
                               organises=can_organise(current_user, contest)):
        abort(404)
    path = judging.stored_path(submission)
    if not path.is_file():
        abort(404)
    extension = next((ext for ctype, ext in judging.FILE_TYPES.values() if ctype == submission.content_type), "bin")
    inline = submission.content_type.startswith("image/")
    response = send_file(path, mimetype=submission.content_type, as_attachment=not inline,
                         download_name=f"{submission.code}.{extension}", max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- organisers -------------------------------------------------------------------------


def _organised(slug: str, number: int) -> tuple[Contest, ContestRound]:
    contest = _contest(slug, drafts=True)
    check("contests.organise", current_user, contest)
    return contest, _judged_round(contest, number)


def _manage_page(contest, round_, *, config_form=None, criteria_form=None, judge_form=None):
    from lms.auth.models import User

    config = judging.get_config(round_)
    if config_form is None:
        config_form = ConfigForm(formdata=None, data={
            "judges_per_entry": config.judges_per_entry, "blind": config.blind,
            "accepted_kinds": list(config.accepted_kinds or []), "max_upload_mb": config.max_upload_mb})
    config_form.set_kinds()
    criteria = judging.criteria_of(round_)
    if criteria_form is None:
        rows = [{"name": c.name, "max_points": c.max_points, "weight": c.weight, "description": c.description}
                for c in criteria]
        criteria_form = CriteriaForm(formdata=None, data={"rows": rows + [{}, {}]})
    judges = judging.judges_of(contest)
    submissions = judging.submissions_of(round_)
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(
        Registration.id.in_([s.registration_id for s in submissions])))} if submissions else {}
    names = {j.user_id: j.user for j in judges}
    missing_judges = {a.judge_id for s in submissions for a in s.assignments} - set(names)
    if missing_judges:
        names.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing_judges)))})
    entries = []
    for submission in submissions:
        given = [a.score.weighted_score for a in submission.assignments if a.score is not None]
        complete = bool(given) and len(given) == len(submission.assignments)
        entries.append({"submission": submission, "mean": entry_score(given) if complete else None,
                        "spread": score_spread(given), "recheck": needs_recheck(given)})
    return render_template("contests/judging/manage.html", contest=contest, round=round_, config=config,
                           config_form=config_form, criteria_form=criteria_form,
                           judge_form=judge_form or JudgeForm(formdata=None), action_form=ActionForm(formdata=None),
                           criteria=criteria, judges=judges, entries=entries, registrations=registrations,
                           users=names, progress=judging.progress(round_, submissions), now=utcnow(),
                           kinds=kind_labels(), recheck_limit=RECHECK_SPREAD)


@bp.get("/<slug>/rounds/<int:number>/judging")
@requires("contests.organise")
def manage(slug, number):
    contest, round_ = _organised(slug, number)
    return _manage_page(contest, round_)


def _refused(form, err: ServiceError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    target = getattr(form, err.field, None) if err.field else None
    if isinstance(target, Field):
        target.errors = [*target.errors, str(err)]
    else:
        form.form_errors.append(str(err))


def _organiser_change(slug, number, change, done, *, form=None, slot=None):
    """One organiser action: check the form (a bare CSRF button when ``form`` is None), call
    ``change()``, commit and go back to the manage page with ``done(result)``.

    A refusal rolls back. For a form it re-renders the manage page with everything as typed
    and the message on the field the service named (status 400); a bare button flashes it."""
    contest, round_ = _organised(slug, number)
    if form is None:
        if not ActionForm().validate_on_submit():
            abort(400)
    elif not form.validate_on_submit():
        return _manage_page(contest, round_, **{slot: form}), 400
    try:
        result = change(contest, round_)
        message = done(result)
    except ServiceError as err:
        if form is None:
            _fail(err)
        else:
            db.session.rollback()
            _refused(form, err)
            return _manage_page(contest, round_, **{slot: form}), 400
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("judging.manage", slug=slug, number=number))


@bp.post("/<slug>/rounds/<int:number>/judging/config")
@requires("contests.organise")
def save_config(slug, number):
    form = ConfigForm()
    form.set_kinds()

    def change(contest, round_):
        return judging.configure_round(current_user, round_, judges_per_entry=form.judges_per_entry.data,
                                       blind=form.blind.data, accepted_kinds=form.accepted_kinds.data,
                                       max_upload_mb=form.max_upload_mb.data)

    return _organiser_change(slug, number, change, lambda result: _("Settings saved."), form=form, slot="config_form")


@bp.post("/<slug>/rounds/<int:number>/judging/criteria")
@requires("contests.organise")
def save_criteria(slug, number):
    form = CriteriaForm()

    def change(contest, round_):
        rows = [judging.CriterionInput(name=row.form.name.data or "", max_points=row.form.max_points.data,
                                       weight=1.0 if row.form.weight.data is None else row.form.weight.data,
                                       description=row.form.description.data or "")
                for row in form.rows if (row.form.name.data or "").strip()]
        return judging.set_criteria(current_user, round_, rows)

    return _organiser_change(slug, number, change, lambda result: _("Rubric saved."), form=form, slot="criteria_form")


@bp.post("/<slug>/rounds/<int:number>/judging/judges")
@requires("contests.organise")
def add_judge(slug, number):
    form = JudgeForm()

    def change(contest, round_):
        user = active_user_by_username(form.username.data)
        if user is None:
            raise ServiceError(_("No account has the username %(name)s.", name=form.username.data.strip()),
                               field="username")
        return judging.add_judge(current_user, contest, user)

    return _organiser_change(slug, number, change,
                             lambda judge: _("%(name)s is now a judge of this contest.", name=judge.user.full_name),
                             form=form, slot="judge_form")


@bp.post("/<slug>/rounds/<int:number>/judging/judges/<int:user_id>/remove")
@requires("contests.organise")
def remove_judge(slug, number, user_id):
    from lms.auth.models import User

    def change(contest, round_):
        user = db.session.get(User, user_id) or abort(404)
        return judging.remove_judge(current_user, contest, user)

    return _organiser_change(slug, number, change, lambda kept: _(
        "Judge removed; the scores they already gave still count.") if kept else _("Judge removed."))


@bp.post("/<slug>/rounds/<int:number>/judging/assign")
@requires("contests.organise")
def assign(slug, number):
    return _organiser_change(slug, number, lambda contest, round_: judging.run_assignment(current_user, round_, Random()),
                             lambda added: _("%(n)d new assignment(s) made.", n=added))


@bp.post("/<slug>/rounds/<int:number>/judging/finalise")
@requires("contests.organise")
def finalise(slug, number):
    return _organiser_change(slug, number, lambda contest, round_: judging.finalise_round(current_user, round_),
                             lambda count: _("Results written for %(n)d entries.", n=count))
