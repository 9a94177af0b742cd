"""Learning records as xAPI 1.0.3 statements, for organisations that run an LRS.

Pure functions over plain data (plus ``course_xapi_info``, the one lookup both callers
need), so the mapping is tested without a database and the API and the CLI produce
byte-identical statements.

Choices worth knowing:

* The actor is an *account* on this platform (homePage = the site, name = username),
  never an email or a full name: the LRS gets what it needs to tell learners apart,
  and nothing more personal.
* Statement ids are UUID5 over everything in the statement that an LRS compares
  (xAPI 1.0.3 Data 2.3.1): actor, verb id, object id, result, context and timestamp.
  Exporting twice yields the same ids, which an LRS recognises as the same
  statements; any change (more lessons read, a better score, a later completion, the
  learner moved to another unit) gives a new id instead of re-sending an old id with
  new content, which an LRS answers with 409 Conflict.  The activity definition (the
  course title) and the verb's display are not part of the statement's identity in
  the spec, so renaming a course does not duplicate anything.
* Times are stored in naive UTC and written as ISO 8601 with a ``Z``.  A statement
  whose moment is unknown (a failed quiz: the record keeps only the score) has no
  ``timestamp``; the LRS then uses the time it stored it, as the spec allows.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from lms.core.timeutil import VN_OFFSET

XAPI_VERSION = "1.0.3"
VERB_BASE = "http://adlnet.gov/expapi/verbs/"
COURSE_ACTIVITY_TYPE = "http://adlnet.gov/expapi/activities/course"
# cmi5's progress extension (0-100) is the de-facto way to say "how far along".
PROGRESS_EXTENSION = "https://w3id.org/xapi/cmi5/result/extensions/progress"
# Fixed namespace: changing it would change every statement id ever exported.
STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/lms-dvc/xapi-statements")

VERBS: dict[str, dict[str, str]] = {
    "registered": {"en-US": "registered", "vi-VN": "đã đăng ký"},
    "attempted": {"en-US": "attempted", "vi-VN": "đã bắt đầu học"},
    "completed": {"en-US": "completed", "vi-VN": "đã hoàn thành"},
    "passed": {"en-US": "passed", "vi-VN": "đã đạt"},
    "failed": {"en-US": "failed", "vi-VN": "chưa đạt"},
}

LANGUAGE_TAGS = {"vi": "vi-VN", "en": "en-US"}


@dataclass(frozen=True)
class LearningRecord:
    """One learner x one course, with every time in naive UTC."""

    username: str
    org_code: str
    course_slug: str
    course_title: str
    course_language: str = "vi"
    enrolled_at: datetime | None = None
    lessons_read: int = 0
    lessons_total: int = 0
    completed_at: datetime | None = None
    score: float | None = None  # percent, 0-100
    pass_score: float | None = None  # percent; None when the course has no quiz


def record_from_row(row, courses: Mapping[str, tuple[str, float | None]]) -> LearningRecord:
    """Adapt a reports ``CompletionRow`` (Vietnam wall-clock times) to UTC.

    ``courses`` maps a course slug to (language, pass score or None).
    """
    language, pass_score = courses.get(row.course_slug, ("vi", None))
    return LearningRecord(
        username=row.username, org_code=row.org_code, course_slug=row.course_slug,
        course_title=row.course_title, course_language=language,
        enrolled_at=row.enrolled_at - VN_OFFSET if row.enrolled_at else None,
        lessons_read=row.lessons_read or 0, lessons_total=row.lessons_total or 0,
        completed_at=row.completed_at - VN_OFFSET if row.completed_at else None,
        score=row.score, pass_score=pass_score,
    )


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision, e.g. 2025-03-01T02:03:04.000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def statement_id(statement: dict) -> str:
    """UUID5 over the parts of ``statement`` an LRS compares when an id comes again.

    Left out, as the spec leaves them out of a statement's immutable content: the id
    itself, ``version``, the activity definition (course title) and the verb's
    display.  Everything else is in, so no field can change under a stable id.
    """
    identity = {
        "actor": statement["actor"],
        "verb": statement["verb"]["id"],
        "object": statement["object"]["id"],
        "result": statement.get("result"),
        "context": statement.get("context"),
        "timestamp": statement.get("timestamp"),
    }
    key = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(uuid.uuid5(STATEMENT_NAMESPACE, key))


def course_activity(site: str, record: LearningRecord) -> dict:
    tag = LANGUAGE_TAGS.get(record.course_language, record.course_language or "vi-VN")
    return {
        "objectType": "Activity",
        "id": f"{site}/courses/{record.course_slug}",
        "definition": {"name": {tag: record.course_title}, "type": COURSE_ACTIVITY_TYPE},
    }


def _score(percent: float) -> dict:
    scaled = max(0.0, min(1.0, percent / 100.0))
    return {"scaled": round(scaled, 4), "raw": round(float(percent), 2), "min": 0, "max": 100}


def build_statements(record: LearningRecord, site: str, platform: str = "LMS") -> list[dict]:
    """Statements for one record, in the order the events happened.

    * registered - enrolled (timestamp: enrolment);
    * attempted - began learning: a lesson read, a quiz result or a completion;
    * completed - the course was completed (timestamp: completion);
    * passed / failed - the course quiz result against its pass score.
    """
    site = site.rstrip("/")
    actor = {"objectType": "Agent", "account": {"homePage": site, "name": record.username}}
    activity = course_activity(site, record)
    context = {
        "platform": platform,
        "language": LANGUAGE_TAGS.get(record.course_language, "vi-VN"),
        "extensions": {f"{site}/xapi/extensions/org-code": record.org_code},
    }

    def make(verb: str, timestamp: datetime | None, result: dict | None = None) -> dict:
        statement = {
            "actor": actor,
            "verb": {"id": VERB_BASE + verb, "display": dict(VERBS[verb])},
            "object": activity,
            "context": context,
            "version": XAPI_VERSION,
        }
        if result is not None:
            statement["result"] = result
        if timestamp is not None:
            statement["timestamp"] = iso_utc(timestamp)
        return {"id": statement_id(statement), **statement}

    statements: list[dict] = []
    if record.enrolled_at is not None:
        statements.append(make("registered", record.enrolled_at))
    started = record.lessons_read > 0 or record.score is not None or record.completed_at is not None
    if started:
        result: dict = {"completion": record.completed_at is not None}
        if record.lessons_total > 0:
            progress = round(100 * min(record.lessons_read, record.lessons_total) / record.lessons_total)
            result["extensions"] = {PROGRESS_EXTENSION: progress}
        # Progress is part of the content, so more lessons read give a new statement.
        statements.append(make("attempted", record.enrolled_at, result))
    success = None
    if record.score is not None and record.pass_score is not None:
        success = record.score >= record.pass_score
    if record.completed_at is not None:
        result = {"completion": True}
        if success is not None:
            result["success"] = success
        if record.score is not None:
            result["score"] = _score(record.score)
        statements.append(make("completed", record.completed_at, result))
    if success is not None:
        verb = "passed" if success else "failed"
        result = {"success": success, "score": _score(record.score)}
        if success and record.completed_at is not None:
            result["completion"] = True
        moment = record.completed_at if success else None
        statements.append(make(verb, moment, result))
    return statements


def course_xapi_info() -> dict[str, tuple[str, float | None]]:
    """slug -> (language, pass score or None when the course has no quiz), for
    ``record_from_row``; read once per export or API page."""
    from sqlalchemy import select

    from lms.courses.models import Course
    from lms.extensions import db

    return {slug: (language, float(pass_score) if quiz_slug else None)
            for slug, language, pass_score, quiz_slug in db.session.execute(
                select(Course.slug, Course.language, Course.pass_score, Course.quiz_slug))}
