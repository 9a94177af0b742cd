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
import math
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from lms.access import adapters as access_adapters
from lms.access import rules
from lms.access.rules import Grant
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
    InvalidPoints,
    assign_judges,
    entry_score,
    weighted_score,
)
from lms.contests.models import Contest, ContestRound, Registration, RoundEntry
from lms.contests.organise import _apply
from lms.core.codes import readable_code
from lms.core.errors import ServiceError
from lms.core.text import nfc
from lms.core.timeutil import to_vn, utcnow
from lms.core.transactions import on_abort, on_commit
from lms.courses.render import render_markdown
from lms.extensions import db
from lms.orgs.models import Organization

log = logging.getLogger(__name__)

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
    """The round's saved settings, or an unsaved object holding the defaults.

    Reading never writes: pages that only show the settings (the submit page, the judges'
    pages) would otherwise insert the row on first visit, and two first visits at once would
    race on its unique ``round_id``. The unsaved object is never added to the session; the
    services that change the settings save it with ``_save_config``."""
    config = db.session.scalar(select(JudgingConfig).where(JudgingConfig.round_id == round_.id))
    return config if config is not None else JudgingConfig(round_id=round_.id)


def _save_config(config: JudgingConfig) -> JudgingConfig:
    """The settings as a saved row: ``config`` itself once inserted, or the row another
    request inserted a moment earlier (its values win; the caller applies its changes to it)."""
    if config.id is not None:
        return config
    try:
        with db.session.begin_nested():
            db.session.add(config)
    except IntegrityError:
        config = db.session.scalar(select(JudgingConfig).where(JudgingConfig.round_id == config.round_id))
    return config


def _not_finalised(config: JudgingConfig) -> None:
    if config.finalised_at is not None:
        raise ServiceError(_l("The results of this round are final; nothing can be changed."))


def max_upload_limit_mb() -> int:
    """Uploads also pass through the request size limit, so the setting cannot exceed it."""
    return max(1, int(current_app.config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024) // (1024 * 1024) - 1)


def _assignments_exist(round_: ContestRound) -> bool:
    return db.session.scalar(select(JudgeAssignment.id).join(Submission, Submission.id == JudgeAssignment.submission_id)
                             .where(Submission.round_id == round_.id).limit(1)) is not None


def configure_round(actor, round_: ContestRound, *, judges_per_entry: int | None = None, blind: bool | None = None,
                    accepted_kinds: list[str] | None = None, max_upload_mb: int | None = None) -> JudgingConfig:
    """Change the settings; the audit entry lists each changed one as ``changes={name: [old, new]}``.

    Judges per entry can be raised at any time (the next assignment run tops every entry up)
    but not lowered once judges are assigned: entries already given more judges would then be
    averaged over more judges than the others."""
    _judged(round_)
    config = get_config(round_)
    _not_finalised(config)
    values: dict = {}
    if judges_per_entry is not None and judges_per_entry != config.judges_per_entry:
        if not 1 <= judges_per_entry <= MAX_JUDGES_PER_ENTRY:
            raise ServiceError(_l("Judges per entry must be between 1 and %(n)d.", n=MAX_JUDGES_PER_ENTRY),
                               field="judges_per_entry")
        if judges_per_entry < config.judges_per_entry and _assignments_exist(round_):
            raise ServiceError(_l("Judges are already assigned, so the number of judges per entry can be raised "
                                  "but no longer lowered (every entry must be averaged over the same number "
                                  "of judges)."), field="judges_per_entry")
        values["judges_per_entry"] = judges_per_entry
    if blind is not None:
        values["blind"] = blind
    if accepted_kinds is not None:
        kinds = [k for k in SUBMISSION_KINDS if k in set(accepted_kinds)]
        if not kinds or set(accepted_kinds) - set(SUBMISSION_KINDS):
            raise ServiceError(_l("Choose at least one kind of product."), field="accepted_kinds")
        values["accepted_kinds"] = kinds
    if max_upload_mb is not None and max_upload_mb != config.max_upload_mb:
        limit = max_upload_limit_mb()
        if not 1 <= max_upload_mb <= limit:
            raise ServiceError(_l("The file size limit must be between 1 and %(n)d MB.", n=limit),
                               field="max_upload_mb")
        values["max_upload_mb"] = max_upload_mb
    config = _save_config(config)
    _apply(actor, config, "contest.judging.config", values, audit_target=round_)
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
        if item.max_points is None or not math.isfinite(item.max_points) or item.max_points <= 0:
            raise ServiceError(_l("%(name)s: the maximum points must be a number more than 0.", name=name),
                               field="criteria")
        if item.weight is None or not math.isfinite(item.weight) or item.weight < 0:
            raise ServiceError(_l("%(name)s: the weight must be a number, 0 or more.", name=name), field="criteria")
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


def judges_of(contest: Contest, *, active_only: bool = False) -> list[ContestJudge]:
    """The contest's judges with their accounts and units loaded, by username; inactive ones
    (removed after scoring) too unless ``active_only``."""
    from lms.auth.models import User

    stmt = (select(ContestJudge).join(ContestJudge.user).where(ContestJudge.contest_id == contest.id)
            .options(contains_eager(ContestJudge.user).selectinload(User.org)).order_by(User.username))
    if active_only:
        stmt = stmt.where(ContestJudge.active.is_(True))
    return list(db.session.scalars(stmt))


def judge_appointments(user_ids: list[int]) -> dict[int, list[Grant]]:
    """Judging appointments as contest-scoped grants, for ``access.adapters.held_grants``: a
    judge (even one removed after scoring) reads entries, so only an admin acts on the account."""
    found: dict[int, list[Grant]] = {}
    for start in range(0, len(user_ids), 900):
        for user_id, contest_id in db.session.execute(select(ContestJudge.user_id, ContestJudge.contest_id).where(
                ContestJudge.user_id.in_(user_ids[start:start + 900]))):
            found.setdefault(user_id, []).append(Grant("judge", None, contest_id))
    return found


access_adapters.APPOINTMENT_SOURCES.append(judge_appointments)


def contest_judge(contest_id: int, user_id: int) -> ContestJudge | None:
    return db.session.scalar(select(ContestJudge).where(ContestJudge.contest_id == contest_id,
                                                        ContestJudge.user_id == user_id))


def add_judge(actor, contest: Contest, user) -> ContestJudge:
    """Adding a judge who was removed after scoring makes them active again. Nobody appoints
    himself (``access.rules.may_change_roles_of``): an organiser who also scored entries
    would judge the contest he runs; another organiser or an admin must appoint him."""
    if actor is not None and not rules.may_change_roles_of(actor.id, user.id):
        raise ServiceError(_l("You cannot appoint yourself as a judge: ask another organiser or an admin."),
                           field="username")
    judge = contest_judge(contest.id, user.id)
    if judge is not None and judge.active:
        return judge
    reactivated = judge is not None
    if judge is None:
        judge = ContestJudge(contest_id=contest.id, user_id=user.id)
        db.session.add(judge)
    judge.active = True
    db.session.flush()
    record_audit(actor, "contest.judging.judge_add", target=contest, user_id=user.id, username=user.username,
                 reactivated=reactivated)
    return judge


def remove_judge(actor, contest: Contest, user) -> int:
    """Unscored assignments go back to the pool (the next assignment run refills them). A judge
    who has already scored stays on the list as inactive: those scores keep their accountable
    author and still count, but the judge gets no new entries. One who scored nothing goes.
    Returns the number of scores kept."""
    judge = contest_judge(contest.id, user.id)
    if judge is None or not judge.active:
        return 0
    assignments = list(db.session.scalars(
        select(JudgeAssignment).join(Submission, Submission.id == JudgeAssignment.submission_id)
        .join(ContestRound, ContestRound.id == Submission.round_id)
        .where(JudgeAssignment.judge_id == user.id, ContestRound.contest_id == contest.id)
        .options(selectinload(JudgeAssignment.score),
                 selectinload(JudgeAssignment.submission).selectinload(Submission.assignments))))
    released = [a for a in assignments if a.score is None]
    kept = len(assignments) - len(released)
    for assignment in released:
        assignment.submission.assignments.remove(assignment)
        db.session.delete(assignment)
    if kept:
        judge.active = False
    else:
        db.session.delete(judge)
    db.session.flush()
    record_audit(actor, "contest.judging.judge_remove", target=contest, user_id=user.id, username=user.username,
                 released_assignments=len(released), kept_scored=kept)
    return kept


# --- submissions ------------------------------------------------------------------------


def upload_dir(round_id: int) -> Path:
    """Under the instance folder, never under ``static``: nothing here is served directly."""
    return Path(current_app.instance_path) / "uploads" / "judging" / str(round_id)


def stored_path(submission: Submission) -> Path:
    return upload_dir(submission.round_id) / submission.stored_name


def _new_code() -> str:
    while True:
        code = readable_code(CODE_LENGTH)
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
    FileStorage. A replacement keeps the entry's code. Judges score only after the close, so
    an entry can always be replaced while the round is open; the scored check below guards a
    round whose closing time was moved later after scoring began.
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
    running again after late entries or new judges only tops up. Inactive judges get nothing
    new (their scored seats stay). Returns the new seats."""
    _judged(round_)
    config = get_config(round_)
    _not_finalised(config)
    contest = db.session.get(Contest, round_.contest_id)
    judges = [judge.user for judge in judges_of(contest, active_only=True)]
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
        submission = next(s for s in submissions if s.id == err.entry_id)
        registration = registrations[submission.registration_id]
        unit = (db.session.scalar(select(Organization.name).where(Organization.id == registration.org_id))
                if registration.org_id else registration.unit_name)
        raise ServiceError(_l("Entry %(code)s (unit: %(unit)s) can only get %(n)d judge(s) without a conflict of "
                              "interest; %(needed)d are needed. Add judges from other units.",
                              code=submission.code, unit=unit or "—", n=err.available,
                              needed=err.needed)) from err
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
    """A judge's points per criterion (criterion id -> points), once the round has closed (so
    every participant may replace their entry until the close, whatever the judges do);
    revisable until the results are final. Each save is audited with the points, so a changed
    mark stays visible. A judge removed after scoring can no longer change their scores."""
    now = now or utcnow()
    if assignment.judge_id != judge_user.id:
        raise ServiceError(_l("This entry is not assigned to you."))
    submission = assignment.submission
    round_ = db.session.get(ContestRound, submission.round_id)
    _not_finalised(get_config(round_))
    if now < round_.closes_at:
        raise ServiceError(_l("Scoring opens when the round closes, at %(time)s (Vietnam time).",
                              time=scoring_opens(round_)))
    judge = contest_judge(round_.contest_id, judge_user.id)
    if judge is None or not judge.active:
        raise ServiceError(_l("You are no longer a judge of this contest."))
    criteria = criteria_of(round_)
    if not criteria:
        raise ServiceError(_l("The organisers have not set the rubric yet."))
    values = [points.get(c.id) for c in criteria]
    try:
        score_value = weighted_score([(c.max_points, c.weight) for c in criteria], values)
    except InvalidPoints as err:
        if err.index is None:
            raise ServiceError(_l("These points do not fit the rubric.")) from err
        criterion = criteria[err.index]
        raise ServiceError(_l("%(name)s: give between 0 and %(max)s points.", name=criterion.name,
                              max=f"{criterion.max_points:g}"), field=f"c_{criterion.id}") from err
    values = [float(v) for v in values]
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
    db.session.flush()
    record_audit(judge_user, "contest.judging.score", target=submission, code=submission.code,
                 assignment_id=assignment.id, points=stored_points, weighted=score_value)
    return score


def scoring_opens(round_: ContestRound) -> str:
    """When judges may start scoring (the round's close), as Vietnam wall-clock time."""
    return to_vn(round_.closes_at).strftime("%H:%M %d/%m/%Y")


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
    # One query for the round's existing results; only the missing ones are created.
    entries = {e.registration_id: e for e in db.session.scalars(
        select(RoundEntry).where(RoundEntry.round_id == round_.id))}
    for submission in submissions:
        entry = entries.get(submission.registration_id)
        if entry is None:
            entry = RoundEntry(round_id=round_.id, registration_id=submission.registration_id)
            db.session.add(entry)
        entry.score = entry_score([a.score.weighted_score for a in submission.assignments])
        entry.submitted_at = submission.updated_at
        # "Less time taken" in the shared ranking: time from opening to the final version.
        entry.seconds_taken = max(0.0, (submission.updated_at - round_.opens_at).total_seconds())
    config = _save_config(config)
    config.finalised_at = now
    db.session.flush()
    record_audit(actor, "contest.judging.finalise", target=round_, results=len(submissions))
    rounds._bump(round_.id)
    return len(submissions)


# --- who may see what -------------------------------------------------------------------


def assignment_for(judge_user, submission: Submission) -> JudgeAssignment | None:
    return db.session.scalar(select(JudgeAssignment).where(
        JudgeAssignment.submission_id == submission.id, JudgeAssignment.judge_id == judge_user.id))


def entry_owner_id(submission: Submission) -> int | None:
    """The account that handed in ``submission`` (the rule is ``access.rules.can_see_entry``)."""
    return db.session.scalar(select(Registration.user_id).where(Registration.id == submission.registration_id))
