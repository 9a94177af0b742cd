"""Taking part in a quiz round, and the leaderboard everyone polls.

The attempt itself is an ordinary quiz attempt (server clock, drawn paper, idempotent submit);
a round adds its window, its attempt allowance, the tiebreaker prediction, and a leaderboard
that is computed at most once per change (and at most every few seconds under load), never
per request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, select, update

from lms.auth.models import RoleAssignment
from lms.contests.integrity import scores_shown_live
from lms.contests.models import Contest, ContestRound, Registration, RoundEntry
from lms.contests.ranking import Entry, Ranked, rank_participants
from lms.core.errors import ServiceError
from lms.core.numbers import DB_INT_MAX
from lms.core.timeutil import utcnow
from lms.extensions import cache, db
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, QuestionBank
from lms.quizzes.rules import GRACE, SealWindow, counted_attempt

RECOMPUTE_SECONDS = 5


def _registration(user, round_: ContestRound) -> Registration:
    registration = db.session.scalar(select(Registration).where(
        Registration.contest_id == round_.contest_id, Registration.user_id == user.id))
    if registration is None:
        raise ServiceError(_l("Register for the contest before taking part in its rounds."))
    return registration


def _entry(round_: ContestRound, registration: Registration) -> RoundEntry:
    entry = db.session.scalar(select(RoundEntry).where(
        RoundEntry.round_id == round_.id, RoundEntry.registration_id == registration.id))
    if entry is None:
        entry = RoundEntry(round_id=round_.id, registration_id=registration.id)
        db.session.add(entry)
        db.session.flush()
    return entry


def start_round(user, round_: ContestRound, now: datetime | None = None, *, device: str | None = None) -> Attempt:
    """Start (or resume) ``user``'s attempt at the quiz round. A round that allows one device
    (``one_device``) binds the attempt to the browser ``device`` (its session's device id,
    lms.auth.views.device_id); an attempt already bound to another browser is refused with
    ``quiz_services.OtherDevice``: it moves only with a sign-in there."""
    now = now or utcnow()
    if round_.kind != "quiz" or round_.bank_id is None:
        raise ServiceError(_l("This round has no quiz."))
    if now < round_.opens_at:
        raise ServiceError(_l("The round has not opened yet."))
    if now >= round_.closes_at:
        raise ServiceError(_l("The round is closed."))
    registration = _registration(user, round_)
    _entry(round_, registration)
    bank = db.session.get(QuestionBank, round_.bank_id)
    settings = {"max_attempts": round_.attempts_allowed, "cooldown_minutes": 0,
                "time_limit_minutes": round_.time_limit_minutes, "grading": round_.counting}
    if round_.draw:
        settings["draw"] = round_.draw
    attempt = quiz_services.start_attempt(user, bank, round_id=round_.id, purpose="contest", now=now,
                                          settings=settings, closes_at=round_.closes_at)
    if round_.one_device:
        db.session.flush()  # a new attempt needs its id for the binding's record
        quiz_services.bind_device(attempt, device)
    return attempt


def set_prediction(user, round_: ContestRound, value: int, now: datetime | None = None) -> RoundEntry:
    """The tiebreaker answer ("how many will answer everything right?"), given before submitting."""
    now = now or utcnow()
    if not round_.tiebreaker_question:
        raise ServiceError(_l("This round has no tiebreaker question."))
    if not 0 <= value <= DB_INT_MAX:  # beyond the column, the UPDATE itself would fail (a 500)
        raise ServiceError(_l("Give a whole number, 0 or more."))
    entry = _entry(round_, _registration(user, round_))
    if entry.submitted_at is not None or now >= round_.closes_at:
        raise ServiceError(_l("The prediction can no longer be changed."))
    entry.prediction = value
    db.session.flush()
    return entry


_ENTRY_OF = (select(Registration.id.label("registration_id"), RoundEntry.id.label("entry_id"))
             .outerjoin(RoundEntry, and_(RoundEntry.registration_id == Registration.id,
                                         RoundEntry.round_id == bindparam("round_id")))
             .where(Registration.contest_id == bindparam("contest_id"), Registration.user_id == bindparam("user_id")))
_SET_RESULT = (update(RoundEntry.__table__).where(RoundEntry.__table__.c.id == bindparam("entry_id"))
               .values(attempt_id=bindparam("attempt_id"), score=bindparam("score"),
                       seconds_taken=bindparam("seconds_taken"), submitted_at=bindparam("submitted_at")))


def record_round_result(attempt: Attempt) -> None:
    """Graded-attempt hook: keep the attempt that counts under the round's policy. It runs in
    every contest submission, so it reads the registration and its entry in one query and,
    with the usual single attempt, does not look for other attempts."""
    if attempt.round_id is None or attempt.purpose != "contest":
        return
    round_ = db.session.get(ContestRound, attempt.round_id)
    row = db.session.execute(_ENTRY_OF, {"round_id": round_.id, "contest_id": round_.contest_id,
                                         "user_id": attempt.user_id}).first()
    if row is None:
        return
    entry_id = row.entry_id
    if entry_id is None:
        entry_id = _entry(round_, db.session.get(Registration, row.registration_id)).id
    counted = attempt
    if round_.attempts_allowed != 1:
        done = list(db.session.scalars(select(Attempt).where(
            Attempt.round_id == round_.id, Attempt.user_id == attempt.user_id, Attempt.status == "submitted")
            .order_by(Attempt.submitted_at)))
        counted = done[counted_attempt(round_.counting, [(a.submitted_at, a.percent or 0.0) for a in done])]
    db.session.flush()
    db.session.connection().execute(_SET_RESULT, {
        "entry_id": entry_id, "attempt_id": counted.id, "score": counted.percent,
        "seconds_taken": (counted.submitted_at - counted.started_at).total_seconds(),
        "submitted_at": counted.submitted_at})
    entry = db.session.identity_map.get(db.session.identity_key(RoundEntry, entry_id))
    if entry is not None:  # a loaded entry would otherwise show the old result
        db.session.expire(entry)
    _bump(round_.id)


quiz_services.GRADED_HOOKS.append(record_round_result)


def round_review_rule(attempt: Attempt) -> dict | None:
    """Contest attempts: answers (and, if the round says so, scores) wait until the round closes.

    Scores show at once only when ``integrity.scores_shown_live``: a round allowing several
    attempts keeps them until the close whatever its setting (rounds saved before that
    setting was refused), since each retry's score would tell the key. Right answers and
    explanations of a round showing scores at once still wait for the close plus grace: its
    bank is sealed meanwhile (``round_seals``), which ``review_answers`` asks whatever this says."""
    if attempt.round_id is None or attempt.purpose != "contest":
        return None
    round_ = db.session.get(ContestRound, attempt.round_id)
    hidden = not scores_shown_live(round_.hide_results_until_close, round_.attempts_allowed)
    return {"review": "after_close" if hidden else "after_submit", "closes_at": round_.closes_at, "hide_score": hidden}


quiz_services.REVIEW_RULES.append(round_review_rule)


_ORGANISERS = (select(RoleAssignment.contest_id, RoleAssignment.user_id)
               .where(RoleAssignment.role == "organizer", RoleAssignment.contest_id.in_(bindparam("ids", expanding=True))))


def round_seals(bank_ids: list[int], now: datetime) -> list[SealWindow]:
    """Seal source for ``quizzes.services.SEAL_SOURCES``: the quiz rounds drawing from these
    banks that may still take answers at ``now`` (close + grace not yet passed, results not
    published), each with the ids of its contest's organisers. Rounds long over are left
    out in SQL, so a bank no round uses any more costs one query over the (small) round table.
    Draft contests count: a scheduled round's paper is no less secret."""
    rows = db.session.execute(
        select(ContestRound.bank_id, ContestRound.opens_at, ContestRound.closes_at, ContestRound.contest_id,
               Contest.status)
        .join(Contest, Contest.id == ContestRound.contest_id)
        .where(ContestRound.kind == "quiz", ContestRound.bank_id.in_(bank_ids),
               ContestRound.closes_at >= now - GRACE, Contest.status != "published")).all()
    if not rows:
        return []
    organisers: dict[int, set[int]] = {}
    for contest_id, user_id in db.session.execute(_ORGANISERS, {"ids": sorted({r.contest_id for r in rows})}):
        organisers.setdefault(contest_id, set()).add(user_id)
    return [SealWindow(bank_id=r.bank_id, opens_at=r.opens_at, closes_at=r.closes_at, over=r.status == "published",
                       organisers=frozenset(organisers.get(r.contest_id, ()))) for r in rows]


quiz_services.SEAL_SOURCES.append(round_seals)


# --- leaderboard ------------------------------------------------------------------------


def _version_key(round_id: int) -> str:
    return f"leaderboard:{round_id}:version"


def _bump(round_id: int) -> None:
    cache.set(_version_key(round_id), time.time_ns(), timeout=0)


@dataclass
class Leaderboard:
    rows: list[Ranked]
    names: dict[int, str]
    frozen: bool
    computed_at: float


def leaderboard(round_: ContestRound, now: datetime | None = None, *, full: bool = False) -> Leaderboard:
    """Public view: during the freeze only results submitted before it count; ``full`` (for
    organisers and after publication) sees everything."""
    now = now or utcnow()
    freeze_from = round_.closes_at - timedelta(minutes=round_.freeze_minutes or 0)
    frozen = bool(round_.freeze_minutes) and freeze_from <= now and not full
    # The version lives in the shared cache (Redis with several servers); the computed board
    # stays in this process's memory, so a poll costs a dictionary lookup, not an unpickling.
    local = current_app.extensions.setdefault("lms.leaderboards", {})
    key = (round_.id, frozen)
    version = cache.get(_version_key(round_.id))
    cached = local.get(key)
    if cached is not None and (cached[0] == version or time.time() - cached[1].computed_at < RECOMPUTE_SECONDS):
        return cached[1]
    stmt = (select(RoundEntry.registration_id, RoundEntry.score, RoundEntry.seconds_taken, RoundEntry.submitted_at,
                   RoundEntry.prediction, Registration.full_name)
            .join(Registration, Registration.id == RoundEntry.registration_id)
            .where(RoundEntry.round_id == round_.id, RoundEntry.score.is_not(None)))
    if frozen:
        stmt = stmt.where(RoundEntry.submitted_at < freeze_from)
    rows = db.session.execute(stmt).all()
    ranked = rank_participants([Entry(r.registration_id, r.score, r.seconds_taken, r.submitted_at, r.prediction)
                                for r in rows], round_.tiebreaker_answer)
    board = Leaderboard(ranked, {r.registration_id: r.full_name for r in rows}, frozen, time.time())
    local[key] = (version, board)
    return board
