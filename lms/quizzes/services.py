"""Banks and attempts: loading versioned questions, and attempts the server keeps fair.

The server owns the clock: the deadline and the drawn paper are stored at start; answers
after the deadline (plus a short grace) are refused; submitting is a conditional update,
so a double click, a retry or two tabs give exactly one graded result.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, exists, func, literal_column, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lms.core.errors import NotFound, ServiceError
from lms.core.text import fold
from lms.core.timeutil import to_vn, utcnow
from lms.extensions import db
from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.models import (
    Attempt,
    AttemptAnswer,
    AttemptEvent,
    Question,
    QuestionBank,
    QuestionVersion,
)
from lms.quizzes.rules import (
    FOCUS_EVENTS_MAX,
    FOCUS_LOSSES_MAX,
    Candidate,
    PaperCheck,
    SealWindow,
    accepts_answers,
    auto_pin,
    carry_response,
    check_paper,
    choice_ids,
    choice_index_map,
    clean_flags,
    counted_attempt,
    device_allows,
    draw_items,
    focus_losses_reported,
    grade_items,
    grade_response,
    is_answered,
    match_choice_ids,
    max_points,
    percent_of,
    pinned_positions,
    records_focus,
    seal_until,
)
from lms.quizzes.settings import check_settings
from lms.quizzes.stats import ItemStats, Response, item_stats
from lms.quizzes.text import markdown_to_plain
from lms.quizzes.titles import contest_attempt_titles
from lms.quizzes.types import REGISTRY, size_problems


class AttemptClosed(ServiceError):
    """The attempt no longer takes answers (submitted or past its deadline)."""


class AlreadySubmitted(AttemptClosed):
    """The attempt was submitted before this answer arrived: by another tab or device, or
    automatically when its time ran out while the learner was away."""


# --- the seal: keys of banks that a contest round draws from -------------------------

# Areas that run timed rounds on banks (contests) say which rounds draw from them:
# fn(bank_ids: list[int], now: datetime) -> list[SealWindow]. This module cannot know
# contests (a higher layer), so they register here (see lms.contests.rounds).
SEAL_SOURCES: list = []

QUESTION_SEALED = _l("This question is in a contest round that is under way; its answer is shown "
                     "after the round closes.")


class Sealed(ServiceError):
    """A key, explanation or statistic of a bank that a running (or scheduled) contest round
    draws from was asked for by someone who is neither its organiser nor an admin.
    ``until`` is the naive-UTC moment the seal ends."""

    def __init__(self, message, until: datetime):
        super().__init__(message)
        self.until = until


def _bank_sealed_message(until: datetime):
    return _l("This bank is used by a contest round that is under way or scheduled: its right answers, "
              "explanations, statistics and exports are hidden from everyone but the round's organisers "
              "and admins until %(time)s (Vietnam time).", time=to_vn(until).strftime("%d/%m/%Y %H:%M"))


def seal_windows(bank_ids, now: datetime) -> list[SealWindow]:
    """Every round registered areas know of that draws from these banks and may still be
    running at ``now`` (one query per area; none when no area registered)."""
    windows: list[SealWindow] = []
    for source in SEAL_SOURCES:
        windows.extend(source(list(bank_ids), now))
    return windows


def bank_seal(bank_id: int, viewer, now: datetime | None = None) -> datetime | None:
    """Until when (naive UTC) this bank's keys are hidden from ``viewer`` (a user, an
    anonymous user or None for nobody known), or None when they are not. The rule is
    ``rules.seal_until``; this only gathers its data."""
    from flask import g, has_request_context

    from lms.access.adapters import is_admin

    viewer_id = getattr(viewer, "id", None) if getattr(viewer, "is_authenticated", False) else None
    memo = None
    if now is None and has_request_context():  # a review page asks for the answers and the score
        memo = g.setdefault("lms_bank_seals", {})
        if (bank_id, viewer_id) in memo:
            return memo[bank_id, viewer_id]
    now = now or utcnow()
    windows = seal_windows([bank_id], now)
    until = seal_until(windows, now, viewer_id=viewer_id, viewer_is_admin=is_admin(viewer)) if windows else None
    if memo is not None:
        memo[bank_id, viewer_id] = until
    return until


def check_unsealed(bank: QuestionBank, viewer, *, message=None, now: datetime | None = None) -> None:
    """Raise ``Sealed`` when ``viewer`` may not see this bank's keys now. Every service that
    returns keys, explanations, answer statistics or anything derived from them calls this
    first, so that no page, export or command can forget it."""
    until = bank_seal(bank.id, viewer, now)
    if until is not None:
        raise Sealed(message or _bank_sealed_message(until), until)


# --- banks --------------------------------------------------------------------------


def question_key(q: ParsedQuestion) -> str:
    if q.name:
        return q.name.strip()[:100]
    return "h-" + hashlib.sha256(f"{q.type}\n{fold(q.text)}".encode()).hexdigest()[:24]


def unique_keys(questions: list[ParsedQuestion]) -> list[str]:
    """Keys in file order; a repeated name or text (Moodle files have them) gets ~2, ~3 ...,
    which stays stable when the same file is imported again."""
    seen: dict[str, int] = {}
    keys = []
    for q in questions:
        key = question_key(q)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key[:95]}~{seen[key]}")
    return keys


def version_hash(q: ParsedQuestion) -> str:
    """The content hash of a question version: what an author wrote, so that importing the
    same question again is "unchanged", whichever format it came in. Only what changes the
    question counts (``_meaningful``): option ids are assigned when a version is stored
    (``load_bank``) and a parsed question has none."""
    payload = json.dumps([q.type, q.text, _meaningful(q.to_data()), q.explanation, q.tags, q.difficulty, q.points],
                         ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


# Stored data that is not what the author wrote: ids are given on storing, the name and
# category are labels no learner sees.
_NOT_CONTENT = {"id", "name", "category"}


def _meaningful(value):
    """``value`` (a version's data) without what does not change the question: keys of
    ``_NOT_CONTENT``, None, a False option and empty containers. One question read from two
    formats then hashes the same (GIFT writes a numeric answer's absent feedback as None,
    our Markdown leaves it out; Markdown spells out unset comparison options)."""
    if isinstance(value, dict):
        kept = {k: _meaningful(v) for k, v in value.items() if k not in _NOT_CONTENT}
        return {k: v for k, v in kept.items() if v is not None and v is not False and v != {} and v != []}
    if isinstance(value, list):
        return [_meaningful(v) for v in value]
    return value


def pin_referring_options(parsed: ParsedBank) -> list[ParseIssue]:
    """Pin every option that refers to other options (``rules.auto_pin``: "Tất cả các đáp
    án trên", "none of the above"...) in the choice questions of ``parsed``, so shuffling
    keeps it where the author wrote it (issue 15, fault 9). Each option pinned here adds a
    note (line of its question, "option D stays in its place...") to ``parsed.notes``, which
    import reports show; the new notes are also returned. Options already pinned are left
    as they are, so calling this twice (on parsing, then in ``load_bank``) notes them once.
    True/false options are never shuffled and never pinned."""
    notes = []
    for q in parsed.questions:
        if not REGISTRY.get(q.type, REGISTRY["description"]).has_choices or q.type == "truefalse":
            continue
        for index, choice in enumerate(q.choices):
            if not choice.pinned and auto_pin(choice.text):
                choice.pinned = True
                notes.append(ParseIssue(q.line, _l("option %(letter)s stays in its place when options are shuffled: "
                                                   "it refers to the other options", letter=_letter(index))))
    parsed.notes.extend(notes)
    return notes


def _letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def _assign_choice_ids(pq: ParsedQuestion, previous: dict | None) -> None:
    """Give the options of ``pq`` their ids (``rules.match_choice_ids``) against the data of
    the question's current version (None for a new question: c1..cn in written order)."""
    old = list(zip(choice_ids(previous), [c.get("text", "") for c in previous.get("choices", [])], strict=True)) \
        if previous else []
    for choice, choice_id in zip(pq.choices, match_choice_ids(old, [c.text for c in pq.choices]), strict=True):
        choice.id = choice_id


@dataclass
class BankReport:
    slug: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    new_bank: bool = False
    changed_keys: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the command line, in the current language (Vietnamese by default)."""
        from flask_babel import gettext

        return gettext("%(bank)s: %(new)d new, %(changed)d changed (new version), %(unchanged)d unchanged, "
                       "%(retired)d retired", bank=self.slug, new=self.created, changed=self.updated,
                       unchanged=self.unchanged, retired=self.retired)


def load_bank(slug: str, parsed: ParsedBank, *, source: str = "file", replace: bool = True) -> tuple[QuestionBank, BankReport]:
    """Create or update a bank from parsed questions. A changed question gets a new version;
    attempts keep pointing at the version they answered. With ``replace`` questions missing
    from the input are retired (kept, no longer drawn).

    Every path that stores questions comes here, so here options that refer to other
    options are pinned (``pin_referring_options``, notes added to ``parsed.notes``) and
    options get their ids: a new question c1..cn, a new version of a question the ids of
    the same options in its current version (``rules.match_choice_ids``). The parsed
    questions come back with those ids set."""
    if parsed.issues:
        raise ServiceError(_l("The bank has %(n)d problem(s); nothing was imported.", n=len(parsed.issues)))
    oversized = sum(1 for q in parsed.questions if size_problems(q))
    if oversized:  # every path that stores questions comes here: uploads, files, sync
        raise ServiceError(_l("The bank has %(n)d problem(s); nothing was imported.", n=oversized))
    pin_referring_options(parsed)
    keys = unique_keys(parsed.questions)
    report = BankReport(slug)
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    settings = parsed.settings or check_settings({})[0]
    if bank is None:
        bank = QuestionBank(slug=slug, title=settings.get("title") or slug, settings=settings, source=source)
        db.session.add(bank)
        db.session.flush()
        report.new_bank = True
    else:
        bank.settings = settings
        bank.title = settings.get("title") or bank.title
        bank.updated_at = utcnow()
    existing = {q.key: q for q in db.session.scalars(select(Question).where(Question.bank_id == bank.id))}
    current = {row.question_id: row for row in db.session.execute(
        select(QuestionVersion.question_id, QuestionVersion.content_hash, QuestionVersion.data)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id)
    )}
    seen = set()
    for position, (key, pq) in enumerate(zip(keys, parsed.questions, strict=True)):
        seen.add(key)
        digest = version_hash(pq)
        question = existing.get(key)
        previous = current.get(question.id) if question is not None else None
        _assign_choice_ids(pq, previous.data if previous is not None else None)
        if question is None:
            question = Question(bank_id=bank.id, key=key)
            db.session.add(question)
            db.session.flush()
            number = 1
            report.created += 1
        elif previous is not None and previous.content_hash == digest:
            question.position, question.active = position, True
            report.unchanged += 1
            continue
        else:
            number = (db.session.scalar(select(func.max(QuestionVersion.number)).where(QuestionVersion.question_id == question.id)) or 0) + 1
            report.updated += 1
            report.changed_keys.append(key)
        data = pq.to_data()
        if pq.name and key != pq.name.strip()[:100]:
            # A name the file uses twice (Moodle's own fixture does): the key got "~2", the
            # name as written is kept so that an export gives it back unchanged.
            data["name"] = pq.name
        version = QuestionVersion(
            question_id=question.id, number=number, type=pq.type, text=pq.text, data=data,
            explanation=pq.explanation, tags="," + ",".join(pq.tags) + "," if pq.tags else "",
            difficulty=pq.difficulty, points=pq.points, content_hash=digest,
        )
        db.session.add(version)
        db.session.flush()
        question.current_version_id = version.id
        question.position, question.active = position, True
    if replace:
        for key, question in existing.items():
            if key not in seen and question.active:
                question.active = False
                report.retired += 1
    bank.content_hash = hashlib.sha256("".join(sorted(version_hash(q) for q in parsed.questions)).encode()).hexdigest()
    db.session.flush()
    return bank, report


def get_bank(slug: str) -> QuestionBank:
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if bank is None:
        raise NotFound(_l("No question bank %(slug)s.", slug=slug))
    return bank


def current_versions(bank: QuestionBank) -> list[QuestionVersion]:
    return list(db.session.scalars(
        select(QuestionVersion).join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.bank_id == bank.id, Question.active.is_(True)).order_by(Question.position)
    ))


def bank_as_parsed(bank: QuestionBank) -> list[ParsedQuestion]:
    """Current questions back in the neutral shape, for export, with their options' ids and
    pinning as stored."""
    out = []
    for v in current_versions(bank):
        data = dict(v.data)
        name = data.get("name") or (v.question.key if not v.question.key.startswith("h-") else None)
        q = ParsedQuestion(type=v.type, text=v.text, name=name,
                           explanation=v.explanation, tags=v.tag_list(), difficulty=v.difficulty, points=v.points)
        q.choices = [Choice(text=c["text"], fraction=c.get("fraction", 0.0), feedback=c.get("feedback"),
                            id=c.get("id"), pinned=bool(c.get("pinned"))) for c in data.get("choices", [])]
        q.answers = data.get("answers", [])
        q.pairs = data.get("pairs", [])
        q.options = data.get("options", {})
        q.feedback_right, q.feedback_wrong = data.get("feedback_right"), data.get("feedback_wrong")
        q.category = data.get("category")
        out.append(q)
    return out


# --- attempts -----------------------------------------------------------------------


def bank_settings(bank: QuestionBank) -> dict:
    return {**check_settings({})[0], **(bank.settings or {})}


def _submitted(user_id: int, bank_id: int, round_id: int | None = None) -> list[Attempt]:
    stmt = select(Attempt).where(Attempt.user_id == user_id, Attempt.bank_id == bank_id, Attempt.status == "submitted")
    if round_id is not None:
        stmt = stmt.where(Attempt.round_id == round_id)
    return list(db.session.scalars(stmt.order_by(Attempt.submitted_at)))


def open_attempt(user, bank: QuestionBank) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.bank_id == bank.id, Attempt.status == "open"))


def paper_candidates(versions: list[QuestionVersion]) -> list[Candidate]:
    """What the draw (``rules.draw_items``) needs of a bank's current versions, in bank
    order: type, tags, number of options and which of them are pinned in place."""
    return [Candidate(v.id, v.type, tuple(v.tag_list()), len(v.data.get("choices", [])), pinned_positions(v.data))
            for v in versions]


def start_attempt(user, bank: QuestionBank, *, course=None, round_id: int | None = None, purpose: str = "course",
                  now: datetime | None = None, settings: dict | None = None, rng: random.Random | None = None,
                  closes_at: datetime | None = None) -> Attempt:
    """Resume the open attempt, or start a new one within the limits; never two open at once.

    The paper is drawn by ``rules.draw_items``: descriptions before the questions they
    introduce, pinned options in place; it is out of the questions' points only."""
    now = now or utcnow()
    settings = {**bank_settings(bank), **(settings or {})}
    attempt = open_attempt(user, bank)
    if attempt is not None:
        if accepts_answers(attempt.deadline, now):
            return attempt
        finish_attempt(attempt, now=now, auto=True)
    done = _submitted(user.id, bank.id, round_id)
    if settings.get("max_attempts") and len(done) >= settings["max_attempts"]:
        raise ServiceError(_l("You have used all %(n)d attempts for this quiz.", n=settings["max_attempts"]))
    if done and settings.get("cooldown_minutes"):
        ready_at = done[-1].submitted_at + timedelta(minutes=settings["cooldown_minutes"])
        if now < ready_at:
            minutes = int((ready_at - now).total_seconds() // 60) + 1
            raise ServiceError(_l("You can try again in %(n)d minute(s).", n=minutes))
    versions = current_versions(bank)
    items = draw_items(paper_candidates(versions), settings.get("draw"), settings.get("shuffle_questions", True),
                       settings.get("shuffle_options", True), rng or random.Random(secrets.randbits(64)))
    if not items:
        raise ServiceError(_l("This quiz has no questions yet."))
    limit = settings.get("time_limit_minutes")
    deadline = now + timedelta(minutes=limit) if limit else None
    if closes_at is not None:  # a contest round's window ends the attempt whatever time is left
        deadline = min(deadline, closes_at) if deadline else closes_at
    by_id = {v.id: v for v in versions}
    # Known from the paper alone, so that submitting only has to add up the saved answers.
    maximum = max_points([(by_id[item["v"]].type, by_id[item["v"]].points) for item in items])
    attempt = Attempt(user_id=user.id, bank_id=bank.id, course_id=getattr(course, "id", None), round_id=round_id,
                      purpose=purpose, started_at=now, deadline=deadline, items=items, max_score=maximum)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # another tab started one at the same moment: use it
        attempt = open_attempt(user, bank)
        if attempt is None:
            raise
    return attempt


def _item_versions(attempt: Attempt) -> dict[int, QuestionVersion]:
    ids = [item["v"] for item in attempt.items]
    return {v.id: v for v in db.session.scalars(select(QuestionVersion).where(QuestionVersion.id.in_(ids)))}


@dataclass(frozen=True)
class VersionInfo:
    id: int
    type: str
    data: dict
    points: float


def version_infos(ids: list[int]) -> dict[int, VersionInfo]:
    """What grading needs of question versions. Versions never change once written, so each
    process keeps them in memory: autosave and submit then skip those queries."""
    from flask import current_app

    cache = current_app.extensions.setdefault("lms.question_versions", {})
    missing = [i for i in ids if i not in cache]
    if missing:
        if len(cache) > 50_000:
            cache.clear()
        for row in db.session.execute(select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.data,
                                             QuestionVersion.points).where(QuestionVersion.id.in_(missing))):
            cache[row.id] = VersionInfo(row.id, row.type, row.data, row.points)
    return {i: cache[i] for i in ids if i in cache}


_UPSERTS: dict = {}


def _upsert_answer(dialect: str):
    """Insert-or-replace of one answer, built once per dialect: autosave is the most frequent
    write of a quiz, and building this statement costs more than running it.

    The row is written only while the attempt is still open, checked inside the statement
    itself: an answer from a second tab that reaches the database after a submission has
    claimed the attempt is refused, never stored without being counted. On PostgreSQL the
    check takes a share lock on the attempt, so a submission in progress is waited for (and
    then seen), and a submission that arrives later waits for this answer to commit."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        table = AttemptAnswer.__table__
        columns = ("attempt_id", "question_version_id", "response", "saved_at", "fraction", "points")
        attempt_t = Attempt.__table__
        still_open = (select(attempt_t.c.id)
                      .where(attempt_t.c.id == bindparam("attempt_id"), attempt_t.c.status == "open")
                      .with_for_update(read=True))  # FOR SHARE on PostgreSQL; SQLite serialises writers
        row = select(*[bindparam(name, type_=table.c[name].type) for name in columns]).where(exists(still_open))
        stmt = dialect_insert(table).from_select(columns, row)
        stmt = stmt.on_conflict_do_update(
            index_elements=["attempt_id", "question_version_id"],
            set_={"response": stmt.excluded.response, "saved_at": stmt.excluded.saved_at,
                  "fraction": stmt.excluded.fraction, "points": stmt.excluded.points},
            where=table.c.saved_at <= stmt.excluded.saved_at,
        ).execution_options(preserve_rowcount=True)  # psycopg's count is gone once the cursor closes
        _UPSERTS[dialect] = stmt
    return stmt


_STATUS = select(Attempt.__table__.c.status).where(Attempt.__table__.c.id == bindparam("attempt_id"))


def _check_open(attempt: Attempt, now: datetime) -> None:
    """Refuse answers to a submitted attempt, or sent after its deadline (and grace)."""
    if attempt.status != "open":
        raise AlreadySubmitted(_l("This attempt was already submitted."))
    if not accepts_answers(attempt.deadline, now):
        raise AttemptClosed(_l("Time is up: answers are no longer accepted."))


def save_answer(attempt: Attempt, version_id: int, values: list[str], *, now: datetime | None = None) -> datetime:
    """Store (or replace) the answer to one question in one statement. Two tabs saving at
    once keep the most recent answer: an older save never overwrites a newer one.

    The answer is graded as it is saved (against the version on the learner's paper), so
    submitting, the busiest moment of a timed round, only adds up stored points. The points
    stay server-side: nothing shows them before the attempt is submitted."""
    now = now or utcnow()
    _check_open(attempt, now)
    if version_id not in {item["v"] for item in attempt.items}:
        raise ServiceError(_l("This question is not part of your attempt."))
    version = version_infos([version_id])[version_id]
    response = REGISTRY[version.type].parse_response(version.data, [str(v) for v in values])
    fraction, points = grade_response(version.type, version.data, version.points, response)
    connection = db.session.connection()
    written = connection.execute(_upsert_answer(connection.dialect.name), {
        "attempt_id": attempt.id, "question_version_id": version_id, "response": response, "saved_at": now,
        "fraction": fraction, "points": points}).rowcount
    # Nothing written: a newer answer from another tab is kept (fine), or a submission from
    # another tab got there first (this answer came too late to count).
    if not written and connection.execute(_STATUS, {"attempt_id": attempt.id}).scalar_one() != "open":
        raise AlreadySubmitted(_l("This attempt was already submitted."))
    for hook in ANSWER_HOOKS:
        hook(attempt, version_id, response, now)
    return now


# Later areas react to every saved answer (contests keep a log of them).
ANSWER_HOOKS: list = []


_STORED = (select(AttemptAnswer.__table__.c.question_version_id, AttemptAnswer.__table__.c.response)
           .where(AttemptAnswer.__table__.c.attempt_id == bindparam("attempt_id")))


def save_posted_answers(attempt: Attempt, posted: dict[int, list[str]], *, now: datetime | None = None) -> int:
    """The answers a plain form post carries (every question on the page, each time the
    learner presses Save or Submit without JavaScript). Only those that differ from what is
    stored are written, so a contest's answer log records changes, not every page post.
    Returns how many were written; a late or closed attempt refuses them all."""
    now = now or utcnow()
    if not posted:
        return 0
    _check_open(attempt, now)
    stored = dict(db.session.connection().execute(_STORED, {"attempt_id": attempt.id}).all())
    versions = version_infos(list(posted))
    written = 0
    for version_id, values in posted.items():
        version = versions.get(version_id)
        if version is not None and version_id in stored and stored[version_id] == \
                REGISTRY[version.type].parse_response(version.data, [str(v) for v in values]):
            continue
        save_answer(attempt, version_id, values, now=now)
        written += 1
    return written


# Submitting is the busiest write of a contest's last minute, so its statements are built
# once: SQLAlchemy then skips compiling them (and their cache keys) on every request.
_attempt_t = Attempt.__table__
_answer_t = AttemptAnswer.__table__
_answers_of_attempt = _answer_t.c.attempt_id == _attempt_t.c.id
# Claim the attempt and add up the points its answers earned when they were saved. The sum is
# NULL when some answer is still ungraded (saved before answers were graded on save).
_CLAIM = (update(_attempt_t)
          .where(_attempt_t.c.id == bindparam("attempt_id"), _attempt_t.c.status == "open")
          .values(status="submitted", submitted_at=bindparam("now"), auto_submitted=bindparam("auto"),
                  score=case(
                      (exists().where(_answers_of_attempt, _answer_t.c.points.is_(None)), null()),
                      else_=select(func.coalesce(func.sum(_answer_t.c.points), 0.0)).where(_answers_of_attempt)
                      .scalar_subquery()))
          .returning(_attempt_t.c.score, _attempt_t.c.max_score,
                     # The bank's pass mark comes back in the same round trip. Written out because
                     # SQLAlchemy renders RETURNING columns unqualified, which would be ambiguous here.
                     literal_column("(SELECT question_bank.settings FROM question_bank "
                                    "WHERE question_bank.id = attempt.bank_id)",
                                    type_=QuestionBank.__table__.c.settings.type).label("bank_settings")))
# FOR NO KEY UPDATE: conflicts with the answers' FOR SHARE, not with foreign-key checks.
_LOCK = select(_attempt_t.c.id).where(_attempt_t.c.id == bindparam("attempt_id")).with_for_update(key_share=True)
_ANSWERS = (select(_answer_t.c.id, _answer_t.c.question_version_id, _answer_t.c.response)
            .where(_answer_t.c.attempt_id == bindparam("attempt_id")))
_POINTS = (update(_answer_t).where(_answer_t.c.id == bindparam("answer_id"))
           .values(fraction=bindparam("fraction"), points=bindparam("points")))
_TOTALS = (update(_attempt_t).where(_attempt_t.c.id == bindparam("attempt_id"))
           .values(score=bindparam("score"), max_score=bindparam("max_score"),
                   percent=bindparam("percent"), passed=bindparam("passed")))


def finish_attempt(attempt: Attempt, *, now: datetime | None = None, auto: bool = False,
                   locked: bool = False) -> Attempt:
    """Submit once. The conditional update lets only one caller through; the others get
    the same graded attempt back. ``locked``: the caller loaded the attempt with
    ``attempt_for(..., lock=True)`` in this transaction."""
    now = now or utcnow()
    db.session.flush()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and not locked:
        # Wait for answers other tabs are saving right now (they hold a share lock on the
        # attempt) so that the claim below, a new statement with a fresh snapshot, counts them;
        # answers that come after this lock wait for the submission, then see it and stop.
        # SQLite needs no lock: it runs one writer at a time.
        connection.execute(_LOCK, {"attempt_id": attempt.id})
    claimed = connection.execute(_CLAIM, {"attempt_id": attempt.id, "now": now, "auto": auto}).first()
    if claimed is None:
        db.session.refresh(attempt)
        return attempt
    set_committed_value(attempt, "status", "submitted")
    set_committed_value(attempt, "submitted_at", now)
    set_committed_value(attempt, "auto_submitted", auto)
    if claimed.max_score is None or claimed.score is None:
        grade_attempt(attempt)  # an attempt begun before answers were graded on save
    else:
        _store_totals(attempt, claimed.score, claimed.max_score, bank_settings=claimed.bank_settings)
    return attempt


def grade_attempt(attempt: Attempt) -> Attempt:
    """Grade every answer of ``attempt`` against its paper and store the totals."""
    connection = db.session.connection()
    versions = version_infos([item["v"] for item in attempt.items])
    answers = {row.question_version_id: row for row in connection.execute(_ANSWERS, {"attempt_id": attempt.id})}
    rows = []
    for item in attempt.items:
        v = versions[item["v"]]
        answer = answers.get(v.id)
        rows.append((v.id, v.type, v.data, v.points, answer.response if answer else None))
    graded, total, maximum = grade_items(rows)
    updates = [{"answer_id": answers[g.version_id].id, "fraction": g.fraction, "points": g.points}
               for g in graded if g.version_id in answers]
    if updates:  # one executemany instead of an UPDATE per answer
        connection.execute(_POINTS, updates)
        if "answers" in attempt.__dict__:  # loaded objects would otherwise show the old points
            for answer in attempt.answers:
                db.session.expire(answer, ["fraction", "points"])
    _store_totals(attempt, total, maximum)
    return attempt


def _store_totals(attempt: Attempt, total: float, maximum: float, *, bank_settings: dict | None = None) -> None:
    """Score, percent and pass mark of a graded (or regraded) attempt, then everything that
    depends on it: the course's quiz result and the areas listening in GRADED_HOOKS."""
    pass_score = _pass_score(attempt.bank_id) if bank_settings is None else _pass_mark(bank_settings)
    percent = percent_of(total, maximum)
    values = {"score": round(total, 6), "max_score": maximum, "percent": percent, "passed": percent >= pass_score}
    db.session.flush()
    db.session.connection().execute(_TOTALS, {"attempt_id": attempt.id, **values})
    for key, value in values.items():
        set_committed_value(attempt, key, value)
    if attempt.course_id is not None and attempt.purpose == "course":
        _report_to_course(attempt, db.session.get(QuestionBank, attempt.bank_id))
    for hook in GRADED_HOOKS:
        hook(attempt)


_SETTINGS = select(QuestionBank.__table__.c.settings).where(QuestionBank.__table__.c.id == bindparam("bank_id"))


def _pass_score(bank_id: int) -> float:
    bank = db.session.identity_map.get(db.session.identity_key(QuestionBank, bank_id))
    settings = bank.settings if bank is not None else db.session.connection().execute(
        _SETTINGS, {"bank_id": bank_id}).scalar_one()
    return _pass_mark(settings)


def _pass_mark(settings: dict | None) -> float:
    return {**check_settings({})[0], **(settings or {})}.get("pass_score", 70)


# Later areas (contests) react to a graded attempt without this module knowing them.
GRADED_HOOKS: list = []


def _report_to_course(attempt: Attempt, bank: QuestionBank) -> None:
    from lms.auth.models import User
    from lms.courses.models import Course
    from lms.courses.services import record_quiz_result

    done = _submitted(attempt.user_id, bank.id)
    index = counted_attempt(bank_settings(bank).get("grading", "best"), [(a.submitted_at, a.percent or 0.0) for a in done])
    counted = done[index]
    course = db.session.get(Course, attempt.course_id)
    record_quiz_result(db.session.get(User, attempt.user_id), course, counted.percent, bool(counted.passed))


# Built once: every autosave and submission loads its attempt with it.
_OWN_ATTEMPT = select(Attempt).where(Attempt.id == bindparam("attempt_id"), Attempt.user_id == bindparam("user_id"))
_OWN_ATTEMPT_LOCKED = _OWN_ATTEMPT.with_for_update(key_share=True)


def attempt_for(user, attempt_id: int, *, lock: bool = False) -> Attempt:
    """The learner's own attempt; someone else's is as absent as a missing one.

    ``lock`` is for a request that writes answers and may then submit (the plain form
    post): on PostgreSQL it takes the attempt's row lock first, as ``finish_attempt``
    would. Taking it only at submit time, after the answers' share lock, would let two such
    posts (a double click) each hold a share lock and wait for the other: a deadlock."""
    statement = _OWN_ATTEMPT_LOCKED if lock else _OWN_ATTEMPT
    attempt = db.session.execute(statement, {"attempt_id": attempt_id, "user_id": user.id}).scalar_one_or_none()
    if attempt is None:
        raise NotFound(_l("No such attempt."))
    return attempt


# --- one device per attempt, and leaving the page -------------------------------------

DEVICE_TAKEN_OVER = "device_taken_over"
FOCUS_LOST = "focus_lost"
FOCUS_HOW = ("hidden", "blur")  # the page was hidden (tab, app, closed) / lost focus (another window)


class OtherDevice(ServiceError):
    """The attempt is bound to another browser (``Attempt.device_id``): it was opened there,
    or a sign-in there took it over. ``since``: the naive-UTC moment it went there. Not an
    ``AttemptClosed``: the attempt goes on, on the other device."""

    def __init__(self, since: datetime):
        super().__init__(_l("This attempt was opened on another device at %(time)s; only one device may take it.",
                            time=to_vn(since).strftime("%H:%M")))
        self.since = since


def device_label(device: str | None) -> str | None:
    """A short name of a device id for the record (six hex digits of its hash): enough to
    tell the devices of one attempt apart, useless to anyone who reads it."""
    return hashlib.sha256(device.encode()).hexdigest()[:6] if device else None


def _moved_at(attempt: Attempt) -> datetime:
    """When the attempt went to the device it is bound to: its last takeover, else its start."""
    return db.session.scalar(select(func.max(AttemptEvent.at)).where(
        AttemptEvent.attempt_id == attempt.id, AttemptEvent.kind == DEVICE_TAKEN_OVER)) or attempt.started_at


def check_device(attempt: Attempt, device: str | None) -> None:
    """Raise ``OtherDevice`` unless the browser ``device`` may use ``attempt``
    (``rules.device_allows``). Every request that shows, answers or submits an open attempt
    asks this first; an unbound attempt costs nothing more."""
    if not device_allows(attempt.device_id, device):
        raise OtherDevice(_moved_at(attempt))


def bind_device(attempt: Attempt, device: str) -> None:
    """Bind ``attempt`` to the browser ``device``: from now on only that browser may show,
    answer or submit it, until a sign-in on another browser moves it there
    (``take_over_on_sign_in``). The caller decides when an attempt is bound (a contest round
    that allows one device: lms.contests.rounds.start_round). Already bound here: nothing
    changes; bound to another browser: ``OtherDevice`` (moving it takes a sign-in there)."""
    if not device:
        raise ValueError("binding an attempt needs a device id")
    if attempt.device_id is None:
        attempt.device_id = device
        db.session.flush()
    else:
        check_device(attempt, device)


_BOUND_ELSEWHERE = select(Attempt).where(
    Attempt.user_id == bindparam("user_id"), Attempt.status == "open", Attempt.device_id.is_not(None),
    Attempt.device_id != bindparam("device"))


def take_over_on_sign_in(user, device: str, *, agent: str | None = None, now: datetime | None = None) -> list[Attempt]:
    """A sign-in of ``user`` on the browser ``device`` moves there every open attempt of
    theirs bound to another browser; the other browser's next request to it is refused
    (``check_device``). Answers saved so far stay. Each move is an ``AttemptEvent``
    "device_taken_over" with the devices' labels, the address and the browser's name
    (``agent``, cut to 200 characters), for the organisers. One query when nothing moves.
    Returns the attempts moved; flushes."""
    from lms.audit.services import current_ip

    now = now or utcnow()
    moved = list(db.session.scalars(_BOUND_ELSEWHERE, {"user_id": user.id, "device": device}))
    for attempt in moved:
        db.session.add(AttemptEvent(attempt_id=attempt.id, kind=DEVICE_TAKEN_OVER, at=now, detail={
            "from": device_label(attempt.device_id), "to": device_label(device), "ip": current_ip.get(),
            "agent": (agent or "")[:200] or None}))
        attempt.device_id = device
    if moved:
        db.session.flush()
    return moved


_ADD_LOSSES = (update(_attempt_t)
               .where(_attempt_t.c.id == bindparam("attempt_id"), _attempt_t.c.status == "open")
               .values(focus_losses=case((_attempt_t.c.focus_losses + bindparam("n") > FOCUS_LOSSES_MAX,
                                          FOCUS_LOSSES_MAX),
                                         else_=_attempt_t.c.focus_losses + bindparam("n"))))
_FOCUS_EVENTS = (select(func.count()).select_from(AttemptEvent.__table__)
                 .where(AttemptEvent.__table__.c.attempt_id == bindparam("attempt_id"),
                        AttemptEvent.__table__.c.kind == FOCUS_LOST))


def record_focus_loss(attempt: Attempt, reported, how: str, *, now: datetime | None = None) -> int:
    """The attempt's page says the learner left it ``reported`` times (any text: read by
    ``rules.focus_losses_reported``, 1..FOCUS_REPORT_MAX), ``how`` ("hidden" or "blur",
    else "blur"). Adds them to ``Attempt.focus_losses`` (at most FOCUS_LOSSES_MAX) and keeps
    an ``AttemptEvent`` "focus_lost" ({"n", "how"}) while the attempt has fewer than
    FOCUS_EVENTS_MAX of them. Only an open attempt still taking answers, of a purpose that
    records them (``rules.records_focus``), counts. Returns the losses added (0: nothing
    recorded); flushes. A record for the organisers, never a penalty: nothing reads it to
    grade or rank."""
    now = now or utcnow()
    if attempt.status != "open" or not records_focus(attempt.purpose) or not accepts_answers(attempt.deadline, now):
        return 0
    count = focus_losses_reported(reported)
    connection = db.session.connection()
    if not connection.execute(_ADD_LOSSES, {"attempt_id": attempt.id, "n": count}).rowcount:
        return 0  # submitted meanwhile
    db.session.expire(attempt, ["focus_losses"])
    if connection.execute(_FOCUS_EVENTS, {"attempt_id": attempt.id}).scalar_one() < FOCUS_EVENTS_MAX:
        db.session.add(AttemptEvent(attempt_id=attempt.id, kind=FOCUS_LOST, at=now,
                                    detail={"n": count, "how": how if how in FOCUS_HOW else "blur"}))
        db.session.flush()
    return count


def close_expired_attempts(now: datetime | None = None) -> int:
    """Grade attempts whose time ran out while the learner was away (run from cron or on access)."""
    from lms.quizzes.rules import GRACE

    now = now or utcnow()
    expired = list(db.session.scalars(select(Attempt).where(
        Attempt.status == "open", Attempt.deadline.is_not(None), Attempt.deadline < now - GRACE)))
    for attempt in expired:
        finish_attempt(attempt, now=now, auto=True)
    return len(expired)


def check_bank_files(quizzes_dir) -> list[str]:
    """Problems in every bank file as ``path:line: message``."""
    from pathlib import Path

    from lms.quizzes.formats.markdown import parse_markdown_bank

    problems = []
    for path in sorted(Path(quizzes_dir).glob("*.md")):
        try:
            parsed = parse_markdown_bank(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as err:
            problems.append(f"{path}:1: not UTF-8 ({err.reason})")
            continue
        problems.extend(f"{path}:{issue.line}: {issue.message}" for issue in parsed.issues)
        # A bank file is loaded whole: an essay in it would be stored and never shown.
        problems.extend(f"{path}:{q.line}: {ESSAY_REFUSED}" for q in parsed.questions if q.type == "essay")
    return problems


def sync_bank_files(quizzes_dir) -> list[BankReport]:
    """Load every ``quizzes/<slug>.md``; the caller checked them first and commits once."""
    from pathlib import Path

    from lms.quizzes.formats.markdown import parse_markdown_bank

    reports = []
    for path in sorted(Path(quizzes_dir).glob("*.md")):
        _, report = load_bank(path.stem, parse_markdown_bank(path.read_text(encoding="utf-8")), source="file")
        reports.append(report)
    return reports


# --- what the pages show ------------------------------------------------------------


@dataclass
class PaperItem:
    number: int | None  # 1..n over the questions; None for a description (not a question)
    version: QuestionVersion
    options: list[tuple[int, str]]  # (original index, text) in the order this learner sees
    response: object
    rights: list[str] = field(default_factory=list)  # matching: right-hand texts, shuffled per attempt
    fraction: float | None = None
    points: float | None = None
    position: int = 0  # 0-based, in ``Attempt.items``: what ``Attempt.flagged`` holds
    flagged: bool = False  # the learner marked it "review later" (the paper's navigator)

    @property
    def answered(self) -> bool:
        """Whether the stored response says anything (``rules.is_answered``)."""
        return is_answered(self.response)


def attempt_paper(attempt: Attempt) -> list[PaperItem]:
    """The attempt's paper as drawn: descriptions before the questions they introduce
    (unnumbered), questions numbered 1..n, options in this learner's order."""
    versions = _item_versions(attempt)
    answers = {a.question_version_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    paper = []
    counted = 0
    flagged = set(attempt.flagged or ())
    for position, item in enumerate(attempt.items):
        v = versions[item["v"]]
        number = None
        if v.type != "description":
            counted += 1
            number = counted
        choices = v.data.get("choices", [])
        order = item.get("order") or list(range(len(choices)))
        answer = answers.get(v.id)
        rights = sorted({p["right"] for p in v.data.get("pairs", [])},
                        key=lambda r: hashlib.sha256(f"{attempt.id}:{r}".encode()).hexdigest())
        scored = REGISTRY[v.type].gradable and attempt.status == "submitted"
        paper.append(PaperItem(
            number=number, version=v, options=[(i, choices[i]["text"]) for i in order if i < len(choices)],
            response=answer.response if answer else None, rights=rights,
            fraction=answer.fraction if answer else (0.0 if scored else None),
            points=answer.points if answer else (0.0 if scored else None),
            position=position, flagged=number is not None and position in flagged,
        ))
    return paper


def paper_check(paper: list[PaperItem]) -> PaperCheck:
    """Answered, unanswered and flagged questions of ``paper`` (``attempt_paper``), by their
    numbers on the paper: what the confirmation before submitting lists."""
    return check_paper((item.number, item.answered, item.flagged) for item in paper if item.number is not None)


def question_positions(attempt: Attempt) -> list[int]:
    """0-based positions in ``attempt.items`` that hold questions, not descriptions."""
    infos = version_infos([item["v"] for item in attempt.items])
    return [i for i, item in enumerate(attempt.items)
            if item["v"] in infos and infos[item["v"]].type != "description"]


def set_flags(attempt: Attempt, positions, *, now: datetime | None = None) -> list[int]:
    """Store which questions the learner flagged "review later": ``positions`` as a page
    sends them (the whole set, so a retried or repeated request changes nothing more), kept
    by ``rules.clean_flags``. Refused like an answer once the attempt is submitted or its
    time is up (``AttemptClosed``). Returns the stored list; flushes when it changed."""
    _check_open(attempt, now or utcnow())
    flags = clean_flags(positions, question_positions(attempt))
    if flags != list(attempt.flagged or ()):
        attempt.flagged = flags
        db.session.flush()
    return flags


# Areas that run attempts under their own rules (contest rounds) say when results and answers
# may be shown: fn(attempt) -> {"review": policy, "closes_at": datetime, "hide_score": bool} or None.
REVIEW_RULES: list = []


def _review_rule(attempt: Attempt, bank: QuestionBank) -> dict:
    for rule in REVIEW_RULES:
        found = rule(attempt)
        if found:
            return found
    return {"review": bank_settings(bank).get("review", "after_submit"), "closes_at": None, "hide_score": False}


@dataclass(frozen=True)
class ReviewAnswers:
    shown: bool  # right answers, explanations and per-answer verdicts may be shown
    sealed_until: datetime | None = None  # hidden because a contest round is under way, until then (UTC)


def review_answers(attempt: Attempt, bank: QuestionBank, now: datetime | None = None) -> ReviewAnswers:
    """Whether right answers and explanations (and per-answer scores, which give them away)
    may be shown now to the attempt's owner, the only person who sees its review: never
    while a contest round drawing from the bank is under way or scheduled (``bank_seal``),
    whatever the bank or the attempt's own round allows; then ``sealed_until`` says until when."""
    from lms.auth.models import User

    if attempt.status != "submitted":
        return ReviewAnswers(False)
    rule = _review_rule(attempt, bank)
    if rule["review"] == "never":
        return ReviewAnswers(False)
    if rule["review"] == "after_close" and (rule["closes_at"] is None or (now or utcnow()) < rule["closes_at"]):
        return ReviewAnswers(False)
    until = bank_seal(attempt.bank_id, db.session.get(User, attempt.user_id), now)
    return ReviewAnswers(until is None, until)


def review_allowed(attempt: Attempt, bank: QuestionBank, now: datetime | None = None) -> bool:
    """``review_answers(...).shown``."""
    return review_answers(attempt, bank, now).shown


def score_visible(attempt: Attempt, bank: QuestionBank, now: datetime | None = None) -> bool:
    """Whether the attempt's score and pass/fail may be shown to its owner now.

    Contest rounds may hide even the score until they close. A course attempt's score is
    hidden while its bank is sealed (``bank_seal``): with unlimited attempts, changing one
    answer at a time and watching the score would give the running round's key away."""
    from lms.access.rules import round_results_visible
    from lms.auth.models import User

    rule = _review_rule(attempt, bank)
    if not round_results_visible(hide_until_close=rule["hide_score"], closes_at=rule["closes_at"],
                                 now=now or utcnow()):
        return False
    if attempt.purpose == "contest":
        return True  # the round's own setting decides, and its attempt cannot be retried to probe
    return bank_seal(attempt.bank_id, db.session.get(User, attempt.user_id), now) is None


def attempts_of(user, bank: QuestionBank) -> list[Attempt]:
    return list(db.session.scalars(
        select(Attempt).where(Attempt.user_id == user.id, Attempt.bank_id == bank.id).order_by(Attempt.started_at)))


@dataclass(frozen=True)
class RecentResult:
    """A submitted attempt on the learner's home. ``percent`` and ``passed`` are None while
    the score may not be shown (``score_visible``: a contest round that hides results until
    it closes, a bank sealed by a round under way)."""

    attempt_id: int
    title: str
    submitted_at: datetime
    percent: float | None
    passed: bool | None
    contest: bool


def recent_results(user, limit: int = 5, now: datetime | None = None) -> list[RecentResult]:
    """The learner's last ``limit`` submitted attempts, newest first, titled as their pages
    are (``titles.attempt_title``: contest and round, else the quiz), each score shown only
    when ``score_visible`` allows it now."""
    attempts = list(db.session.scalars(
        select(Attempt).options(selectinload(Attempt.bank))
        .where(Attempt.user_id == user.id, Attempt.status == "submitted")
        .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()).limit(limit)))
    titles = contest_attempt_titles(attempts)
    now = now or utcnow()
    found = []
    for attempt in attempts:
        shown = score_visible(attempt, attempt.bank, now)
        found.append(RecentResult(
            attempt_id=attempt.id, title=titles.get(attempt.id) or attempt.bank.title,
            submitted_at=attempt.submitted_at, percent=attempt.percent if shown else None,
            passed=attempt.passed if shown else None, contest=attempt.purpose == "contest"))
    return found


def attempts_left(user, bank: QuestionBank) -> int | None:
    limit = bank_settings(bank).get("max_attempts")
    if not limit:
        return None
    return max(0, limit - len(_submitted(user.id, bank.id)))


# --- statistics, regrading, practice ------------------------------------------------


def bank_item_stats(bank: QuestionBank, viewer) -> dict[int, ItemStats]:
    """Statistics per question (all versions together) over submitted attempts: three
    queries. Options chosen under an older version are counted as the same options of the
    current version (through option ids, ``rules.choice_index_map``): its indices may name
    other options. The most chosen wrong option and the share of right answers point at
    the key, so they are ``Sealed`` for ``viewer`` like the key itself."""
    check_unsealed(bank, viewer)

    rows = db.session.execute(
        select(QuestionVersion.question_id, QuestionVersion.id, AttemptAnswer.fraction, AttemptAnswer.response,
               Attempt.percent)
        .join(AttemptAnswer, AttemptAnswer.question_version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(Question.bank_id == bank.id, Attempt.status == "submitted", AttemptAnswer.fraction.is_not(None))
    ).all()
    currents = {v.question_id: v for v in current_versions(bank)}
    older = {row.id for row in rows if row.question_id in currents and row.id != currents[row.question_id].id}
    older_data = dict(db.session.execute(
        select(QuestionVersion.id, QuestionVersion.data).where(QuestionVersion.id.in_(older))).all()) if older else {}
    maps: dict[int, dict[int, int]] = {}
    by_question: dict[int, list] = {}
    for question_id, version_id, fraction, response, percent in rows:
        chosen = tuple(response) if isinstance(response, list) and all(isinstance(x, int) for x in response) else ()
        if version_id in older_data:
            if version_id not in maps:
                maps[version_id] = choice_index_map(older_data[version_id], currents[question_id].data)
            chosen = tuple(maps[version_id][i] for i in chosen if i in maps[version_id])
        by_question.setdefault(question_id, []).append(Response(percent or 0.0, fraction, chosen))
    result = {}
    for v in currents.values():
        right = {i for i, c in enumerate(v.data.get("choices", [])) if c["fraction"] > 0}
        result[v.question_id] = item_stats(by_question.get(v.question_id, []), right)
    return result


@dataclass
class RegradeReport:
    """What a regrade did. ``answers``: answers scored again with the current key;
    ``skipped``: answers left as they were (their question changed type, or an option they
    chose is no longer in the current version); ``attempts_changed``: one dict per attempt
    whose score changed, ordered by learner name: ``attempt``, ``user_id``, ``full_name``,
    ``username``, ``before``/``after`` (percent), ``passed_before``/``passed_after``."""

    answers: int = 0
    attempts_changed: list[dict] = field(default_factory=list)
    skipped: int = 0
    id: int | None = None  # the stored Regrade record, which ``regrade_report`` reads back


def regrade_report(bank: QuestionBank, regrade_id: int, viewer) -> tuple[Question, RegradeReport]:
    """A stored regrade of a question of ``bank`` and its report, to show again after the
    page that ran it (``NotFound`` for another bank's); ``Sealed`` like the key, since it
    shows how answers fared against it."""
    from lms.quizzes.models import Regrade

    record = db.session.get(Regrade, regrade_id)
    question = db.session.get(Question, record.question_id) if record is not None else None
    if question is None or question.bank_id != bank.id:
        raise NotFound(_l("No such regrade."))
    check_unsealed(bank, viewer)
    stored = record.report or {}
    return question, RegradeReport(answers=stored.get("answers", 0), attempts_changed=stored.get("attempts", []),
                                   skipped=stored.get("skipped", 0), id=record.id)


def _moved_item(item: dict, index_map: dict[int, int], count: int) -> dict:
    """An attempt's paper entry moved to the current version (``count`` options): the
    option order this learner saw, by identity; options new in the current version are
    shown after them."""
    order = [index_map[i] for i in item.get("order") or [] if i in index_map]
    return {**item, "order": order + [i for i in range(count) if i not in order]}


def regrade_question(actor, question: Question) -> RegradeReport:
    """Score again, with the current key, every submitted answer given to an older version
    of ``question``, after an author fixed it (issue 15, fault 7).

    Grading is by meaning: a choice answer's indices are mapped to the same options of the
    current version through option ids (``rules.choice_index_map``), so a key fixed while
    the options were reordered or corrected grades what the learner chose. A question
    without options (short answer, numeric, matching) is graded with the current data when
    its type did not change. Each regraded answer and its attempt's paper entry then point
    at the current version (the review shows the key it was graded with); answers that
    cannot be judged by the current key are left as they were and counted in ``skipped``.
    Changed attempts are rescored, and every learner whose score changed is reported
    (``RegradeReport``), recorded in ``Regrade`` and the audit log."""
    from lms.audit.services import record_audit
    from lms.auth.models import User
    from lms.quizzes.models import Regrade

    check_unsealed(question.bank, actor)  # its report shows how contest answers fared against the key
    current = question.current
    if current is None:
        raise ServiceError(_l("This question has no current version."))
    count = len(current.data.get("choices", []))
    old_versions = list(db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.question_id == question.id, QuestionVersion.id != current.id)
        .order_by(QuestionVersion.number)))
    report = RegradeReport()
    touched: dict[int, Attempt] = {}
    before: dict[int, tuple] = {}
    for version in old_versions:
        index_map = choice_index_map(version.data, current.data) if REGISTRY[version.type].has_choices else {}
        # Each answer with its attempt in one query, not a query per attempt.
        pairs = db.session.execute(select(AttemptAnswer, Attempt).join(Attempt).where(
            AttemptAnswer.question_version_id == version.id, Attempt.status == "submitted")).all()
        for answer, attempt in pairs:
            carried, response = carry_response(version.type, version.data, current.type, current.data,
                                               answer.response)
            if not carried:
                report.skipped += 1
                continue
            fraction, points = grade_response(current.type, current.data, current.points, response)
            attempt = touched.get(attempt.id, attempt)
            if attempt.id not in touched:
                touched[attempt.id], before[attempt.id] = attempt, (attempt.percent, attempt.passed)
            attempt.items = [{**_moved_item(item, index_map, count), "v": current.id} if item["v"] == version.id
                             else item for item in attempt.items]
            answer.question_version_id, answer.response = current.id, response
            answer.fraction, answer.points = fraction, points
            report.answers += 1
    db.session.flush()
    for attempt_id in sorted(touched):
        _rescore(touched[attempt_id])
    changed = [a for a in touched.values() if (a.percent, a.passed) != before[a.id]]
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({a.user_id for a in changed})))}
    rows = []
    for attempt in changed:
        person = people.get(attempt.user_id)
        rows.append({"attempt": attempt.id, "user_id": attempt.user_id,
                     "full_name": person.full_name if person else "", "username": person.username if person else "",
                     "before": before[attempt.id][0], "after": attempt.percent,
                     "passed_before": before[attempt.id][1], "passed_after": attempt.passed})
    report.attempts_changed = sorted(rows, key=lambda r: (fold(r["full_name"]), r["username"], r["attempt"]))
    record = Regrade(question_id=question.id, from_version_id=old_versions[-1].id if old_versions else current.id,
                     to_version_id=current.id, actor_id=getattr(actor, "id", None),
                     report={"answers": report.answers, "skipped": report.skipped,
                             "attempts": report.attempts_changed})
    db.session.add(record)
    record_audit(actor, "quiz.regrade", target=question, bank=question.bank.slug, key=question.key,
                 answers=report.answers, attempts_changed=len(report.attempts_changed))
    db.session.flush()
    report.id = record.id
    return report


def _rescore(attempt: Attempt) -> None:
    """Totals from the stored per-answer points (already regraded), out of the points of
    the versions now on its paper."""
    versions = _item_versions(attempt)
    answers = {a.question_version_id: a for a in db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id))}
    total = maximum = 0.0
    for item in attempt.items:
        v = versions[item["v"]]
        if not REGISTRY[v.type].gradable:
            continue
        maximum += v.points
        if item["v"] in answers and answers[item["v"]].points is not None:
            total += answers[item["v"]].points
    _store_totals(attempt, total, maximum)


def practice_question(bank: QuestionBank, viewer, tag: str | None = None, exclude: set[int] | None = None,
                      rng: random.Random | None = None) -> QuestionVersion | None:
    """A question to practise; ``Sealed`` while a contest round draws from the bank (its
    questions are the round's paper, and practice grades them at once)."""
    check_unsealed(bank, viewer, message=QUESTION_SEALED)
    versions = [v for v in current_versions(bank) if REGISTRY[v.type].gradable and (not tag or tag in v.tag_list())]
    fresh = [v for v in versions if v.id not in (exclude or set())] or versions
    return (rng or random.Random()).choice(fresh) if fresh else None


def introduction_of(version: QuestionVersion) -> QuestionVersion | None:
    """The description that introduces ``version`` in its bank (the last one written before
    it, as on a paper: ``rules.draw_items``), for practice, which shows one question at a
    time; None when no description comes before it."""
    intro = None
    for v in current_versions(version.question.bank):
        if v.type == "description":
            intro = v
        elif v.id == version.id:
            return intro
    return None


@dataclass(frozen=True)
class PracticeFeedback:
    version: QuestionVersion
    fraction: float
    response: object
    right: list[str]  # the right answer, as the learner reads it


def check_practice_answer(bank: QuestionBank, viewer, version_id: int | None, values: list[str]) -> PracticeFeedback:
    """Instant feedback for practice: graded, never stored as an attempt.

    ``NotFound`` unless the version is a question of ``bank`` (a course's practice must not
    grade another bank's questions); ``Sealed`` (with ``QUESTION_SEALED``) while a contest
    round that is not over draws from the bank, for anyone but its organisers and admins:
    the grade and the key would give the round's answers away."""
    version = db.session.get(QuestionVersion, version_id) if version_id else None
    if version is None or version.question.bank_id != bank.id or not REGISTRY[version.type].gradable:
        raise NotFound(_l("No such practice question."))
    check_unsealed(bank, viewer, message=QUESTION_SEALED)
    kind = REGISTRY[version.type]
    response = kind.parse_response(version.data, values)
    fraction = kind.grade(version.data, response) if response not in (None, "", []) else 0.0
    return PracticeFeedback(version, fraction, response, kind.right_answer(version.data))


def bank_tags(bank: QuestionBank) -> list[str]:
    return sorted({t for v in current_versions(bank) for t in v.tag_list()})


# Essays are answered on the paper and marked by a person only once the marking screen exists
# (issue #22): until then an import refuses them rather than storing what no paper shows.
ESSAY_REFUSED = _l("an essay question (a written answer marked by a person) cannot be put on a paper yet: "
                   "remove it, or tick “Skip essay questions” (--skip-essays) to import the rest")
EXPORT_FORMATS = ("md", "gift", "xlsx", "aiken")

_MD_SIGNS = re.compile(r"^(## |- \[[ xX]\] |- \[-?\d)", re.M)
_GIFT_SIGNS = re.compile(r"^\s*(::.*::|\$CATEGORY:)|\{\s*([=~#}]|(T|F|TRUE|FALSE)\s*[#}])", re.M)
_AIKEN_SIGNS = re.compile(r"^\s*[A-Z][).].*\n(?:\s*[A-Z][).].*\n)*\s*ANSWER\s*:", re.M)


def detect_format(filename: str, data: bytes) -> str:
    """The format of an uploaded bank: by its name first (``.xlsx``, ``.md``, ``.gift`` or
    ``.gift.txt``, ``.aiken`` or ``.aiken.txt``, as our exports are named), then by its
    content: a ZIP is the Excel template; our Markdown has ``## `` questions and ``- [x]``
    options; GIFT has an answer block (``{=…``, ``{~…``, ``{#…``, ``{T}``, ``{}``), a
    ``::name::`` or ``$CATEGORY:``; Aiken has lettered options followed by ``ANSWER:``.
    Anything else is read as Markdown, whose errors say what a question should look like."""
    name = filename.lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        return "xlsx"
    if name.endswith(".md"):
        return "md"
    if name.endswith((".gift", ".gift.txt")):
        return "gift"
    if name.endswith((".aiken", ".aiken.txt")):
        return "aiken"
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if _MD_SIGNS.search(text):
        return "md"
    if _GIFT_SIGNS.search(text):
        return "gift"
    if _AIKEN_SIGNS.search(text):
        return "aiken"
    return "md"


def parse_upload(filename: str, data: bytes, fmt: str = "auto", *, skip_essays: bool = False) -> tuple[str, ParsedBank]:
    """Parse an uploaded bank within the app's upload limits (lms.core.uploads): a file
    over a limit gives one issue naming the limit and where, and no questions. Every
    question is then held to the stored-size bounds (types.size_problems) and the number
    of questions to ``QUIZ_IMPORT_MAX_QUESTIONS``, whatever the format.

    Essays cannot be put on a paper yet (``ESSAY_REFUSED``): each one is an issue at its
    line, which refuses the import, unless ``skip_essays``; then they are left out, kept in
    ``parsed.skipped``, and a note says "N essay question(s) skipped (lines …)"."""
    from flask import current_app

    from lms.core.uploads import UploadLimits, UploadRefused, check_file_size, read_text_bounded
    from lms.quizzes.formats.aiken import parse_aiken
    from lms.quizzes.formats.gift import parse_gift
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.formats.xlsx import parse_xlsx
    from lms.quizzes.ir import ParseIssue
    from lms.quizzes.types import size_problems

    limits = UploadLimits.from_config()
    try:
        check_file_size(len(data), limits)
    except UploadRefused as refusal:
        return fmt, ParsedBank(issues=[ParseIssue(1, refusal.message)])
    fmt = detect_format(filename, data) if fmt == "auto" else fmt
    if fmt == "xlsx":
        parsed = parse_xlsx(data, limits)
    else:
        parser = {"md": parse_markdown_bank, "gift": parse_gift, "aiken": parse_aiken}.get(fmt)
        if parser is None:
            return fmt, ParsedBank(issues=[ParseIssue(1, _l("unknown format “%(format)s” (use md, gift, aiken or xlsx)", format=fmt))])
        try:
            text = read_text_bounded(data, limits)
        except UploadRefused as refusal:
            return fmt, ParsedBank(issues=[ParseIssue(refusal.row or 1, refusal.message)])
        parsed = parser(text)
    most = int(current_app.config.get("QUIZ_IMPORT_MAX_QUESTIONS") or 10_000)
    if len(parsed.questions) > most:
        return fmt, ParsedBank(issues=[ParseIssue(parsed.questions[most].line, _l(
            "the file has %(size)d questions; at most %(n)d per import (split the bank into several files)",
            size=len(parsed.questions), n=most))])
    essays = [q for q in parsed.questions if q.type == "essay"]
    if essays and skip_essays:
        parsed.skipped.extend(essays)
        parsed.questions = [q for q in parsed.questions if q.type != "essay"]
        parsed.notes.append(ParseIssue(essays[0].line, _l(
            "%(n)d essay question(s) skipped (lines %(lines)s)", n=len(essays),
            lines=", ".join(str(q.line) for q in essays))))
    elif essays:
        parsed.issues.extend(ParseIssue(q.line, ESSAY_REFUSED) for q in essays)
        parsed.issues.sort(key=lambda issue: issue.line)
    for question in parsed.questions:
        parsed.issues.extend(ParseIssue(question.line, problem) for problem in size_problems(question))
    if parsed.issues:
        parsed.questions = []
    return fmt, parsed


def type_counts(questions) -> str:
    """How many questions of each type, in the registry's order, with the types' translated
    names: "12 trắc nghiệm một đáp án, 3 đúng/sai, 1 đoạn mô tả" ("" for none)."""
    from collections import Counter

    from lms.quizzes.types import type_label

    counts = Counter(q.type for q in questions)
    order = [*REGISTRY, *sorted(set(counts) - set(REGISTRY))]
    return ", ".join(f"{counts[t]} {type_label(t)}" for t in order if counts[t])


def import_questions(actor, slug: str, filename: str, data: bytes, fmt: str = "auto", replace: bool = False,
                     *, skip_essays: bool = False):
    """Parse then load, all or nothing; the caller commits. Returns (format, parsed, report):
    ``report`` is None when ``parsed.issues`` refused the file; ``parsed.notes`` and
    ``parsed.skipped`` say what the import decided or left out (``parse_upload``)."""
    from lms.audit.services import record_audit
    from lms.courses.content import SLUG_RE

    if not SLUG_RE.match(slug or ""):
        raise ServiceError(_l("The bank name must be lower-case letters, digits and dashes."))
    fmt, parsed = parse_upload(filename, data, fmt, skip_essays=skip_essays)
    if parsed.issues:
        return fmt, parsed, None
    existing = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == slug))
    if existing is not None:
        # The report says which questions came out unchanged: with a guessed key that is an
        # oracle for it (and changing a running round's paper is the organisers' call).
        check_unsealed(existing, actor)
    if existing is not None and fmt != "md":  # only our Markdown carries settings
        parsed.settings = bank_settings(existing)
    elif existing is None and parsed.settings.get("title") is None:
        parsed.settings = {**parsed.settings, "title": slug}
    bank, report = load_bank(slug, parsed, source="upload", replace=replace)
    record_audit(actor, "quiz.import", target=bank, bank=slug, format=fmt, file=filename,
                 created=report.created, updated=report.updated, retired=report.retired,
                 skipped=len(parsed.skipped))
    return fmt, parsed, report


def export_bank(slug: str, fmt: str, viewer, losses: list | None = None) -> bytes:
    """The bank's current questions with their keys, as Markdown, GIFT, the Excel template
    or Aiken (``EXPORT_FORMATS``); ``Sealed`` for ``viewer`` while a contest round that is not
    over draws from it. What the format cannot carry, and every question it left out, is
    added to ``losses`` (``lms.quizzes.formats.common.ExportLoss``) when a list is given."""
    from lms.quizzes.formats.aiken import write_aiken
    from lms.quizzes.formats.gift import write_gift
    from lms.quizzes.formats.markdown import write_markdown_bank
    from lms.quizzes.formats.xlsx import write_xlsx

    if fmt not in EXPORT_FORMATS:
        raise ServiceError(_l("Unknown export format %(fmt)s (use md, gift, xlsx or aiken).", fmt=fmt))
    bank = get_bank(slug)
    check_unsealed(bank, viewer)
    questions = bank_as_parsed(bank)
    if fmt == "gift":
        return write_gift(questions, losses).encode("utf-8")
    if fmt == "xlsx":
        return write_xlsx(questions, losses)
    if fmt == "aiken":
        return write_aiken(questions, losses).encode("utf-8")
    return write_markdown_bank(bank_settings(bank), questions, losses).encode("utf-8")


def _personal_data(user) -> list[dict]:
    """Everything stored about the learner's attempts. Scores appear only where the learner
    may already see them: never for an open attempt (its answers are graded as they are
    saved) nor for a contest round whose results wait for the close."""
    attempts = list(db.session.scalars(select(Attempt).where(Attempt.user_id == user.id).order_by(Attempt.started_at)))
    if not attempts:
        return []
    banks = {b.id: b for b in db.session.scalars(select(QuestionBank).where(
        QuestionBank.id.in_({a.bank_id for a in attempts})))}
    answers: dict[int, list] = {}
    for attempt_id, text, response, fraction in db.session.execute(
            select(AttemptAnswer.attempt_id, QuestionVersion.text, AttemptAnswer.response, AttemptAnswer.fraction)
            .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
            .where(AttemptAnswer.attempt_id.in_([a.id for a in attempts])).order_by(AttemptAnswer.id)):
        answers.setdefault(attempt_id, []).append((text, response, fraction))
    events: dict[int, list] = {}
    for event in db.session.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id.in_([a.id for a in attempts]))
                                    .order_by(AttemptEvent.at, AttemptEvent.id)):
        events.setdefault(event.attempt_id, []).append(event)
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    contest_titles = contest_attempt_titles(attempts)  # a contest attempt is named by its contest and round
    out = []
    for a in attempts:
        bank = banks[a.bank_id]
        shown = a.status == "submitted" and score_visible(a, bank)
        per_answer = shown and review_allowed(a, bank)
        named = {"contest_round": contest_titles[a.id]} if a.id in contest_titles else {"bank": bank.slug}
        out.append({**named, "started_at": iso(a.started_at), "submitted_at": iso(a.submitted_at),
                    "percent": a.percent if shown else None, "passed": a.passed if shown else None,
                    "answers": [{"question": markdown_to_plain(text), "answer": response, "score": fraction if per_answer else None}
                                for text, response, fraction in answers.get(a.id, [])],
                    "focus_losses": a.focus_losses,
                    "events": [{"kind": e.kind, "at": iso(e.at), "detail": e.detail} for e in events.get(a.id, [])]})
    return out


def _register_privacy() -> None:
    from lms.privacy.services import register_personal_data

    register_personal_data("quizzes", _personal_data, _l("your quiz attempts and answers"))


_register_privacy()
