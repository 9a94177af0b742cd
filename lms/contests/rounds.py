"""Taking part in a quiz round, and the leaderboard everyone polls.

The attempt itself is an ordinary quiz attempt (server clock, drawn paper, idempotent submit);
a round adds its window, its attempt allowance, the tiebreaker prediction, and a leaderboard
ranked in SQL: the top rows are read in ranking order from the index ``ix_round_entry_board``
and ranked with the pure rules of ``lms.contests.ranking``. A board is built once per version
(contest status, ``ContestRound.board_version``, newest ``RoundEntry.changed_at``: all read
from the database, so every worker and server agrees) and kept, with its encoded JSON, in the
process's memory for a few seconds at most.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, event, func, inspect, or_, select, update
from sqlalchemy.orm import aliased

from lms.auth.models import RoleAssignment
from lms.contests.integrity import scores_shown_live
from lms.contests.models import Contest, ContestRound, Registration, RoundEntry
from lms.contests.ranking import (
    AttemptResult,
    Entry,
    RankKey,
    Shown,
    Stage,
    board_shown,
    board_stage,
    deciding_part,
    freeze_moment,
    public_name,
    rank_key,
    rank_participants,
    ranking_key,
    score_key,
    shared_ranks,
    shows_unit,
    standing_at,
    time_key,
    unit_label,
)
from lms.core.errors import ServiceError
from lms.core.numbers import DB_INT_MAX
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, QuestionBank
from lms.quizzes.rules import GRACE, SealWindow, counted_attempt


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
                       seconds_taken=bindparam("seconds_taken"), submitted_at=bindparam("submitted_at"),
                       score_key=bindparam("score_key"), time_key=bindparam("time_key"),
                       changed_at=bindparam("changed_at")))


def result_values(score: float, seconds_taken: float, submitted_at: datetime, now: datetime | None = None) -> dict:
    """The columns of a round result, with the ranking keys the board reads: for writers that
    bypass the ORM (bulk inserts in benchmarks and tests); ORM writes get them by themselves
    (``_keep_keys``)."""
    return {"score": score, "seconds_taken": seconds_taken, "submitted_at": submitted_at,
            "score_key": score_key(score), "time_key": time_key(seconds_taken), "changed_at": now or utcnow()}


def record_round_result(attempt: Attempt) -> None:
    """Graded-attempt hook: keep the attempt that counts under the round's policy, with its
    ranking keys and the time of the change (the live board's version). It runs in every
    contest submission, so it reads the registration and its entry in one query and, with the
    usual single attempt, does not look for other attempts. Regrades come through here too.

    A result submitted before the freeze but recorded once the freeze has begun (a regrade,
    an attempt whose time ran out graded late) changes the frozen board, which is kept per
    ``board_version``: it bumps that version."""
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
        "entry_id": entry_id, "attempt_id": counted.id,
        **result_values(counted.percent or 0.0, (counted.submitted_at - counted.started_at).total_seconds(),
                        counted.submitted_at)})
    entry = db.session.identity_map.get(db.session.identity_key(RoundEntry, entry_id))
    if entry is not None:  # a loaded entry would otherwise show the old result
        db.session.expire(entry)
    freeze = freeze_moment(round_.closes_at, round_.freeze_minutes)
    if freeze is not None and attempt.submitted_at < freeze <= utcnow():
        _bump(round_.id)


quiz_services.GRADED_HOOKS.append(record_round_result)


def round_review_rule(attempt: Attempt) -> dict | None:
    """Contest attempts: answers (and, if the round says so, scores) wait until the round closes.

    Each attempt's score shows at once only when ``integrity.scores_shown_live``: a round
    allowing several attempts keeps them until the close whatever its setting, since each
    retry's score would tell the key one answer at a time. Its leaderboard may still be live
    (the organiser's choice: the board shows only the counted score, and the round's page
    warns the organiser what several attempts cost). Right answers and
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

#: Rows a board holds (the JSON sends them all, the page the first PAGE_ROWS).
TOP = 500
#: A board (and its encoded JSON) is kept at most this long even when its version has not
#: changed: bounds staleness when a result's transaction commits after a later one (its
#: ``changed_at`` is then older than the version already seen), and after a name or a unit
#: was edited.
BOARD_MAX_AGE = 3.0


def _bump(round_id: int) -> None:
    """A change to a round's board that no new result records (settings, true count, regrade
    of a result from before the freeze, publication): bump ``ContestRound.board_version`` in
    the caller's transaction, so every worker and server sees it once it commits."""
    db.session.execute(update(ContestRound).where(ContestRound.id == round_id)
                       .values(board_version=ContestRound.board_version + 1))


def _changed_on_flush(mapper, connection, target: RoundEntry) -> None:
    """ORM writers of results (judged rounds' finalisation, tests) get the ranking keys and
    the change time without knowing them; ``record_round_result`` writes them itself."""
    state = inspect(target)
    if state.persistent and not any(state.attrs[name].history.has_changes()
                                    for name in ("score", "seconds_taken", "submitted_at")):
        return
    if target.score is None:
        target.score_key = target.time_key = None
        return
    target.score_key = score_key(target.score)
    target.time_key = time_key(target.seconds_taken or 0.0)
    target.changed_at = utcnow()


event.listen(RoundEntry, "before_insert", _changed_on_flush)
event.listen(RoundEntry, "before_update", _changed_on_flush)


@dataclass(frozen=True)
class BoardRow:
    """One ranked participant: keys as stored (``ranking.score_key``/``time_key``)."""

    rank: int
    tied: bool
    registration_id: int
    name: str  # the full name: views choose what the public sees (ranking.public_name)
    unit: str | None  # ranking.unit_label
    score_key: int
    time_key: int
    submitted_at: datetime | None
    prediction: int | None
    decided_by: str  # ranking.deciding_part against the row above; "" for the first row

    @property
    def score(self) -> float:
        return -self.score_key / 100

    @property
    def seconds(self) -> float:
        return self.time_key / 10


@dataclass
class Leaderboard:
    rows: list[BoardRow]  # the top TOP rows (all of them for ``ranked_rows``)
    total: int  # participants ranked
    stage: Stage
    shown: Shown
    frozen_at: datetime | None  # the moment an AT_FREEZE board shows
    true_count: int | None  # the prediction's target, when it ranks
    pending: tuple[str, ...] = ()  # why CLOSED_GRADING: "grace", "ungraded", "true_count", "judging"
    built_at: float = 0.0  # time.monotonic()
    places: dict[int, BoardRow] | None = None  # AT_FREEZE: every participant's row, by registration
    encoded: dict = field(default_factory=dict)  # audience -> JSON bytes

    @property
    def frozen(self) -> bool:
        return self.shown is Shown.AT_FREEZE


def _freeze_minutes(round_: ContestRound) -> int:
    return round_.freeze_minutes if round_.kind == "quiz" else 0  # a judged round has no attempts to freeze


def _changed_at(round_id: int):
    return select(func.max(RoundEntry.changed_at)).where(RoundEntry.round_id == round_id).scalar_subquery()


def poll_target(slug: str, number: int):
    """(contest, round, newest change of its results) for a leaderboard request, in one query
    (a poll of an unchanged board makes no other); None when there is no such public round."""
    changed = (select(func.max(RoundEntry.changed_at)).where(RoundEntry.round_id == ContestRound.id)
               .correlate(ContestRound).scalar_subquery())
    row = db.session.execute(
        select(Contest, ContestRound, changed).join(ContestRound, ContestRound.contest_id == Contest.id)
        .where(Contest.slug == slug, Contest.status != "draft", ContestRound.position == number)).first()
    return None if row is None else tuple(row)


_NOT_SET = object()


def leaderboard(round_: ContestRound, now: datetime | None = None, *, full: bool = False,
                changed=_NOT_SET) -> Leaderboard:
    """The board a viewer gets at ``now``: ``full`` for the contest's organisers (always the
    live board), otherwise what the stage shows the public (``ranking.board_shown``).
    ``changed``: the newest ``changed_at`` of the round's results when the caller read it
    already (``poll_target``). Kept in this process per version for BOARD_MAX_AGE seconds."""
    now = now or utcnow()
    contest = round_.contest
    published = contest.status == "published"
    stage = board_stage(now=now, opens_at=round_.opens_at, closes_at=round_.closes_at,
                        freeze_minutes=_freeze_minutes(round_), published=published)
    shown = board_shown(stage, organiser=full, hide_until_close=round_.hide_results_until_close)
    frozen_at = freeze_moment(round_.closes_at, _freeze_minutes(round_)) if shown is Shown.AT_FREEZE else None
    if shown is Shown.HIDDEN:
        return Leaderboard([], 0, stage, shown, None, None, built_at=time.monotonic())
    if shown is Shown.LIVE and changed is _NOT_SET:
        changed = db.session.scalar(select(_changed_at(round_.id)))
    version = (contest.status, round_.board_version, stage, frozen_at,
               changed if shown is Shown.LIVE else None, round_.tiebreaker_answer)
    local = current_app.extensions.setdefault("lms.leaderboards", {})
    key = (round_.id, shown)
    cached = local.get(key)
    if cached is not None and cached[0] == version and time.monotonic() - cached[1].built_at < BOARD_MAX_AGE:
        return cached[1]
    board = _frozen_board(round_, frozen_at, stage) if shown is Shown.AT_FREEZE else _live_board(round_, stage, now)
    local[key] = (version, board)
    return board


def _order(true_count: int | None, columns) -> list:
    """ORDER BY of the ranking: the index's keys, with the prediction's distance after the
    score once the true count is set (a sort then, but after the close nothing churns)."""
    order = [columns.score_key]
    if true_count is not None:
        order += [case((columns.prediction.is_(None), 1), else_=0),
                  func.coalesce(func.abs(columns.prediction - true_count), 0)]
    return order + [columns.time_key, columns.submitted_at, columns.registration_id]


class _Row(NamedTuple):
    registration_id: int
    score_key: int
    time_key: int
    submitted_at: datetime | None
    prediction: int | None
    full_name: str
    unit_name: str | None
    school: str | None
    short_name: str | None
    org_name: str | None
    parent_label: str | None


# A class's school (the unit above it) is read with the participant's unit: see unit_label.
_PARENT = aliased(Organization)
_UNIT_COLUMNS = (Organization.short_name, Organization.name.label("org_name"),
                 func.coalesce(_PARENT.short_name, _PARENT.name).label("parent_label"))


def _unit(row) -> str | None:
    return unit_label(row.short_name, row.org_name, row.unit_name, row.school, row.parent_label)


def _ranked(rows, true_count: int | None) -> list[BoardRow]:
    keys = [rank_key(r.score_key, r.time_key, r.submitted_at, r.prediction, true_count) for r in rows]
    ranks = shared_ranks(keys)
    return [BoardRow(rank, tied, r.registration_id, r.full_name, _unit(r),
                     r.score_key, r.time_key, r.submitted_at, r.prediction,
                     deciding_part(keys[i - 1], keys[i]) if i else "")
            for i, (r, (rank, tied)) in enumerate(zip(rows, ranks, strict=True))]


def ranked_rows(round_: ContestRound, limit: int | None = None) -> list[BoardRow]:
    """The round's results in ranking order with their ranks, ranked in SQL: the first
    ``limit`` (and one more read, so that a tie across the cut is marked), or all."""
    e = RoundEntry.__table__.c
    true_count = round_.tiebreaker_answer
    inner = (select(e.registration_id, e.score_key, e.time_key, e.submitted_at, e.prediction)
             .where(e.round_id == round_.id, e.score_key.is_not(None)).order_by(*_order(true_count, e)))
    people = (select(Registration.id, Registration.full_name, Registration.unit_name, Registration.school,
                     *_UNIT_COLUMNS)
              .outerjoin(Organization, Organization.id == Registration.org_id)
              .outerjoin(_PARENT, and_(Organization.kind == "class", _PARENT.id == Organization.parent_id)))
    if limit is None:
        top = inner.subquery()
        found = people.where(Registration.contest_id == round_.contest_id).subquery()
        rows = db.session.execute(select(top, found).join(found, found.c.id == top.c.registration_id)
                                  .order_by(*_order(true_count, top.c))).all()
        return _ranked(rows, true_count)
    # The top rows from the index, then their people by primary key: joined in one statement,
    # PostgreSQL would hash the whole registration table.
    keys = db.session.execute(inner.limit(limit + 1)).all()
    named = {r.id: r for r in db.session.execute(people.where(Registration.id.in_([k.registration_id for k in keys])))}
    rows = [_Row(*k, *named[k.registration_id][1:]) for k in keys]
    return _ranked(rows, true_count)[:limit]


def _pending(round_: ContestRound, stage: Stage, now: datetime) -> tuple[str, ...]:
    """Why a closed round's results may still change (``ranking.board_stage``'s ``pending``)."""
    if stage not in (Stage.CLOSED_GRADING, Stage.CLOSED_FINAL):
        return ()
    reasons = []
    if now < round_.closes_at + GRACE:
        reasons.append("grace")
    if round_.kind == "quiz":
        if db.session.scalar(select(Attempt.id).where(Attempt.round_id == round_.id, Attempt.status == "open")
                             .limit(1)) is not None:
            reasons.append("ungraded")
        if round_.tiebreaker_question and round_.tiebreaker_answer is None:
            reasons.append("true_count")
    else:
        from lms.contests.judging_models import JudgingConfig

        finalised = db.session.scalar(select(JudgingConfig.finalised_at).where(JudgingConfig.round_id == round_.id))
        if finalised is None:
            reasons.append("judging")
    return tuple(reasons)


def _live_board(round_: ContestRound, stage: Stage, now: datetime) -> Leaderboard:
    rows = ranked_rows(round_, TOP)
    total = len(rows) if len(rows) < TOP else db.session.scalar(
        select(func.count()).select_from(RoundEntry).where(RoundEntry.round_id == round_.id,
                                                           RoundEntry.score_key.is_not(None)))
    pending = _pending(round_, stage, now)
    if stage is Stage.CLOSED_FINAL and pending:
        stage = Stage.CLOSED_GRADING
    return Leaderboard(rows, total, stage, Shown.LIVE, None, round_.tiebreaker_answer, pending, time.monotonic())


def _frozen_board(round_: ContestRound, frozen_at: datetime, stage: Stage) -> Leaderboard:
    """Everyone who had submitted before the freeze, as they stood then (``standing_at``),
    ranked with the pure rules. Nothing before the freeze changes but through a bump of
    ``board_version`` (regrade, late grading), so the ranking is kept per (version, freeze)."""
    local = current_app.extensions.setdefault("lms.frozen_boards", {})
    version = (round_.board_version, frozen_at)
    cached = local.get(round_.id)
    if cached is None or cached[0] != version:
        everyone = _standings_at(round_, frozen_at)
        cached = (version, everyone, {r.registration_id: r for r in everyone})
        local[round_.id] = cached
    _, everyone, places = cached
    return Leaderboard(everyone[:TOP], len(everyone), stage, Shown.AT_FREEZE, frozen_at, None, (),
                       time.monotonic(), places=places)


def _standings_at(round_: ContestRound, moment: datetime) -> list[BoardRow]:
    rows = db.session.execute(
        select(Registration.id, Registration.full_name, Registration.unit_name, Registration.school,
               *_UNIT_COLUMNS,
               Attempt.started_at, Attempt.submitted_at, Attempt.percent)
        .select_from(Attempt)
        .join(Registration, and_(Registration.user_id == Attempt.user_id, Registration.contest_id == round_.contest_id))
        .outerjoin(Organization, Organization.id == Registration.org_id)
              .outerjoin(_PARENT, and_(Organization.kind == "class", _PARENT.id == Organization.parent_id))
        .where(Attempt.round_id == round_.id, Attempt.purpose == "contest", Attempt.status == "submitted",
               Attempt.submitted_at < moment)).all()
    attempts: dict[int, list[AttemptResult]] = {}
    people = {}
    for r in rows:
        attempts.setdefault(r.id, []).append(AttemptResult(r.started_at, r.submitted_at, r.percent or 0.0))
        people[r.id] = r
    entries = []
    for registration_id, theirs in attempts.items():
        counted = standing_at(theirs, round_.counting, moment)
        entries.append(Entry(registration_id, counted.percent, counted.seconds_taken, counted.submitted_at))
    ranked = rank_participants(entries)
    keys = [ranking_key(r.entry, None) for r in ranked]
    board = []
    for i, r in enumerate(ranked):
        person = people[r.entry.participant_id]
        board.append(BoardRow(r.rank, r.tied, person.id, person.full_name,
                              _unit(person),
                              keys[i].score, keys[i].time, r.entry.submitted_at, None,
                              deciding_part(keys[i - 1], keys[i]) if i else ""))
    return board


# --- a participant's own place ------------------------------------------------------------------


def _before(pairs, submitted, second: datetime):
    """SQL: the row's key is smaller than the one given by (column, value) ``pairs`` then the
    submission second (lexicographically, as ``RankKey`` compares)."""
    condition = submitted < second
    for column, value in reversed(pairs):
        condition = or_(column < value, and_(column == value, condition))
    return condition


def place_of(round_: ContestRound, board: Leaderboard, user_id: int) -> BoardRow | None:
    """The signed-in participant's own row, also when outside the top rows: one query for
    their result, and, on a live board where they are not among the rows, one indexed count
    of those ahead. None without a ranked result (or on a hidden board)."""
    if board.shown is Shown.HIDDEN:
        return None
    e = RoundEntry
    mine = db.session.execute(
        select(Registration.id, Registration.full_name, Registration.unit_name, Registration.school,
               *_UNIT_COLUMNS,
               e.score_key, e.time_key, e.submitted_at, e.prediction)
        .outerjoin(e, and_(e.registration_id == Registration.id, e.round_id == round_.id))
        .outerjoin(Organization, Organization.id == Registration.org_id)
              .outerjoin(_PARENT, and_(Organization.kind == "class", _PARENT.id == Organization.parent_id))
        .where(Registration.contest_id == round_.contest_id, Registration.user_id == user_id)).first()
    if mine is None:
        return None
    if board.places is not None:
        return board.places.get(mine.id)
    found = next((r for r in board.rows if r.registration_id == mine.id), None)
    if found is not None or mine.score_key is None:
        return found
    true_count = board.true_count
    key: RankKey = rank_key(mine.score_key, mine.time_key, mine.submitted_at, mine.prediction, true_count)
    pairs = [(e.score_key, key.score)]
    if true_count is not None:
        pairs += [(case((e.prediction.is_(None), 1), else_=0), int(key.no_prediction)),
                  (func.coalesce(func.abs(e.prediction - true_count), 0), key.distance)]
    pairs.append((e.time_key, key.time))
    ahead = _before(pairs, e.submitted_at, key.submitted)
    same = and_(*(column == value for column, value in pairs), e.submitted_at >= key.submitted,
                e.submitted_at < key.submitted + timedelta(seconds=1))
    counted = db.session.execute(
        select(func.count(), func.sum(case((ahead, 1), else_=0)))
        .where(e.round_id == round_.id, e.score_key.is_not(None), e.score_key <= key.score, or_(ahead, same))).one()
    level, before = counted[0], counted[1] or 0
    return BoardRow(before + 1, level - before > 1, mine.id, mine.full_name,
                    _unit(mine),
                    mine.score_key, mine.time_key, mine.submitted_at, mine.prediction, "")


# --- the JSON every poll gets -----------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else submitted_iso(moment)


def submitted_iso(moment: datetime) -> str:
    """A stored UTC time to the whole second, as the board compares it."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def row_json(row: BoardRow, audience: str, true_count: int | None) -> dict:
    """One row as a viewer may see it: ``audience`` is "organiser" (full name and unit) or a
    ``Contest.public_board`` choice. The prediction shows only once the true count is set
    (after the close): earlier, others' predictions would help whoever has not submitted yet."""
    public = audience != "organiser"
    return {"rank": row.rank, "tied": row.tied,
            "name": public_name(row.name, audience) if public else row.name,
            "unit": row.unit if not public or shows_unit(audience) else None,
            "score": row.score, "seconds": row.seconds, "submitted": _iso(row.submitted_at),
            "prediction": row.prediction if true_count is not None else None, "decided_by": row.decided_by or None}


def board_json(board: Leaderboard, round_: ContestRound, audience: str) -> bytes:
    """The board's JSON for ``audience`` (see ``row_json``), encoded once per board: a poll
    of an unchanged board returns the same bytes."""
    body = board.encoded.get(audience)
    if body is None:
        payload = {"round": round_.position, "stage": board.stage.value, "frozen": board.frozen,
                   "frozen_at": _iso(board.frozen_at), "provisional": board.stage is Stage.CLOSED_GRADING,
                   "pending": list(board.pending), "total": board.total}
        if board.shown is Shown.HIDDEN:
            payload["hidden_until"] = round_.closes_at.isoformat() + "Z"
        payload["rows"] = [row_json(r, audience, board.true_count) for r in board.rows]
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        board.encoded[audience] = body
    return body
