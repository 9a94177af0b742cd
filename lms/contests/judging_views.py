"""Judged rounds: participants submit a product, judges score it on the rubric.

Views stay thin: they check who is asking (404 for anyone with no business seeing a page,
so entry codes cannot be probed), call the services, and commit once.
"""

from __future__ import annotations

from random import Random

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

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
from lms.contests.judging_models import ContestJudge, JudgeAssignment, Submission
from lms.contests.models import Contest, ContestRound, Registration
from lms.contests.views import can_organise
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db, limiter

bp = Blueprint("judging", __name__, url_prefix="/contests")


def _contest(slug: str, *, drafts: bool = False) -> Contest:
    stmt = select(Contest).where(Contest.slug == slug)
    if not drafts:
        stmt = stmt.where(Contest.status != "draft")
    contest = db.session.scalar(stmt)
    if contest is None:
        abort(404)
    return contest


def _judged_round(contest: Contest, number: int) -> ContestRound:
    round_ = next((r for r in contest.rounds if r.position == number and r.kind == "judged"), None)
    if round_ is None:
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
@login_required
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
    db.session.commit()  # the settings row may have been created on first visit
    return render_template("contests/judging/submit.html", contest=contest, round=round_, form=form, config=config,
                           submission=judging.submission_of(round_, registration), now=utcnow(),
                           kinds=kind_labels())


# --- judges -----------------------------------------------------------------------------


@bp.get("/judging")
@login_required
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
                           "final": judging.get_config(round_).finalised_at is not None})
        groups[-1]["items"].append((assignment, submission))
        groups[-1]["scored"] += assignment.score is not None
    db.session.commit()
    return render_template("contests/judging/dashboard.html", groups=groups, kinds=kind_labels())


@bp.route("/<slug>/rounds/<int:number>/judge/<code>", methods=["GET", "POST"])
@login_required
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
    db.session.commit()
    return render_template("contests/judging/entry.html", contest=contest, round=round_, submission=submission,
                           assignment=assignment, form=form, criteria=criteria, config=config,
                           registration=registration, unit=unit, kinds=kind_labels())


# --- files ------------------------------------------------------------------------------


@bp.get("/<slug>/rounds/<int:number>/files/<code>")
@login_required
def download(slug, number, code):
    """Only the participant, the entry's judges and the organisers; always under the entry code
    (blind judges never learn the original file name), typed as sniffed at upload."""
    contest = _contest(slug, drafts=True)
    round_ = _judged_round(contest, number)
    submission = _submission(round_, code)
    if submission.kind != "file" or not submission.stored_name:
        abort(404)
    allowed = (judging.is_owner(current_user, submission) or judging.assignment_for(current_user, submission)
               or can_organise(current_user, contest))
    if not allowed:
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
    if not can_organise(current_user, contest):
        abort(404)
    return contest, _judged_round(contest, number)


def _manage_page(contest, round_, *, config_form=None, criteria_form=None, judge_form=None):
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
    from lms.auth.models import User

    judges = db.session.execute(select(User).join(ContestJudge, ContestJudge.user_id == User.id)
                                .where(ContestJudge.contest_id == contest.id).order_by(User.username)).scalars().all()
    submissions = judging.submissions_of(round_)
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(
        Registration.id.in_([s.registration_id for s in submissions])))} if submissions else {}
    names = {j.id: j for j in judges}
    missing_judges = {a.judge_id for s in submissions for a in s.assignments} - set(names)
    if missing_judges:
        names.update({u.id: u for u in db.session.scalars(select(User).where(User.id.in_(missing_judges)))})
    page = render_template("contests/judging/manage.html", contest=contest, round=round_, config=config,
                           config_form=config_form, criteria_form=criteria_form, judge_form=judge_form or JudgeForm(
                               formdata=None), action_form=ActionForm(formdata=None), criteria=criteria,
                           judges=judges, submissions=submissions, registrations=registrations, users=names,
                           progress=judging.progress(round_, submissions), now=utcnow(), kinds=kind_labels())
    db.session.commit()
    return page


@bp.get("/<slug>/rounds/<int:number>/judging")
@login_required
def manage(slug, number):
    contest, round_ = _organised(slug, number)
    return _manage_page(contest, round_)


def _back(slug, number):
    return redirect(url_for("judging.manage", slug=slug, number=number))


@bp.post("/<slug>/rounds/<int:number>/judging/config")
@login_required
def save_config(slug, number):
    contest, round_ = _organised(slug, number)
    form = ConfigForm()
    form.set_kinds()
    if not form.validate_on_submit():
        return _manage_page(contest, round_, config_form=form), 400
    try:
        judging.configure_round(current_user, round_, judges_per_entry=form.judges_per_entry.data,
                                blind=form.blind.data, accepted_kinds=form.accepted_kinds.data,
                                max_upload_mb=form.max_upload_mb.data)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("Settings saved."), "success")
    return _back(slug, number)


@bp.post("/<slug>/rounds/<int:number>/judging/criteria")
@login_required
def save_criteria(slug, number):
    contest, round_ = _organised(slug, number)
    form = CriteriaForm()
    if not form.validate_on_submit():
        return _manage_page(contest, round_, criteria_form=form), 400
    rows = [judging.CriterionInput(name=row.form.name.data or "", max_points=row.form.max_points.data,
                                   weight=1.0 if row.form.weight.data is None else row.form.weight.data,
                                   description=row.form.description.data or "")
            for row in form.rows if (row.form.name.data or "").strip()]
    try:
        judging.set_criteria(current_user, round_, rows)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("Rubric saved."), "success")
    return _back(slug, number)


@bp.post("/<slug>/rounds/<int:number>/judging/judges")
@login_required
def add_judge(slug, number):
    contest, round_ = _organised(slug, number)
    form = JudgeForm()
    if not form.validate_on_submit():
        return _manage_page(contest, round_, judge_form=form), 400
    user = active_user_by_username(form.username.data)
    if user is None:
        flash(_("No account has the username %(name)s.", name=form.username.data.strip()), "error")
        return _back(slug, number)
    judging.add_judge(current_user, contest, user)
    db.session.commit()
    flash(_("%(name)s is now a judge of this contest.", name=user.full_name), "success")
    return _back(slug, number)


@bp.post("/<slug>/rounds/<int:number>/judging/judges/<int:user_id>/remove")
@login_required
def remove_judge(slug, number, user_id):
    from lms.auth.models import User

    contest, round_ = _organised(slug, number)
    if not ActionForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id) or abort(404)
    try:
        judging.remove_judge(current_user, contest, user)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("Judge removed."), "success")
    return _back(slug, number)


@bp.post("/<slug>/rounds/<int:number>/judging/assign")
@login_required
def assign(slug, number):
    contest, round_ = _organised(slug, number)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        added = judging.run_assignment(current_user, round_, Random())
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("%(n)d new assignment(s) made.", n=added), "success")
    return _back(slug, number)


@bp.post("/<slug>/rounds/<int:number>/judging/finalise")
@login_required
def finalise(slug, number):
    contest, round_ = _organised(slug, number)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = judging.finalise_round(current_user, round_)
    except ServiceError as err:
        _fail(err)
    else:
        db.session.commit()
        flash(_("Results written for %(n)d entries.", n=count), "success")
    return _back(slug, number)
