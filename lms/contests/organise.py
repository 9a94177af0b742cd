"""What organisers do to a contest after creating it: change its settings (each change is
audit-logged with its old and new value), appoint organisers, close the rounds' tiebreakers,
and publish the results with their prizes.

Published awards are stored, not recomputed: a certificate of award that has been printed and
handed over must say the same thing as the results page a year later.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.orm import aliased

from lms.access import rules as access_rules
from lms.access.adapters import is_admin
from lms.audit.services import current_ip, record_audit
from lms.auth.services import grant_role
from lms.certificates.services import new_code
from lms.contests import attempt_titles as _attempt_titles  # noqa: F401 - names contest attempts on quiz pages
from lms.contests import rounds
from lms.contests.models import (
    PUBLIC_BOARD_CHOICES,
    AnswerLog,
    Award,
    Contest,
    ContestRound,
    Registration,
    RoundEntry,
)
from lms.contests.ranking import (
    PRIZES,
    Entry,
    award_prizes,
    combine_rounds,
    deciding_key,
    headcounts_fixed_at,
    rank_participants,
    rank_scores,
    rank_units,
    time_key,
    unit_label,
)
from lms.contests.services import OPTIONAL_FIELDS
from lms.core.errors import ServiceError
from lms.core.text import nfc
from lms.core.timeutil import utcnow
from lms.courses.render import render_markdown
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import headcount_as_of, headcount_history, subtree_clause
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt, QuestionBank, QuestionVersion
from lms.quizzes.rules import GRACE

STATUSES = ("draft", "open", "closed", "published")
COUNTING = ("best", "first", "last")
# What the organiser's final ranking says decided each row against the one above.
DECIDED_LABELS = {"score": _l("Score"), "prediction": _l("Prediction"), "time": _l("Time taken"),
                  "submitted": _l("Submission time"), "tie": _l("Tie")}
# What pages call each prize (the documents for offices use awards.PRIZE_NAMES, in Vietnamese).
PRIZE_LABELS = {"first": _l("First prize"), "second": _l("Second prize"), "third": _l("Third prize"),
                "consolation": _l("Consolation prize"), "collective": _l("Collective prize")}


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat() + "Z"  # stored times are UTC; the "Z" lets pages show Vietnam time
    if isinstance(value, date):
        return value.isoformat()
    return value


def _apply(actor, target, action: str, changes: dict, *, audit_target) -> dict:
    """Set the attributes that really change and log them as {name: [old, new]}."""
    diff = {}
    for name, value in changes.items():
        old = getattr(target, name)
        if old != value:
            diff[name] = [_plain(old), _plain(value)]
            setattr(target, name, value)
    if diff:
        db.session.flush()
        record_audit(actor, action, target=audit_target, changes=diff)
    return diff


# --- contest settings ------------------------------------------------------------------


def update_contest(actor, contest: Contest, *, title: str, rules_md: str, scope: Organization | None,
                   required_fields: set[str], optional_fields: set[str], status: str,
                   public_board: str | None = None) -> dict:
    """A published contest keeps its status (its title, rules and the rest may still be
    corrected); the status changes to or from "published" only on the prizes page.
    ``public_board`` (one of PUBLIC_BOARD_CHOICES; None keeps it) is what the public
    leaderboard shows of each participant. Returns the changes as {name: [old, new]}, logged
    as one "contest.settings" audit entry."""
    if not (title or "").strip():
        raise ServiceError(_l("A contest needs a title."), field="title")
    if status not in STATUSES:
        raise ServiceError(_l("Unknown status."), field="status")
    if contest.status == "published" and status != "published":
        raise ServiceError(_l("Withdraw the results on the prizes page to change the status."), field="status")
    if status == "published" and contest.status != "published":
        raise ServiceError(_l("Results are published from the prizes page."), field="status")
    if public_board is not None and public_board not in PUBLIC_BOARD_CHOICES:
        raise ServiceError(_l("Unknown choice for the public leaderboard."), field="public_board")
    unknown = (required_fields | optional_fields) - set(OPTIONAL_FIELDS)
    if unknown:
        raise ServiceError(_l("Unknown registration field(s): %(f)s.", f=", ".join(sorted(unknown))))
    fields = {name: name in required_fields for name in OPTIONAL_FIELDS if name in required_fields | optional_fields}
    rules_md = unicodedata.normalize("NFC", (rules_md or "").replace("\r\n", "\n"))
    changes = {"title": nfc(title.strip()), "rules_md": rules_md, "scope_org_id": scope.id if scope else None,
               "registration_fields": fields, "status": status}
    if public_board is not None:
        changes["public_board"] = public_board
    diff = _apply(actor, contest, "contest.settings", changes, audit_target=contest)
    if "rules_md" in diff:
        contest.rules_html = render_markdown(rules_md)
    return diff


@dataclass
class RoundSettings:
    title: str
    kind: str
    opens_at: datetime  # naive UTC
    closes_at: datetime
    bank_slug: str | None = None
    draw: int | None = None
    time_limit_minutes: int | None = None
    attempts_allowed: int = 1
    counting: str = "best"
    tiebreaker_question: str | None = None
    hide_results_until_close: bool = True
    freeze_minutes: int = 0
    weight: float = 1.0
    one_device: bool = False


def _round_values(settings: RoundSettings) -> dict:
    if not (settings.title or "").strip():
        raise ServiceError(_l("A round needs a title."), field="title")
    if settings.kind not in ("quiz", "judged"):
        raise ServiceError(_l("A round is a quiz or a judged round."), field="kind")
    if settings.closes_at <= settings.opens_at:
        raise ServiceError(_l("A round must close after it opens."), field="closes_at")
    bank_id = None
    if settings.kind == "quiz":
        bank_id = db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == (settings.bank_slug or "")))
        if bank_id is None:
            raise ServiceError(_l("No question bank named %(slug)s.", slug=settings.bank_slug or ""), field="bank")
    if settings.attempts_allowed < 1:
        raise ServiceError(_l("Allow at least one attempt."), field="attempts_allowed")
    if settings.counting not in COUNTING:
        raise ServiceError(_l("Count the best, first or last attempt."), field="counting")
    if settings.draw is not None and settings.draw < 1:
        raise ServiceError(_l("Draw at least one question, or leave it empty for all."), field="draw")
    if settings.time_limit_minutes is not None and settings.time_limit_minutes < 1:
        raise ServiceError(_l("The time limit is at least one minute."), field="time_limit_minutes")
    if settings.freeze_minutes < 0 or settings.weight < 0:
        raise ServiceError(_l("Freeze and weight cannot be negative."), field="weight")
    return {"title": nfc(settings.title.strip()), "kind": settings.kind, "opens_at": settings.opens_at,
            "closes_at": settings.closes_at, "bank_id": bank_id, "draw": settings.draw,
            "time_limit_minutes": settings.time_limit_minutes, "attempts_allowed": settings.attempts_allowed,
            "counting": settings.counting,
            "tiebreaker_question": nfc((settings.tiebreaker_question or "").strip()) or None,
            "hide_results_until_close": settings.hide_results_until_close,
            "freeze_minutes": settings.freeze_minutes, "weight": settings.weight,
            "one_device": bool(settings.one_device)}


def sealed_elsewhere(actor, contest_id: int | None, bank_id: int | None, now: datetime | None = None) -> bool:
    """Whether ``bank_id`` is the paper of a round of another contest that has not closed yet
    and that ``actor`` does not organise. Such a paper is sealed (issue 14: no key of an open
    round's question reaches anyone but its organisers and admins): an organiser who put it in
    his own round would hand it to his participants, and its keys to their reviews once his
    round closed. Admins, and the system (``actor`` None: CLI), are not refused."""
    if bank_id is None or actor is None or is_admin(actor):
        return False
    now = now or utcnow()
    others = set(db.session.scalars(select(ContestRound.contest_id).where(
        ContestRound.bank_id == bank_id, ContestRound.contest_id != contest_id, ContestRound.closes_at > now)))
    organised = {r.contest_id for r in actor.roles if r.role == "organizer"}
    return bool(others - organised)


def _refuse_sealed_bank(actor, contest_id: int | None, bank_id: int | None, slug: str | None) -> None:
    if sealed_elsewhere(actor, contest_id, bank_id):
        raise ServiceError(_l("The question bank %(slug)s is the paper of another contest's round that has not "
                              "closed yet: it can be used only after that round closes.", slug=slug or ""),
                           field="bank")


def add_round(actor, contest: Contest, settings: RoundSettings) -> ContestRound:
    _refuse_if_published(contest)
    values = _round_values(settings)
    _refuse_sealed_bank(actor, contest.id, values["bank_id"], settings.bank_slug)
    round_ = ContestRound(position=len(contest.rounds) + 1, **values)
    contest.rounds.append(round_)
    db.session.flush()
    record_audit(actor, "contest.round.add", target=contest, round=round_.position,
                 settings={k: _plain(v) for k, v in values.items()})
    return round_


def update_round(actor, round_: ContestRound, settings: RoundSettings) -> dict:
    """Once a round has started, its paper (bank, draw, kind) stays as it was: changing it
    would give participants different contests. The window and display may still move."""
    _refuse_if_published(round_.contest)
    values = _round_values(settings)
    if values["bank_id"] != round_.bank_id:
        _refuse_sealed_bank(actor, round_.contest_id, values["bank_id"], settings.bank_slug)
    started = db.session.scalar(select(func.count()).select_from(RoundEntry).where(RoundEntry.round_id == round_.id))
    if started:
        for name in ("kind", "bank_id", "draw", "time_limit_minutes", "attempts_allowed", "counting"):
            if values[name] != getattr(round_, name):
                raise ServiceError(_l("Participants have already started this round: its questions, time limit "
                                      "and attempts can no longer change."), field=name)
    diff = _apply(actor, round_, "contest.round.settings", values, audit_target=round_.contest)
    if diff:
        rounds._bump(round_.id)
    if "one_device" in diff and not round_.one_device:  # any device again, for attempts under way too
        db.session.execute(update(Attempt).where(Attempt.round_id == round_.id, Attempt.status == "open")
                           .values(device_id=None))
    return diff


def set_true_count(actor, round_: ContestRound, value: int | None) -> dict:
    if value is not None and value < 0:
        raise ServiceError(_l("Give a whole number, 0 or more."), field="true_count")
    diff = _apply(actor, round_, "contest.round.true_count", {"tiebreaker_answer": value}, audit_target=round_.contest)
    rounds._bump(round_.id)
    return diff


def perfect_count(round_: ContestRound) -> int:
    """The answer to the usual tiebreaker question: how many participants answered everything right."""
    return db.session.scalar(select(func.count()).select_from(RoundEntry).where(
        RoundEntry.round_id == round_.id, RoundEntry.score >= 100)) or 0


def add_organiser(actor, contest: Contest, user) -> bool:
    """Appoint an organiser of this contest: admins only (auth's grant_role decides), logged
    both as a role grant and in the contest's history. False if they already organise it."""
    from lms.auth.models import RoleAssignment

    exists = db.session.scalar(select(RoleAssignment.id).where(
        RoleAssignment.user_id == user.id, RoleAssignment.role == "organizer", RoleAssignment.contest_id == contest.id))
    grant_role(actor, user, "organizer", contest_id=contest.id)  # refuses anyone but an admin
    if exists:
        return False
    record_audit(actor, "contest.organiser.add", target=contest, username=user.username)
    return True


def set_prize_settings(actor, contest: Contest, counts: dict[str, int], collective: int, collective_level: str | None) -> dict:
    _refuse_if_published(contest)
    if any(v < 0 for v in counts.values()) or collective < 0:
        raise ServiceError(_l("Prize counts cannot be negative."))
    if collective > 0 and not collective_level:
        raise ServiceError(_l("Choose which units compete for the collective prizes."), field="collective_level")
    settings = {**{p: int(counts.get(p, 0)) for p in PRIZES}, "collective": collective,
                "collective_level": collective_level or None}
    return _apply(actor, contest, "contest.prizes", {"prize_settings": settings}, audit_target=contest)


def _refuse_if_published(contest: Contest) -> None:
    if contest.status == "published":
        raise ServiceError(_l("The results are published: withdraw them before changing the contest."))


# --- final standings and publication -----------------------------------------------------


@dataclass
class Standing:
    rank: int
    tied: bool
    registration: Registration
    score: float
    per_round: dict[int, float] = field(default_factory=dict)
    # Which key put this standing below the one above (ranking.DECIDING_KEYS; "" for the
    # first), and, with one round, its time taken: the organiser defends every split with them.
    decided_by: str = ""
    seconds: float | None = None


def counted_rounds_of(contest: Contest) -> list[ContestRound]:
    """The rounds that make the final score: those with a weight, or all when none has one.
    With exactly one, that round's full ranking rules decide (``final_standings``)."""
    return [r for r in contest.rounds if (r.weight or 0) > 0] or list(contest.rounds)


def final_standings(contest: Contest) -> list[Standing]:
    """One round: that round's full ranking rules (prediction, time, submission), at the
    precision the board shows. Several: the weighted final score compared to 0.01 like the
    board (``ranking.rank_scores``), ties left as ties."""
    entries = db.session.execute(
        select(RoundEntry).join(ContestRound, ContestRound.id == RoundEntry.round_id)
        .where(ContestRound.contest_id == contest.id, RoundEntry.score.is_not(None))).scalars().all()
    registrations = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.contest_id == contest.id))}
    counted_rounds = counted_rounds_of(contest)
    if len(counted_rounds) == 1:
        round_ = counted_rounds[0]
        mine = [e for e in entries if e.round_id == round_.id]
        ranked = rank_participants([Entry(e.registration_id, e.score, e.seconds_taken or 0.0,
                                          e.submitted_at or datetime.max, e.prediction) for e in mine],
                                   round_.tiebreaker_answer)
        return [Standing(r.rank, r.tied, registrations[r.entry.participant_id], r.entry.score,
                         {round_.id: r.entry.score},
                         deciding_key(ranked[i - 1].entry, r.entry, round_.tiebreaker_answer) if i else "",
                         time_key(r.entry.seconds_taken) / 10) for i, r in enumerate(ranked)]
    scores: dict[int, dict[int, float]] = {}
    for e in entries:
        scores.setdefault(e.registration_id, {})[e.round_id] = e.score
    final = combine_rounds(scores, {r.id: r.weight for r in counted_rounds})
    ranked = rank_scores(final)
    return [Standing(rank, tied, registrations[pid], final[pid], scores[pid],
                     ("tie" if rank == ranked[i - 1][0] else "score") if i else "")
            for i, (rank, tied, pid) in enumerate(ranked)]


@dataclass(frozen=True)
class HeadcountUsed:
    """The headcount a contest measures a unit against, and since when it held."""

    headcount: int | None
    since: datetime | None  # when it took effect (UTC); None when the unit has no headcount history
    late: bool = False  # first given after the contest's headcounts were fixed (the unit had none then)


def headcounts_used(contest: Contest, orgs: list[Organization],
                    now: datetime | None = None) -> tuple[datetime | None, dict[int, HeadcountUsed]]:
    """(the moment the contest's headcounts were fixed, {org id: HeadcountUsed}) for ``orgs``.

    Once the first round has opened, each unit counts with the headcount in force at that
    moment (lms.orgs.services.headcount_as_of over its history), so a change made during the
    contest never moves its rates; before, the current headcount (moment None)."""
    moment = headcounts_fixed_at([r.opens_at for r in contest.rounds], now or utcnow())
    scope = db.session.get(Organization, contest.scope_org_id) if contest.scope_org_id else None
    history = headcount_history((o.id for o in orgs), within=scope.path if scope else None)
    used = {}
    for org in orgs:
        changes = history.get(org.id, [])
        if moment is None:
            since = changes[-1][0] if changes and changes[-1][1] == org.headcount else None
            used[org.id] = HeadcountUsed(org.headcount, since)
            continue
        in_force = headcount_as_of(changes, moment)
        if in_force is None:  # no history (set before it was kept, by hand): the current figure
            used[org.id] = HeadcountUsed(org.headcount, None)
        else:
            used[org.id] = HeadcountUsed(in_force[1], in_force[0], late=in_force[0] > moment)
    return moment, used


def units_in_scope(contest: Contest, level: str | None = None) -> list[Organization]:
    """The active units of the contest's scope (everywhere for a public contest), of one kind
    when ``level`` is given, by path."""
    scope = db.session.get(Organization, contest.scope_org_id) if contest.scope_org_id else None
    query = select(Organization).where(Organization.active.is_(True))
    if scope is not None:
        query = query.where(subtree_clause(scope.path))
    if level is not None:
        query = query.where(Organization.kind == level)
    return list(db.session.scalars(query.order_by(Organization.path)))


def collective_standings(contest: Contest, level: str, standings: list[Standing] | None = None,
                         now: datetime | None = None) -> list[tuple[int, Organization, object]]:
    """Units of one kind (school, commune, ...) of the contest's scope ranked by participation
    rate, then average final score (lms.contests.ranking.rank_units): [(rank, Organization,
    UnitResult)], units without participants left out. The collective prize and the public
    "Ranking of units" both come from here. Each unit's headcount is the one in force when the
    first round opened (headcounts_used). A registration flagged as a possible duplicate does
    not count (one person with two accounts must not raise their unit's participation)."""
    if standings is None:
        standings = final_standings(contest)
    orgs = units_in_scope(contest)
    paths = {o.id: o.path for o in orgs}
    by_org: dict[int, list[float]] = {}
    for s in standings:
        if s.registration.org_id in paths and s.registration.duplicate_of_id is None:
            by_org.setdefault(s.registration.org_id, []).append(s.score)
    level_orgs = [o for o in orgs if o.kind == level]
    _moment, used = headcounts_used(contest, level_orgs, now)
    by_id = {o.id: o for o in orgs}
    return [(rank, by_id[result.org_id], result)
            for rank, result in rank_units(paths, {oid: u.headcount for oid, u in used.items()}, by_org,
                                           [o.id for o in level_orgs])
            if result.participants > 0]


def prizes_for(contest: Contest, standings: list[Standing]) -> dict[int, str]:
    """Registration id -> individual prize under the contest's current prize settings. A final
    score of 0 wins nothing, even when there are fewer participants than prizes."""
    settings = contest.prize_settings or {}
    return award_prizes([(s.rank, s.registration.id) for s in standings if s.score > 0],
                        {p: int(settings.get(p, 0)) for p in PRIZES})


def publication_problems(contest: Contest, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    problems = []
    if not contest.rounds:
        problems.append(str(_l("The contest has no rounds.")))
    for round_ in contest.rounds:
        if now < round_.closes_at:
            problems.append(str(_l("Round %(n)s (%(title)s) has not closed yet.", n=round_.position, title=round_.title)))
        elif now < round_.closes_at + GRACE:
            problems.append(str(_l("Round %(n)s (%(title)s) closed less than %(s)d seconds ago: answers sent just "
                                   "before the close may still arrive. Try again in a moment.",
                                   n=round_.position, title=round_.title, s=int(GRACE.total_seconds()))))
        if round_.kind == "quiz" and round_.tiebreaker_question and round_.tiebreaker_answer is None:
            problems.append(str(_l("Round %(n)s: set the true count for the tiebreaker question.", n=round_.position)))
        if round_.kind == "judged" and not _judging_finalised(round_):
            problems.append(str(_l("Round %(n)s: the judges' scores are not finalised.", n=round_.position)))
    return problems


def _judging_finalised(round_: ContestRound) -> bool:
    try:
        from lms.contests.judging_models import JudgingConfig
    except ImportError:  # pragma: no cover - judged rounds not installed
        return False
    config = db.session.scalar(select(JudgingConfig).where(JudgingConfig.round_id == round_.id))
    return config is not None and config.finalised_at is not None


def close_expired_attempts(contest: Contest, now: datetime | None = None) -> int:
    """Grade the contest's attempts whose time ran out but were never submitted (the quiz
    module's cron job does the same for every quiz, when it runs). Each counts as submitted
    when its time ran out, so its time taken does not depend on when it was graded."""
    now = now or utcnow()
    round_ids = [r.id for r in contest.rounds if r.kind == "quiz"]
    if not round_ids:
        return 0
    expired = list(db.session.scalars(select(Attempt).where(
        Attempt.round_id.in_(round_ids), Attempt.purpose == "contest", Attempt.status == "open",
        Attempt.deadline.is_not(None), Attempt.deadline < now - GRACE).order_by(Attempt.id)))
    for attempt in expired:
        quiz_services.finish_attempt(attempt, now=attempt.deadline, auto=True)
    return len(expired)


def publish_results(actor, contest: Contest, now: datetime | None = None) -> list[Award]:
    """Every round must have closed (with the quiz grace) before this: the attempts left open
    are graded first, so the awards count everyone and no late answer can change them."""
    now = now or utcnow()
    if contest.status == "published":
        raise ServiceError(_l("The results are already published."))
    problems = publication_problems(contest, now)
    if problems:
        raise ServiceError(" ".join(problems))
    close_expired_attempts(contest, now)
    settings = contest.prize_settings or {}
    standings = final_standings(contest)
    prizes = prizes_for(contest, standings)
    winner_orgs = {s.registration.org_id for s in standings if s.registration.id in prizes} - {None}
    # A class is announced with its school ("Lớp 11A1 · Trường THPT Chu Văn An"): every school
    # has a "Lớp 10A1".
    parent = aliased(Organization)
    org_names = {org_id: unit_label(None, name, None, None, school) for org_id, name, school in db.session.execute(
        select(Organization.id, Organization.name, parent.name)
        .outerjoin(parent, and_(Organization.kind == "class", parent.id == Organization.parent_id))
        .where(Organization.id.in_(winner_orgs))).all()}
    awards = []
    for s in standings:
        prize = prizes.get(s.registration.id)
        if prize:
            reg = s.registration
            awards.append(Award(contest_id=contest.id, kind="individual", prize=prize, rank=s.rank,
                                registration_id=reg.id, org_id=reg.org_id, name=reg.full_name,
                                unit_name=org_names.get(reg.org_id) or reg.unit_name or reg.school,
                                score=s.score, code=new_code()))
    collective = int(settings.get("collective", 0))
    if collective and settings.get("collective_level"):
        units = collective_standings(contest, settings["collective_level"], standings, now)
        unit_prizes = award_prizes([(rank, org.id) for rank, org, _ in units], {"first": collective})
        for rank, org, result in units:
            if org.id in unit_prizes:
                # The unit above is named with it, as for individual winners: every school has a
                # "Lớp 10A1", and every province an "UBND xã ...".
                above = db.session.get(Organization, org.parent_id) if org.parent_id else None
                awards.append(Award(contest_id=contest.id, kind="collective", prize="first", rank=rank,
                                    org_id=org.id, name=org.name, unit_name=above.name if above else None,
                                    score=result.average_score, code=new_code()))
    db.session.add_all(awards)
    contest.status = "published"
    contest.published_at = now
    contest.withdrawn_reason = contest.withdrawn_at = None  # the new results stand: no withdrawal to explain
    db.session.flush()
    for round_ in contest.rounds:
        rounds._bump(round_.id)
    record_audit(actor, "contest.publish", target=contest, awards=len(awards))
    return awards


def withdraw_results(actor, contest: Contest, reason: str, now: datetime | None = None) -> int:
    """Undo a publication made in error; the awards (and their codes) stop verifying. The
    reason and the moment (UTC) stay on the contest until the next publication, so the award
    and results pages can tell whoever checks a printed certificate what happened and why."""
    if contest.status != "published":
        raise ServiceError(_l("The results are not published."))
    reason = nfc((reason or "").strip())
    if not reason:
        raise ServiceError(_l("Say why the results are withdrawn."), field="reason")
    removed = db.session.execute(delete(Award).where(Award.contest_id == contest.id)).rowcount
    contest.status = "closed"
    contest.published_at = None
    contest.withdrawn_reason = reason
    contest.withdrawn_at = now or utcnow()
    db.session.flush()
    for round_ in contest.rounds:
        rounds._bump(round_.id)
    record_audit(actor, "contest.withdraw", target=contest, reason=reason, awards=removed)
    return removed


def awards_of(contest: Contest) -> list[Award]:
    order = {p: i for i, p in enumerate(PRIZES)}
    awards = list(db.session.scalars(select(Award).where(Award.contest_id == contest.id)))
    return sorted(awards, key=lambda a: (a.kind != "individual", order.get(a.prize, 9), a.rank, a.name))


# --- the answer log -----------------------------------------------------------------------

_LOG = insert(AnswerLog.__table__)


def log_contest_answer(attempt, version_id: int, response, saved_at: datetime) -> None:
    """Answer hook: contest attempts keep every saved answer, not only the latest."""
    if attempt.purpose != "contest":
        return
    db.session.connection().execute(_LOG, {"attempt_id": attempt.id, "question_version_id": version_id,
                                           "response": response, "saved_at": saved_at, "ip": current_ip.get()})


quiz_services.ANSWER_HOOKS.append(log_contest_answer)


@dataclass
class LoggedAnswer:
    """One saved answer as the organiser reads it on a participant's record."""

    saved_at: datetime  # UTC
    round_position: int
    number: int | None  # the question's number on this participant's paper (None: not on it)
    parts: list[str]  # the options chosen (their text), "left → right" pairs, or the typed answer; []: blank
    ip: str | None


def answer_log(contest: Contest, user_id: int | None) -> list[LoggedAnswer]:
    """Every answer ``user_id`` saved in ``contest``'s quiz rounds, oldest first, each with the
    question's number on the participant's own paper (as they saw it, descriptions not
    counted) and the answer in words: a logged choice is stored as option indices ("[0]"),
    which says nothing to someone settling a dispute."""
    round_ids = {r.id: r.position for r in contest.rounds}
    if user_id is None or not round_ids:
        return []
    rows = db.session.execute(
        select(AnswerLog, Attempt).join(Attempt, Attempt.id == AnswerLog.attempt_id)
        .where(Attempt.user_id == user_id, Attempt.round_id.in_(list(round_ids)))
        .order_by(AnswerLog.saved_at, AnswerLog.id)).all()
    version_ids = {entry.question_version_id for entry, _attempt in rows}
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(version_ids)))}
    numbers: dict[int, dict[int, int]] = {}  # attempt id -> {version id: number}
    for _entry, attempt in rows:
        if attempt.id not in numbers:
            kinds = {v.id: v.type for v in db.session.scalars(
                select(QuestionVersion).where(QuestionVersion.id.in_([i["v"] for i in attempt.items])))}
            counted = [item["v"] for item in attempt.items if kinds.get(item["v"]) != "description"]
            numbers[attempt.id] = {version_id: n for n, version_id in enumerate(counted, start=1)}
    return [LoggedAnswer(saved_at=entry.saved_at, round_position=round_ids[attempt.round_id],
                         number=numbers[attempt.id].get(entry.question_version_id),
                         parts=answer_parts(versions.get(entry.question_version_id), entry.response), ip=entry.ip)
            for entry, attempt in rows]


def answer_parts(version, response) -> list[str]:
    """A stored response in words: chosen options by their text (an index the version does not
    have as "?"), matching answers as "left → right", anything typed as typed; [] for blank."""
    if response in (None, "", [], {}):
        return []
    data = version.data if version is not None else {}
    if version is not None and version.type == "matching" and isinstance(response, list):
        lefts = [p.get("left") or "" for p in data.get("pairs", [])]
        return [f"{left} → {right or '—'}" for left, right in zip(lefts, response, strict=False) if right]
    choices = data.get("choices") or []
    if choices and isinstance(response, list):
        shown = []
        for index in response:
            try:
                shown.append(choices[int(index)]["text"])
            except (ValueError, TypeError, IndexError, KeyError):
                shown.append("?")
        return shown
    if isinstance(response, list):
        return [str(item) for item in response if item not in (None, "")]
    return [str(response)]


# --- personal data --------------------------------------------------------------------------


def _personal_data(user) -> list[dict]:
    from lms.contests.judging_models import Submission

    registrations = list(db.session.scalars(select(Registration).where(Registration.user_id == user.id)))
    if not registrations:
        return []
    ids = [r.id for r in registrations]
    contests = {c.id: c for c in db.session.scalars(select(Contest).where(
        Contest.id.in_({r.contest_id for r in registrations})))}
    submissions = list(db.session.scalars(select(Submission).where(Submission.registration_id.in_(ids))))
    awards = list(db.session.scalars(select(Award).where(Award.registration_id.in_(ids))))
    entries = list(db.session.scalars(select(RoundEntry).where(RoundEntry.registration_id.in_(ids))))
    rounds = {r.id: r for r in db.session.scalars(select(ContestRound).where(
        ContestRound.id.in_({e.round_id for e in entries})))} if entries else {}
    now = utcnow()

    def shown(entry):  # a round that hides results keeps them hidden here too, until it closes
        round_ = rounds[entry.round_id]
        return access_rules.round_results_visible(hide_until_close=round_.hide_results_until_close,
                                                  closes_at=round_.closes_at, now=now)

    return [{
        "contest": contests[r.contest_id].title, "full_name": r.full_name, "date_of_birth": _plain(r.date_of_birth),
        "phone": r.phone, "school": r.school, "class_name": r.class_name, "unit_name": r.unit_name,
        "registered_at": _plain(r.created_at),
        "results": [{"round_id": e.round_id, "score": e.score if shown(e) else None, "prediction": e.prediction,
                     "submitted_at": _plain(e.submitted_at)} for e in entries if e.registration_id == r.id],
        "submissions": [{"kind": s.kind, "url": s.url, "article": s.article_md, "file": s.original_name}
                        for s in submissions if s.registration_id == r.id],
        "awards": [{"prize": a.prize, "code": a.code} for a in awards if a.registration_id == r.id],
    } for r in registrations]


def _erase_personal_data(user) -> None:
    """Results and awards stay (rankings must not change after the fact), without the person."""
    from lms.contests.judging_models import Submission
    from lms.privacy.services import DELETED_NAME

    registrations = list(db.session.scalars(select(Registration).where(Registration.user_id == user.id)))
    ids = [r.id for r in registrations]
    for r in registrations:
        r.full_name, r.date_of_birth, r.phone = DELETED_NAME, None, None
        r.school = r.class_name = r.unit_name = None
        r.identity_key = ""
    if ids:
        for award in db.session.scalars(select(Award).where(Award.registration_id.in_(ids))):
            award.name = DELETED_NAME
        for submission in db.session.scalars(select(Submission).where(Submission.registration_id.in_(ids))):
            submission.original_name = None


def _register_privacy() -> None:
    from lms.privacy.services import register_personal_data, register_personal_data_eraser

    register_personal_data("contests", _personal_data, _l("your contest registrations, answers and entries"))
    register_personal_data_eraser(_erase_personal_data)


_register_privacy()
