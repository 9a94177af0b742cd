"""Judged rounds: settings, submissions and their files, judge assignment, scores, results.

Services flush and never commit: the page or command calling them commits once, so a refused
step leaves nothing half-done. Every change of a setting and every score is audit-logged,
because a contest result must be explainable after the fact.

Uploaded files are untrusted: they are stored outside ``static`` under a random name, typed by
their first bytes (never by the name the participant gave), size-limited while streaming, and
optionally passed through an external virus scanner (``JUDGING_SCAN_COMMAND``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shlex
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from random import Random
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from lms.audit.services import record_audit
from lms.contests import rounds
from lms.contests.judging_models import (
    SUBMISSION_KINDS,
    ContestJudge,
    JudgeAssignment,
    JudgeScore,
    JudgingConfig,
    JudgingCriterion,
    Submission,
)
from lms.contests.judging_rules import (
    AssignmentInfeasible,
    assign_judges,
    entry_score,
    weighted_score,
)
from lms.contests.models import Contest, ContestRound, Registration
from lms.core.errors import ServiceError
from lms.core.text import nfc
from lms.core.timeutil import utcnow
from lms.core.transactions import on_abort, on_commit
from lms.courses.render import render_markdown
from lms.extensions import db
from lms.orgs.models import Organization

log = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I to misread aloud
CODE_LENGTH = 6
CHUNK = 64 * 1024
MAX_ARTICLE_CHARS = 50_000
MAX_JUDGES_PER_ENTRY = 20
SCAN_TIMEOUT_SECONDS = 120

# (content type, extension) by leading bytes; nothing else is accepted.
FILE_TYPES = {"pdf": ("application/pdf", "pdf"), "png": ("image/png", "png"),
              "jpeg": ("image/jpeg", "jpg"), "webp": ("image/webp", "webp")}


def sniff(head: bytes) -> str | None:
    """The file type from its magic bytes: the name and the browser's claim are ignored."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


# --- settings ---------------------------------------------------------------------------


def _judged(round_: ContestRound) -> None:
    if round_.kind != "judged":
        raise ServiceError(_l("This round is not a judged round."))


def get_config(round_: ContestRound) -> JudgingConfig:
    """The round's settings row, created with the defaults on first use."""
    config = db.session.scalar(select(JudgingConfig).where(JudgingConfig.round_id == round_.id))
    if config is None:
        config = JudgingConfig(round_id=round_.id, judges_per_entry=2, blind=True,
                               accepted_kinds=list(SUBMISSION_KINDS), max_upload_mb=10)
        db.session.add(config)
        db.session.flush()
    return config


def _not_finalised(config: JudgingConfig) -> None:
    if config.finalised_at is not None:
        raise ServiceError(_l("The results of this round are final; nothing can be changed."))


def max_upload_limit_mb() -> int:
    """Uploads also pass through the request size limit, so the setting cannot exceed it."""
    return max(1, int(current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024) // (1024 * 1024) - 1)


def configure_round(actor, round_: ContestRound, *, judges_per_entry: int | None = None, blind: bool | None = None,
                    accepted_kinds: list[str] | None = None, max_upload_mb: int | None = None) -> JudgingConfig:
    _judged(round_)
    config = get_config(round_)
    _not_finalised(config)
    changes: dict[str, list] = {}
    if judges_per_entry is not None and judges_per_entry != config.judges_per_entry:
        if not 1 <= judges_per_entry <= MAX_JUDGES_PER_ENTRY:
            raise ServiceError(_l("Judges per entry must be between 1 and %(n)d.", n=MAX_JUDGES_PER_ENTRY),
                               field="judges_per_entry")
        changes["judges_per_entry"] = [config.judges_per_entry, judges_per_entry]
        config.judges_per_entry = judges_per_entry
    if blind is not None and blind != config.blind:
        changes["blind"] = [config.blind, blind]
        config.blind = blind
    if accepted_kinds is not None:
        kinds = [k for k in SUBMISSION_KINDS if k in set(accepted_kinds)]
        if not kinds or set(accepted_kinds) - set(SUBMISSION_KINDS):
            raise ServiceError(_l("Choose at least one kind of product."), field="accepted_kinds")
        if kinds != list(config.accepted_kinds or []):
            changes["accepted_kinds"] = [list(config.accepted_kinds or []), kinds]
            config.accepted_kinds = kinds
    if max_upload_mb is not None and max_upload_mb != config.max_upload_mb:
        limit = max_upload_limit_mb()
        if not 1 <= max_upload_mb <= limit:
            raise ServiceError(_l("The file size limit must be between 1 and %(n)d MB.", n=limit),
                               field="max_upload_mb")
        changes["max_upload_mb"] = [config.max_upload_mb, max_upload_mb]
        config.max_upload_mb = max_upload_mb
    if changes:
        db.session.flush()
        record_audit(actor, "contest.judging.config", target=round_, **changes)
    return config


@dataclass
class CriterionInput:
    name: str
    max_points: float
    weight: float = 1.0
    description: str = ""


def criteria_of(round_: ContestRound) -> list[JudgingCriterion]:
    return list(db.session.scalars(select(JudgingCriterion).where(JudgingCriterion.round_id == round_.id)
                                   .order_by(JudgingCriterion.position, JudgingCriterion.id)))


def _scores_exist(round_: ContestRound) -> bool:
    return db.session.scalar(
        select(func.count(JudgeScore.id)).join(JudgeAssignment, JudgeAssignment.id == JudgeScore.assignment_id)
        .join(Submission, Submission.id == JudgeAssignment.submission_id).where(Submission.round_id == round_.id)) > 0


def set_criteria(actor, round_: ContestRound, criteria: list[CriterionInput]) -> list[JudgingCriterion]:
    """Replace the rubric. Refused once a judge has scored: points already given would no
    longer mean what the judge meant."""
    _judged(round_)
    _not_finalised(get_config(round_))
    if _scores_exist(round_):
        raise ServiceError(_l("Judges have already scored entries; the rubric can no longer change."))
    cleaned = []
    for item in criteria:
        name = nfc(item.name or "").strip()
        if not name:
            continue
        if len(name) > 255:
            raise ServiceError(_l("A criterion name is too long (255 characters at most)."), field="criteria")
        if item.max_points is None or item.max_points <= 0:
            raise ServiceError(_l("%(name)s: the maximum points must be more than 0.", name=name), field="criteria")
        if item.weight is None or item.weight < 0:
            raise ServiceError(_l("%(name)s: the weight cannot be negative.", name=name), field="criteria")
        cleaned.append(CriterionInput(name, float(item.max_points), float(item.weight),
                                      nfc(item.description or "").strip()))
    if not cleaned:
        raise ServiceError(_l("The rubric needs at least one criterion."), field="criteria")
    if sum(c.weight for c in cleaned) <= 0:
        raise ServiceError(_l("At least one criterion needs a weight above 0."), field="criteria")
    before = [[c.name, c.max_points, c.weight] for c in criteria_of(round_)]
    db.session.execute(delete(JudgingCriterion).where(JudgingCriterion.round_id == round_.id))
    rows = [JudgingCriterion(round_id=round_.id, position=i, name=c.name, description=c.description,
                             max_points=c.max_points, weight=c.weight) for i, c in enumerate(cleaned, start=1)]
    db.session.add_all(rows)
    db.session.flush()
    record_audit(actor, "contest.judging.criteria", target=round_, before=before,
                 after=[[c.name, c.max_points, c.weight] for c in cleaned])
    return rows


def judges_of(contest: Contest) -> list[ContestJudge]:
    return list(db.session.scalars(select(ContestJudge).where(ContestJudge.contest_id == contest.id)
                                   .order_by(ContestJudge.id)))


def is_judge(user, contest: Contest) -> bool:
    return db.session.scalar(select(ContestJudge.id).where(
        ContestJudge.contest_id == contest.id, ContestJudge.user_id == user.id)) is not None


def add_judge(actor, contest: Contest, user) -> ContestJudge:
    existing = db.session.scalar(select(ContestJudge).where(
        ContestJudge.contest_id == contest.id, ContestJudge.user_id == user.id))
    if existing is not None:
        return existing
    judge = ContestJudge(contest_id=contest.id, user_id=user.id)
    db.session.add(judge)
    db.session.flush()
    record_audit(actor, "contest.judging.judge_add", target=contest, user_id=user.id, username=user.username)
    return judge


def remove_judge(actor, contest: Contest, user) -> None:
    """Unscored assignments go back to the pool (the next assignment run refills them);
    a judge who has already scored stays, so the scores keep an accountable author."""
    judge = db.session.scalar(select(ContestJudge).where(
        ContestJudge.contest_id == contest.id, ContestJudge.user_id == user.id))
    if judge is None:
        return
    round_ids = [r.id for r in contest.rounds]
    assignments = list(db.session.scalars(
        select(JudgeAssignment).join(Submission, Submission.id == JudgeAssignment.submission_id)
        .where(JudgeAssignment.judge_id == user.id, Submission.round_id.in_(round_ids))))
    if any(a.score is not None for a in assignments):
        raise ServiceError(_l("%(name)s has already scored entries and cannot be removed.", name=user.full_name))
    for assignment in assignments:
        assignment.submission.assignments.remove(assignment)
        db.session.delete(assignment)
    db.session.delete(judge)
    db.session.flush()
    record_audit(actor, "contest.judging.judge_remove", target=contest, user_id=user.id, username=user.username,
                 released_assignments=len(assignments))


# --- submissions ------------------------------------------------------------------------


def upload_dir(round_id: int) -> Path:
    """Under the instance folder, never under ``static``: nothing here is served directly."""
    return Path(current_app.instance_path) / "uploads" / "judging" / str(round_id)


def stored_path(submission: Submission) -> Path:
    return upload_dir(submission.round_id) / submission.stored_name


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Submission.id).where(Submission.code == code)) is None:
            return code


def _clean_url(url: str | None) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if (not url or len(url) > 2000 or parts.scheme.lower() not in ("http", "https") or not parts.netloc
            or any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in url)):
        raise ServiceError(_l("Give a web address starting with http:// or https://."), field="url")
    return url


def _clean_filename(name: str | None) -> str:
    """Kept only to show the participant and organisers what they sent; never used on disk."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in nfc(base) if not unicodedata.category(ch).startswith("C")).strip()
    return base[:255] or "file"


def _scan(path: Path) -> None:
    command = current_app.config.get("JUDGING_SCAN_COMMAND")
    if not command:
        return
    try:
        result = subprocess.run([*shlex.split(command), str(path)], capture_output=True,
                                timeout=SCAN_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        # Fail closed: an unscanned file is not accepted.
        log.error("judging scan could not run: %s", exc)
        raise ServiceError(_l("The file could not be checked for viruses. Please try again later.")) from exc
    if result.returncode != 0:
        log.warning("judging scan rejected %s: %s", path.name, result.stdout[:500])
        raise ServiceError(_l("The file did not pass the virus check."), field="file")


@dataclass
class StoredFile:
    stored_name: str
    content_type: str
    size_bytes: int
    sha256: str


def store_upload(round_id: int, stream, max_bytes: int) -> StoredFile:
    """Stream to a new random file; stop and delete on the first byte over the limit, on an
    unknown type, or on a scanner refusal."""
    folder = upload_dir(round_id)
    folder.mkdir(mode=0o750, parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    path = folder / name
    digest = hashlib.sha256()
    size = 0
    head = b""
    # Created without any execute bit, and never over an existing file.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise ServiceError(_l("The file is larger than %(n)d MB.", n=max_bytes // (1024 * 1024)),
                                       field="file")
                if len(head) < 16:
                    head += chunk[:16 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ServiceError(_l("The file is empty."), field="file")
        kind = sniff(head)
        if kind is None:
            raise ServiceError(_l("Only PDF, PNG, JPEG and WebP files are accepted (this file is none of them)."),
                               field="file")
        _scan(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return StoredFile(name, FILE_TYPES[kind][0], size, digest.hexdigest())


def submission_of(round_: ContestRound, registration: Registration) -> Submission | None:
    return db.session.scalar(select(Submission).where(
        Submission.round_id == round_.id, Submission.registration_id == registration.id))


def submit_entry(user, round_: ContestRound, kind: str, *, url: str | None = None, text: str | None = None,
                 file=None, now: datetime | None = None) -> Submission:
    """Submit or replace the participant's product while the round is open (server clock).

    ``file`` is anything with ``stream`` (or ``read``) and ``filename``, such as werkzeug's
    FileStorage. A replacement keeps the entry's code; it is refused once a judge has scored.
    """
    now = now or utcnow()
    _judged(round_)
    config = get_config(round_)
    _not_finalised(config)
    if now < round_.opens_at:
        raise ServiceError(_l("The round has not opened yet."))
    if now >= round_.closes_at:
        raise ServiceError(_l("The round is closed; submissions are no longer accepted."))
    registration = rounds._registration(user, round_)
    if kind not in SUBMISSION_KINDS or kind not in (config.accepted_kinds or []):
        raise ServiceError(_l("This round does not accept that kind of product."), field="kind")
    submission = submission_of(round_, registration)
    if submission is not None and any(a.score is not None for a in submission.assignments):
        raise ServiceError(_l("A judge has already scored your entry; it can no longer be replaced."))
    fields: dict = {"url": None, "article_md": None, "article_html": None, "stored_name": None,
                    "original_name": None, "content_type": None, "size_bytes": None, "sha256": None}
    if kind == "link":
        fields["url"] = _clean_url(url)
    elif kind == "article":
        body = nfc(text or "").strip()
        if not body:
            raise ServiceError(_l("Write the article before submitting."), field="article")
        if len(body) > MAX_ARTICLE_CHARS:
            raise ServiceError(_l("The article is too long (%(n)d characters at most).", n=MAX_ARTICLE_CHARS),
                               field="article")
        fields["article_md"] = body
        fields["article_html"] = render_markdown(body)
    else:
        if file is None or not getattr(file, "filename", None):
            raise ServiceError(_l("Choose a file to upload."), field="file")
        stream = getattr(file, "stream", file)
        stored = store_upload(round_.id, stream, config.max_upload_mb * 1024 * 1024)
        new_file = upload_dir(round_.id) / stored.stored_name
        on_abort(db.session(), lambda: new_file.unlink(missing_ok=True))
        fields.update(stored_name=stored.stored_name, content_type=stored.content_type,
                      size_bytes=stored.size_bytes, sha256=stored.sha256,
                      original_name=_clean_filename(file.filename))
    old_file = stored_path(submission) if submission is not None and submission.stored_name else None
    replaced = submission is not None
    if submission is None:
        submission = Submission(round_id=round_.id, registration_id=registration.id, code=_new_code(),
                                submitted_at=now)
        db.session.add(submission)
    for key, value in fields.items():
        setattr(submission, key, value)
    submission.kind = kind
    submission.updated_at = now
    submission.status = "submitted"
    db.session.flush()
    if old_file is not None:  # gone only once the replacement is committed
        on_commit(db.session(), lambda: old_file.unlink(missing_ok=True))
    record_audit(user, "contest.judging.submit", target=submission, round_id=round_.id, code=submission.code,
                 kind=kind, replaced=replaced, size=fields["size_bytes"], sha256=fields["sha256"])
    return submission


# --- assignment -------------------------------------------------------------------------


def submissions_of(round_: ContestRound) -> list[Submission]:
    """With their assignments and scores: every caller walks them."""
    return list(db.session.scalars(
        select(Submission).where(Submission.round_id == round_.id).order_by(Submission.id)
        .options(selectinload(Submission.assignments).selectinload(JudgeAssignment.score))))


def run_assignment(actor, round_: ContestRound, rng: Random | None = None) -> int:
    """Give every submission its judges; earlier assignments are kept and count as load, so
    running again after late entries or new judges only tops up. Returns the new seats."""
    from lms.auth.models import User

    _judged(round_)
    config = get_config(round_)
    _not_finalised(config)
    contest = db.session.get(Contest, round_.contest_id)
    judges = db.session.execute(select(User.id, User.org_id).join(ContestJudge, ContestJudge.user_id == User.id)
                                .where(ContestJudge.contest_id == contest.id).order_by(User.id)).all()
    if not judges:
        raise ServiceError(_l("Add judges to the contest first."))
    submissions = submissions_of(round_)
    if not submissions:
        raise ServiceError(_l("There are no submissions to assign yet."))
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(
        Registration.id.in_([s.registration_id for s in submissions])))}
    # Loads count every assignment of the contest's judges in this round.
    existing: dict[int, list[int]] = {}
    for submission in submissions:
        existing[submission.id] = [a.judge_id for a in submission.assignments]
    org_ids = {registrations[s.registration_id].org_id for s in submissions} | {j.org_id for j in judges}
    org_ids.add(contest.scope_org_id)
    paths: dict[int | None, str | None] = dict(db.session.execute(
        select(Organization.id, Organization.path).where(Organization.id.in_(org_ids - {None}))).all())

    def path(org_id):
        return paths.get(org_id)

    entries = [(s.id, path(registrations[s.registration_id].org_id)) for s in submissions]
    exclude = {s.id: {registrations[s.registration_id].user_id} for s in submissions}
    scope_path = path(contest.scope_org_id)
    try:
        result = assign_judges(entries, [(j.id, path(j.org_id)) for j in judges], config.judges_per_entry,
                               scope_path, rng or Random(), existing=existing, exclude=exclude)
    except AssignmentInfeasible as err:
        code = next(s.code for s in submissions if s.id == err.entry_id)
        raise ServiceError(_l("Entry %(code)s can only get %(n)d judge(s) without a conflict of interest; "
                              "%(needed)d are needed. Add judges from other units.",
                              code=code, n=err.available, needed=err.needed)) from err
    added = 0
    for submission in submissions:
        for judge_id in result[submission.id][len(existing[submission.id]):]:
            submission.assignments.append(JudgeAssignment(judge_id=judge_id))
            added += 1
    db.session.flush()
    record_audit(actor, "contest.judging.assign", target=round_, added=added, submissions=len(submissions),
                 judges_per_entry=config.judges_per_entry)
    return added


# --- scores -----------------------------------------------------------------------------


def record_score(judge_user, assignment: JudgeAssignment, points: dict[int, float], comment: str = "",
                 now: datetime | None = None) -> JudgeScore:
    """A judge's points per criterion (criterion id -> points); revisable until the results
    are final. Each save is audited with the points, so a changed mark stays visible."""
    now = now or utcnow()
    if assignment.judge_id != judge_user.id:
        raise ServiceError(_l("This entry is not assigned to you."))
    submission = assignment.submission
    round_ = db.session.get(ContestRound, submission.round_id)
    _not_finalised(get_config(round_))
    criteria = criteria_of(round_)
    if not criteria:
        raise ServiceError(_l("The organisers have not set the rubric yet."))
    values: list[float] = []
    for criterion in criteria:
        value = points.get(criterion.id)
        if value is None or not 0 <= value <= criterion.max_points:
            raise ServiceError(_l("%(name)s: give between 0 and %(max)s points.", name=criterion.name,
                                  max=f"{criterion.max_points:g}"), field=f"c_{criterion.id}")
        values.append(float(value))
    score_value = weighted_score([(c.max_points, c.weight) for c in criteria], values)
    stored_points = {str(c.id): v for c, v in zip(criteria, values, strict=True)}
    score = assignment.score
    if score is None:
        score = JudgeScore(assignment_id=assignment.id, weighted_score=score_value)
        db.session.add(score)
        assignment.score = score
    score.points = stored_points
    score.comment = nfc(comment or "").strip()[:5000]
    score.weighted_score = score_value
    score.scored_at = now
    if all(a.score is not None for a in submission.assignments):
        submission.status = "scored"
    db.session.flush()
    record_audit(judge_user, "contest.judging.score", target=submission, code=submission.code,
                 assignment_id=assignment.id, points=stored_points, weighted=score_value)
    return score


@dataclass
class Progress:
    submissions: int
    assignments: int
    scored: int
    unassigned: list[str]  # codes short of judges


def progress(round_: ContestRound, submissions: list[Submission] | None = None) -> Progress:
    config = get_config(round_)
    submissions = submissions_of(round_) if submissions is None else submissions
    assignments = [a for s in submissions for a in s.assignments]
    return Progress(len(submissions), len(assignments), sum(1 for a in assignments if a.score is not None),
                    [s.code for s in submissions if len(s.assignments) < config.judges_per_entry])


def finalise_round(actor, round_: ContestRound, now: datetime | None = None) -> int:
    """Turn the judges' scores into round results (``RoundEntry.score``, which the leaderboard
    and ``combine_rounds`` read). Needs the round closed and every assigned judge's score;
    otherwise the refusal lists what is missing. Returns the number of results written."""
    from lms.auth.models import User

    now = now or utcnow()
    _judged(round_)
    config = get_config(round_)
    _not_finalised(config)
    if now < round_.closes_at:
        raise ServiceError(_l("Results can be finalised only after the round closes."))
    submissions = submissions_of(round_)
    short = [s.code for s in submissions if len(s.assignments) < config.judges_per_entry]
    if short:
        raise ServiceError(_l("These entries do not have enough judges yet: %(codes)s.", codes=", ".join(short)))
    missing = [(s.code, a.judge_id) for s in submissions for a in s.assignments if a.score is None]
    if missing:
        names = dict(db.session.execute(select(User.id, User.username).where(
            User.id.in_({judge_id for _, judge_id in missing}))).all())
        listed = ", ".join(f"{code} ({names.get(judge_id, judge_id)})" for code, judge_id in missing[:50])
        raise ServiceError(_l("Scores are missing for: %(list)s.", list=listed))
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(
        Registration.id.in_([s.registration_id for s in submissions])))}
    for submission in submissions:
        entry = rounds._entry(round_, registrations[submission.registration_id])
        entry.score = entry_score([a.score.weighted_score for a in submission.assignments])
        entry.submitted_at = submission.updated_at
        # "Less time taken" in the shared ranking: time from opening to the final version.
        entry.seconds_taken = max(0.0, (submission.updated_at - round_.opens_at).total_seconds())
    config.finalised_at = now
    db.session.flush()
    record_audit(actor, "contest.judging.finalise", target=round_, results=len(submissions))
    rounds._bump(round_.id)
    return len(submissions)


# --- who may see what -------------------------------------------------------------------


def assignment_for(judge_user, submission: Submission) -> JudgeAssignment | None:
    return db.session.scalar(select(JudgeAssignment).where(
        JudgeAssignment.submission_id == submission.id, JudgeAssignment.judge_id == judge_user.id))


def is_owner(user, submission: Submission) -> bool:
    return db.session.scalar(select(Registration.user_id).where(
        Registration.id == submission.registration_id)) == user.id
