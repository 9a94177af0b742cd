"""The integrity report of a quiz round, for its organisers: attempts with flags (focus losses,
device moves, improbable times), groups of participants with identical uncommon wrong
answers. Printable, and readable on a phone. The rules are ``lms.contests.integrity``; this
module gathers their data (a fixed number of queries whatever the round's size) and shows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from lms.access.web import requires
from lms.audit.services import record_audit
from lms.contests import integrity
from lms.contests.integrity import AttemptFacts, SimilarPair
from lms.contests.models import AnswerLog, ContestRound, Registration
from lms.contests.organise_views import _managed
from lms.contests.views import _round
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.quizzes.models import Attempt, AttemptAnswer, AttemptEvent, QuestionVersion
from lms.quizzes.services import DEVICE_TAKEN_OVER
from lms.quizzes.text import markdown_to_plain

bp = Blueprint("contest_integrity", __name__, url_prefix="/contests/manage")

# What each flag means, in the words the report prints.
FLAG_LABELS = {
    "takeover": _l("Moved to another device"),
    "focus": _l("Left the page often"),
    "fast_full_score": _l("Full score, very fast"),
    "read_too_fast": _l("Answered faster than reading"),
    "similar": _l("Identical wrong answers"),
}


@dataclass
class Person:
    """Who took an attempt, as the organiser knows them."""

    registration_id: int | None
    name: str
    unit: str


@dataclass
class FlaggedAttempt:
    facts: AttemptFacts
    flags: list[str]
    person: Person


@dataclass
class RoundIntegrity:
    """The report of one round. ``median``: seconds, None with too few submissions;
    ``people``: attempt id -> Person, for every attempt the report names."""

    attempts: int = 0
    submitted: int = 0
    left_page: int = 0  # attempts that left the page at least once
    median: float | None = None
    flagged: list[FlaggedAttempt] = field(default_factory=list)
    pairs: list[SimilarPair] = field(default_factory=list)
    groups: list[list[int]] = field(default_factory=list)
    people: dict[int, Person] = field(default_factory=dict)


def _answer_text(response) -> str:
    return json.dumps(response, sort_keys=True, ensure_ascii=False)


def _words(text: str | None, data: dict) -> int:
    """Words a participant reads for one question: its text and its options' texts."""
    parts = [markdown_to_plain(text)] + [markdown_to_plain(c.get("text")) for c in data.get("choices", [])]
    return sum(len(part.split()) for part in parts)


def round_integrity(round_: ContestRound) -> RoundIntegrity:
    """Gather a quiz round's attempts, their events, answers and answer log, and apply the
    rules of ``lms.contests.integrity``. Seven queries, each over the round's attempts only."""
    in_round = (Attempt.round_id == round_.id, Attempt.purpose == "contest")
    attempts = db.session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.status, Attempt.percent, Attempt.started_at,
               Attempt.submitted_at, Attempt.focus_losses).where(*in_round)).all()
    report = RoundIntegrity(attempts=len(attempts))
    if not attempts:
        return report
    takeovers = dict(db.session.execute(
        select(AttemptEvent.attempt_id, func.count()).join(Attempt, Attempt.id == AttemptEvent.attempt_id)
        .where(*in_round, AttemptEvent.kind == DEVICE_TAKEN_OVER).group_by(AttemptEvent.attempt_id)).all())
    answers: dict[int, dict[int, integrity.Answer]] = {}
    last_saved: dict[int, dict[int, object]] = {}
    for attempt_id, version_id, response, fraction, saved_at in db.session.execute(
            select(AttemptAnswer.attempt_id, AttemptAnswer.question_version_id, AttemptAnswer.response,
                   AttemptAnswer.fraction, AttemptAnswer.saved_at)
            .join(Attempt, Attempt.id == AttemptAnswer.attempt_id).where(*in_round)):
        if response in (None, "", [], {}):
            continue
        last_saved.setdefault(attempt_id, {})[version_id] = saved_at
        if fraction is not None:
            answers.setdefault(attempt_id, {})[version_id] = (_answer_text(response), fraction >= 1)
    # When each question was first answered: the answer log keeps every save; an attempt
    # without a log (saved before it existed) falls back on its answers' latest saves.
    first_saved: dict[int, dict[int, object]] = {}
    for attempt_id, version_id, saved_at in db.session.execute(
            select(AnswerLog.attempt_id, AnswerLog.question_version_id, func.min(AnswerLog.saved_at))
            .join(Attempt, Attempt.id == AnswerLog.attempt_id).where(*in_round)
            .group_by(AnswerLog.attempt_id, AnswerLog.question_version_id)):
        if attempt_id in last_saved and version_id in last_saved[attempt_id]:
            first_saved.setdefault(attempt_id, {})[version_id] = saved_at
    for attempt_id, saves in last_saved.items():
        first_saved.setdefault(attempt_id, saves)
    versions = {v for saves in first_saved.values() for v in saves}
    words = {row.id: _words(row.text, row.data or {}) for row in db.session.execute(
        select(QuestionVersion.id, QuestionVersion.text, QuestionVersion.data)
        .where(QuestionVersion.id.in_(versions)))} if versions else {}

    facts = []
    for a in attempts:
        saves = first_saved.get(a.id, {})
        facts.append(AttemptFacts(
            attempt_id=a.id, participant=a.user_id, percent=a.percent if a.status == "submitted" else None,
            seconds=(a.submitted_at - a.started_at).total_seconds() if a.submitted_at else None,
            focus_losses=a.focus_losses or 0, takeovers=takeovers.get(a.id, 0),
            answered_in=(max(saves.values()) - a.started_at).total_seconds() if saves else None,
            reading=integrity.reading_seconds(sum(words.get(v, 0) for v in saves))))
    report.submitted = sum(1 for f in facts if f.seconds is not None)
    report.left_page = sum(1 for f in facts if f.focus_losses)
    report.median = integrity.median_seconds([f.seconds for f in facts if f.seconds is not None])
    report.pairs = integrity.similar_pairs(answers, {a.id: a.user_id for a in attempts})
    report.groups = integrity.similar_groups(report.pairs)
    similar = {a for group in report.groups for a in group}
    flagged = [(f, integrity.flags_of(f, report.median, similar)) for f in facts]
    flagged = [(f, flags) for f, flags in flagged if flags]

    named = {f.attempt_id for f, _ in flagged} | similar
    owners = {a.id: a.user_id for a in attempts if a.id in named}
    people = {}
    if owners:
        rows = db.session.execute(
            select(Registration.id, Registration.user_id, Registration.full_name, Registration.unit_name,
                   Registration.school, Organization.name)
            .outerjoin(Organization, Organization.id == Registration.org_id)
            .where(Registration.contest_id == round_.contest_id, Registration.user_id.in_(set(owners.values()))))
        people = {r.user_id: Person(r.id, r.full_name, r.name or r.school or r.unit_name or "") for r in rows}
    unknown = Person(None, "—", "")
    report.people = {attempt_id: people.get(user_id, unknown) for attempt_id, user_id in owners.items()}
    report.flagged = sorted((FlaggedAttempt(f, flags, report.people[f.attempt_id]) for f, flags in flagged),
                            key=lambda r: (-len(r.flags), r.person.name, r.facts.attempt_id))
    return report


@bp.get("/<slug>/rounds/<int:number>/integrity")
@requires("contests.organise")
def report(slug, number):
    """The printable integrity report of a quiz round (404 for a judged round)."""
    contest = _managed(slug)
    round_ = _round(contest, number)
    if round_.kind != "quiz":
        abort(404)
    found = round_integrity(round_)
    record_audit(current_user, "contest.integrity.view", target=contest, round=round_.position,
                 flagged=len(found.flagged))
    db.session.commit()
    return render_template("contests/manage/integrity.html", contest=contest, round=round_, report=found,
                           labels=FLAG_LABELS, rules=integrity, now=utcnow())
