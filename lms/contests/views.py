"""Contest pages: rules and registration, taking a quiz round, and the leaderboard."""

from __future__ import annotations

import json
from datetime import date

from babel.numbers import get_decimal_symbol
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from lms.access import rules
from lms.access.web import allowed, check, requires
from lms.auth.views import device_id
from lms.contests import rounds, services
from lms.contests.models import Contest, ContestRound, Registration
from lms.contests.ranking import (
    format_score,
    format_time,
    freeze_moment,
    public_name,
    rate_decimals,
    rate_text,
    score_decimals,
    shows_unit,
)
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db, limiter
from lms.quizzes.rules import GRACE

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
                unit_name=form.get("unit_name")), now=utcnow())
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


def _board_request(slug, number):
    """(contest, round, board, organiser, own row) of a leaderboard request. An anonymous poll
    of an unchanged board costs one query (``rounds.poll_target``); a signed-in participant
    adds their own place (``rounds.place_of``), organisers and admins get the live board."""
    target = rounds.poll_target(slug, number)
    if target is None:
        abort(404)
    contest, round_, changed = target
    organiser = current_user.is_authenticated and allowed("contests.organise", current_user, contest)
    board = rounds.leaderboard(round_, utcnow(), full=organiser, changed=changed)
    mine = None
    if current_user.is_authenticated and not organiser:
        mine = rounds.place_of(round_, board, current_user.id)
    return contest, round_, board, organiser, mine


def _audience(contest, organiser: bool) -> str:
    return "organiser" if organiser else contest.public_board


PAGE_ROWS = 200


@bp.get("/<slug>/rounds/<int:number>/leaderboard")
@requires("contests.see_leaderboard")
@limiter.limit("120 per minute")
def leaderboard(slug, number):
    """The board page. Its rows are rendered once per board version, audience and language
    and kept with the board (``Leaderboard.encoded``), so a poll of an unchanged board renders
    only the page around them; a participant whose own row is among them gets them rendered
    for them (their row in bold), one outside them gets their row added below."""
    contest, round_, board, organiser, mine = _board_request(slug, number)
    audience = _audience(contest, organiser)
    comma = get_decimal_symbol(get_locale())
    rows = board.rows[:PAGE_ROWS]
    mine_in_top = mine is not None and any(r.registration_id == mine.registration_id for r in rows)
    unit_shown = organiser or shows_unit(contest.public_board)

    def shown(row, index, listed, decimals):
        """What the page writes of a row; the submission time only where it decided."""
        below = listed[index + 1] if 0 <= index < len(listed) - 1 else None
        return {"rank": row.rank, "tied": row.tied, "mine": mine is not None and row.registration_id == mine.registration_id,
                "name": row.name if organiser else public_name(row.name, audience),
                "unit": row.unit if unit_shown else None,
                "score": format_score(row.score_key, decimals, comma), "time": format_time(row.time_key, comma),
                "submitted": row.submitted_at if "submitted" in (row.decided_by, below and below.decided_by) else None,
                "prediction": row.prediction, "decided_by": row.decided_by}

    def rendered(listed, decimals) -> Markup:
        return Markup(render_template("contests/_board_rows.html", true_count=board.true_count,
                                      rows=[shown(r, i, listed, decimals) for i, r in enumerate(listed)]))

    decimals = score_decimals([r.score_key for r in rows])
    key = ("html", audience, str(get_locale()))
    rows_html = None if mine_in_top else board.encoded.get(key)
    if rows_html is None:
        rows_html = rendered(rows, decimals)
        if not mine_in_top:
            board.encoded[key] = rows_html
    mine_html = None
    if mine is not None and not mine_in_top:
        mine_html = Markup(render_template("contests/_board_rows.html", true_count=board.true_count, rows=[
            shown(mine, -1, [], score_decimals([r.score_key for r in rows] + [mine.score_key]))]))
    return render_template("contests/leaderboard.html", contest=contest, round=round_, board=board,
                           organiser=organiser, rows_html=rows_html, has_rows=bool(rows), shown_count=len(rows),
                           mine_html=mine_html, unit_shown=unit_shown,
                           freeze_at=freeze_moment(round_.closes_at, round_.freeze_minutes if round_.kind == "quiz" else 0),
                           grace_seconds=int(GRACE.total_seconds()))


@bp.get("/<slug>/rounds/<int:number>/leaderboard.json")
@requires("contests.see_leaderboard")
@limiter.limit("120 per minute")
def leaderboard_json(slug, number):
    """The board as JSON for polling: "stage", "frozen", "provisional", "rows" (rank, tied,
    name, unit, score to 0.01, seconds to 0.1, submitted to the second, decided_by), and
    "me" (the signed-in participant's own row, also outside the top rows). The encoded body
    is shared by every poll of the same board version."""
    contest, round_, board, organiser, mine = _board_request(slug, number)
    audience = _audience(contest, organiser)
    body = rounds.board_json(board, round_, audience)
    if mine is not None:  # the shared body, with this person's row added at its end
        own = json.dumps(rounds.row_json(mine, audience, board.true_count), ensure_ascii=False, separators=(",", ":")).encode()
        body = body[:-1] + b',"me":' + own + b"}"
    return current_app.response_class(body, mimetype="application/json")


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
    prize (organise.collective_standings). Rates show as many decimals as it takes to tell
    them apart (ranking.rate_decimals); organisers also see since when each headcount held."""
    from lms.contests import organise
    from lms.orgs.models import ORG_KINDS

    contest = _contest(slug)
    kind = request.args.get("kind", "school")
    if kind not in ORG_KINDS:
        abort(404)
    board_visible = rules.contest_standings_visible(published=contest.status == "published",
                                                    closes_at=[r.closes_at for r in contest.rounds], now=utcnow())
    ranked, moment, used = [], None, {}
    if board_visible and contest.rounds:
        ranked = organise.collective_standings(contest, kind)
        moment, used = organise.headcounts_used(contest, [org for _, org, _ in ranked])
    return render_template("contests/units.html", contest=contest, ranked=ranked, kind=kind, visible=board_visible,
                           decimals=rate_decimals(result.rate for _, _, result in ranked), moment=moment, used=used,
                           rate_text=rate_text, point=get_decimal_symbol(get_locale()),
                           organiser=allowed("contests.organise", current_user, contest))


@bp.get("/<slug>/results")
@requires("contests.see_results")
def results(slug):
    """Published results: the prize list only (names and units of winners, as announced).
    Results withdrawn (and not published again) say when and why instead."""
    from lms.contests import organise

    contest = _contest(slug)
    if contest.status != "published":
        if contest.withdrawn_at is None:
            abort(404)
        return render_template("contests/results.html", contest=contest, awards=[],
                               prize_names=organise.PRIZE_LABELS), 404
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
