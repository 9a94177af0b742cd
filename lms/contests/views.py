"""Contest pages: rules and registration, taking a quiz round, and the leaderboard."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.access import rules
from lms.access.web import check, requires
from lms.auth.views import device_id
from lms.contests import rounds, services
from lms.contests.models import Contest, ContestRound, Registration
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db, limiter

bp = Blueprint("contests", __name__, url_prefix="/contests")


def _contest(slug: str) -> Contest:
    contest = db.session.scalar(select(Contest).where(Contest.slug == slug, Contest.status != "draft"))
    if contest is None:
        abort(404)
    return contest


def _round(contest: Contest, number: int) -> ContestRound:
    round_ = next((r for r in contest.rounds if r.position == number), None)
    if round_ is None:
        abort(404)
    return round_


@bp.get("/")
@requires("public")
def index():
    from lms.contests.judging_models import ContestJudge

    contests = list(db.session.scalars(select(Contest).where(Contest.status != "draft").order_by(Contest.created_at.desc())))
    judging = current_user.is_authenticated and db.session.scalar(
        select(ContestJudge.id).where(ContestJudge.user_id == current_user.id).limit(1)) is not None
    return render_template("contests/index.html", contests=contests, judging=judging)


@bp.route("/<slug>/", methods=["GET", "POST"])
@requires("public")
def contest(slug):
    contest = _contest(slug)
    registration = None
    if current_user.is_authenticated:
        registration = db.session.scalar(select(Registration).where(
            Registration.contest_id == contest.id, Registration.user_id == current_user.id))
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        form = request.form
        try:
            birth = date.fromisoformat(form["date_of_birth"]) if form.get("date_of_birth") else None
        except ValueError:
            birth = None
            flash(_("The date of birth is not a valid date."), "error")
        try:
            registration = services.register(current_user, contest, services.RegistrationForm(
                full_name=form.get("full_name") or current_user.full_name, date_of_birth=birth,
                phone=form.get("phone"), school=form.get("school"), class_name=form.get("class_name"),
                unit_name=form.get("unit_name")))
        except ServiceError as err:
            db.session.rollback()
            flash(str(err), "error")
        else:
            db.session.commit()
            flash(_("You are registered."), "success")
            return redirect(url_for("contests.contest", slug=slug))
    return render_template("contests/contest.html", contest=contest, registration=registration, now=utcnow())


@bp.post("/<slug>/rounds/<int:number>/start")
@requires("contests.take_part")
@limiter.limit("20 per minute")
def start(slug, number):
    contest = _contest(slug)
    round_ = _round(contest, number)
    try:
        if request.form.get("prediction", "").strip():
            rounds.set_prediction(current_user, round_, int(request.form["prediction"]))
        attempt = rounds.start_round(current_user, round_, device=device_id(create=True))
    except ValueError:
        db.session.rollback()
        flash(_("Give a whole number, 0 or more."), "error")
        return redirect(url_for("contests.contest", slug=slug))
    except ServiceError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("contests.contest", slug=slug))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _board(contest, round_):
    full = contest.status == "published"
    if not rules.round_results_visible(hide_until_close=round_.hide_results_until_close, closes_at=round_.closes_at,
                                       now=utcnow(), published=full):
        return None
    return rounds.leaderboard(round_, full=full)


@bp.get("/<slug>/rounds/<int:number>/leaderboard")
@requires("contests.see_leaderboard")
@limiter.limit("120 per minute")
def leaderboard(slug, number):
    contest = _contest(slug)
    round_ = _round(contest, number)
    return render_template("contests/leaderboard.html", contest=contest, round=round_, board=_board(contest, round_))


@bp.get("/<slug>/rounds/<int:number>/leaderboard.json")
@requires("contests.see_leaderboard")
@limiter.limit("120 per minute")
def leaderboard_json(slug, number):
    contest = _contest(slug)
    round_ = _round(contest, number)
    board = _board(contest, round_)
    if board is None:
        return jsonify({"round": round_.position, "hidden_until": round_.closes_at.isoformat() + "Z", "rows": []})
    return jsonify({"round": round_.position, "frozen": board.frozen, "rows": [
        {"rank": r.rank, "tied": r.tied, "name": board.names[r.entry.participant_id], "score": r.entry.score,
         "seconds": r.entry.seconds_taken} for r in board.rows[:500]]})


@bp.get("/<slug>/export.xlsx")
@requires("contests.organise")
def export(slug):
    from flask import send_file

    from lms.audit.services import record_audit
    from lms.contests.export import export_contest_xlsx
    from lms.core.files import private_temp_file

    contest = _contest(slug)
    check("contests.organise", current_user, contest)
    # Anonymous and private (lms.core.files): deleted when send_file closes it at the end
    # of the response, or here if writing fails.
    handle = private_temp_file(suffix=".xlsx")
    try:
        rows = export_contest_xlsx(contest, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    record_audit(current_user, "contest.export", target=contest, rows=rows)
    db.session.commit()
    response = send_file(handle, as_attachment=True, download_name=f"ket-qua-{contest.slug}.xlsx", max_age=0,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<slug>/units")
@requires("contests.see_results")
@limiter.limit("60 per minute")
def units(slug):
    """Collective ranking: units of one kind (schools, communes, provinces) by participation
    rate against headcount, then average final score. The same ranking decides the collective
    prize (organise.collective_standings)."""
    from lms.contests import organise
    from lms.orgs.models import ORG_KINDS

    contest = _contest(slug)
    kind = request.args.get("kind", "school")
    if kind not in ORG_KINDS:
        abort(404)
    board_visible = rules.contest_standings_visible(published=contest.status == "published",
                                                    closes_at=[r.closes_at for r in contest.rounds], now=utcnow())
    ranked = []
    if board_visible and contest.rounds:
        ranked = [(rank, result, org.name) for rank, org, result in organise.collective_standings(contest, kind)]
    return render_template("contests/units.html", contest=contest, ranked=ranked, kind=kind,
                           visible=board_visible)


@bp.get("/<slug>/results")
@requires("contests.see_results")
def results(slug):
    """Published results: the prize list only (names and units of winners, as announced)."""
    from lms.contests import organise

    contest = _contest(slug)
    if contest.status != "published":
        abort(404)
    return render_template("contests/results.html", contest=contest, awards=organise.awards_of(contest),
                           prize_names=organise.PRIZE_LABELS)


@bp.get("/<slug>/awards/<code>")
@requires("contests.see_results")
def award(slug, code):
    """Where the QR code of a printed certificate of award leads."""
    from lms.contests.awards import prize_label
    from lms.contests.models import Award

    contest = _contest(slug)
    record = db.session.scalar(select(Award).where(Award.contest_id == contest.id, Award.code == code.strip().upper()))
    if record is None or contest.status != "published":
        return render_template("contests/award.html", contest=contest, award=None, code=code), 404
    return render_template("contests/award.html", contest=contest, award=record, label=prize_label(record), code=code)
