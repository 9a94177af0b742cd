"""The audit log as people read it: each action and each detail a service logged, in words.

Services log details as plain JSON (``record_audit(..., course=slug, due_on=None)``), keyed
by Python names and holding codes, ``None``, booleans, ISO times and ``[old, new]`` pairs.
The audit page and its CSV export show them through ``describe``: every key by its label
(``DETAIL_LABELS``), every value in the reader's language ("Khoá học: su-dung-…; Hạn hoàn
thành: (không có)"), codes of an enumeration by that enumeration's label (lms.core.i18n).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.i18n import label, register_labels

ACTION_LABELS = register_labels("audit_action", {
    "role.grant": _l("Role granted"), "role.revoke": _l("Role removed"),
    "roster.import": _l("Roster imported"), "user.create": _l("Account created"), "user.update": _l("Account edited"),
    "user.move": _l("Person moved to another unit"), "user.register": _l("Registered with a join code"),
    "user.one_time_code": _l("One-time code given"), "user.login_slips": _l("Login slips printed"),
    "user.password_changed": _l("Password changed"), "user.activate": _l("Account reactivated"),
    "user.deactivate": _l("Account deactivated"), "org.create": _l("Unit created"), "org.update": _l("Unit edited"),
    "org.move": _l("Unit moved"), "org.merge": _l("Units merged"), "org.join_code": _l("Join code renewed"),
    "org.join_code_disabled": _l("Join code disabled"), "org.headcount": _l("Headcount changed"), "privacy.export": _l("Personal data downloaded"),
    "privacy.delete_request": _l("Deletion requested"), "privacy.delete_cancel": _l("Deletion request cancelled"),
    "privacy.delete": _l("Account deleted"), "audit.export": _l("Audit log exported"),
    "course.assign": _l("Course assigned"), "course.unassign": _l("Assignment removed"),
    "feedback.publish": _l("Feedback published"), "feedback.unpublish": _l("Feedback unpublished"),
    "quiz.import": _l("Questions imported"), "quiz.export": _l("Questions exported"), "quiz.regrade": _l("Question regraded"),
    "certificate.issue": _l("Certificate issued"), "certificate.revoke": _l("Certificate revoked"),
    "certificate.reissue": _l("Certificate reissued"), "certificate.key.rotate": _l("Signing key rotated"),
    "contest.create": _l("Contest created"), "contest.round": _l("Contest round added"),
    "contest.register": _l("Registered for a contest"), "contest.export": _l("Contest results exported"),
    "contest.settings": _l("Contest settings changed"), "contest.round.add": _l("Contest round added"),
    "contest.round.settings": _l("Contest round changed"), "contest.round.true_count": _l("Tiebreaker true count set"),
    "contest.organiser.add": _l("Contest organiser added"), "contest.prizes": _l("Prize settings changed"),
    "contest.publish": _l("Contest results published"), "contest.withdraw": _l("Contest results withdrawn"),
    "contest.prizes.export": _l("Prize list downloaded"), "contest.awards.print": _l("Certificates of award printed"),
    "contest.participant.view": _l("Participant record viewed"),
    "contest.integrity.view": _l("Integrity report viewed"),
    "contest.judging.config": _l("Judging settings changed"), "contest.judging.criteria": _l("Rubric changed"),
    "contest.judging.judge_add": _l("Judge added"), "contest.judging.judge_remove": _l("Judge removed"),
    "contest.judging.submit": _l("Contest entry submitted"), "contest.judging.assign": _l("Judges assigned"),
    "contest.judging.score": _l("Entry scored"), "contest.judging.finalise": _l("Judged round finalised"),
    "report.export": _l("Completion report exported"), "report.export_xapi": _l("Learning records exported (xAPI)"),
    "api.read": _l("API read"), "api.denied": _l("API request refused"),
    "api_token.create": _l("API token created"), "api_token.revoke": _l("API token revoked"),
    "ranking.settings": _l("Public ranking settings changed"),
    "auth.login": _l("Signed in"), "auth.login_failed": _l("Sign-in failed"),
    "auth.lockout": _l("Sign-in locked (too many attempts)"), "auth.logout": _l("Signed out"),
    "auth.logout_everywhere": _l("Signed out on every other device"),
    "auth.password_reset_request": _l("Password reset link requested"),
    "auth.password_reset": _l("Password reset by email link"),
})

# Every key a service puts in an audit entry's detail (tests/audit check the code logs no
# other), and the names inside the ``changes``/``settings``/``filters`` it logs.
DETAIL_LABELS = register_labels("audit_detail", {
    # people, roles, units
    "username": _l("Username"), "accounts": _l("Accounts sent a link"), "role": _l("Role"), "org_code": _l("Unit code"), "contest_id": _l("Contest no."),
    "via": _l("Done through"), "one_time_code": _l("With a one-time code"), "join_code": _l("Join code"),
    "fields": _l("Fields changed"), "full_name": _l("Full name"), "kind": _l("Kind"), "email": _l("Email"),
    "phone": _l("Phone"), "date_of_birth": _l("Date of birth"), "org": _l("Unit"), "org_id": _l("Unit no."),
    "locale": _l("Language"), "from_org": _l("From unit"), "to_org": _l("To unit"), "count": _l("Number"),
    "include_all": _l("Also people who had signed in"), "scope": _l("Scope"), "limit": _l("Limit"),
    "code": _l("Code"), "name": _l("Designation"), "short_name": _l("Short name"), "changes": _l("Changes"),
    "headcount": _l("Headcount"), "merged": _l("Merged unit"), "from_parent": _l("From parent unit"),
    "to_parent": _l("To parent unit"), "source": _l("Merged unit"), "moved_users": _l("People moved"),
    "user_id": _l("Account no."), "active": _l("Active"),
    # files, imports, exports
    "file": _l("File"), "format": _l("Format"), "created": _l("New"), "updated": _l("Changed"),
    "unchanged": _l("Unchanged"), "skipped_rows": _l("Rows skipped"), "only_valid": _l("Only the valid rows"),
    "retired": _l("Retired"), "skipped": _l("Skipped"), "lost": _l("Items the format could not carry"),
    "rows": _l("Rows"), "filters": _l("Filters"), "action": _l("Action"), "actor": _l("By (username)"),
    "since": _l("From"), "until": _l("To"), "course_id": _l("Course no."), "audience": _l("Learners"),
    "on_behalf_of": _l("On behalf of"), "os_user": _l("Server user"),
    # courses, quizzes, certificates
    "course": _l("Course"), "due_on": _l("Due date"), "bank": _l("Question bank"), "key": _l("Question"),
    "answers": _l("Answers"), "attempts_changed": _l("Attempts whose score changed"), "serial": _l("Serial"),
    "reason": _l("Reason"), "category": _l("Category of reason"), "version": _l("Version"),
    "name_changed": _l("Name corrected"), "new_kid": _l("New key"), "retired_kid": _l("Retired key"),
    # API and public ranking
    "token": _l("Token"), "expires": _l("Expires"), "endpoint": _l("Data read"), "filter": _l("Filters"),
    "cursor": _l("Page from"), "statements": _l("Statements"), "before": _l("Before"), "after": _l("After"),
    # contests
    "slug": _l("Short name (in the address)"), "title": _l("Title"), "rules_md": _l("Rules (Markdown)"),
    "scope_org_id": _l("Eligible unit no."), "registration_fields": _l("Registration fields"),
    "status": _l("Status"), "prize_settings": _l("Prizes"), "public_board": _l("The public leaderboard shows"),
    "opens_at": _l("Opens (Vietnam time)"), "closes_at": _l("Closes (Vietnam time)"),
    "bank_id": _l("Question bank no."), "draw": _l("Questions drawn per participant"),
    "time_limit_minutes": _l("Time limit (minutes)"), "attempts_allowed": _l("Attempts allowed"),
    "counting": _l("Attempt that counts"), "tiebreaker_question": _l("Tiebreaker question (optional)"),
    "tiebreaker_answer": _l("True count for the tiebreaker"),
    "hide_results_until_close": _l("Hide scores and answers until the round closes"),
    "freeze_minutes": _l("Freeze the leaderboard for the last … minutes"), "weight": _l("Weight in the final score"),
    "one_device": _l("One device per participant"), "round": _l("Round"), "round_id": _l("Round no."),
    "settings": _l("Settings"), "awards": _l("Awards"), "registration": _l("Participant no."),
    "duplicate_of": _l("Same as registration no."), "flagged": _l("Attempts flagged"),
    "judges_per_entry": _l("Judges per entry"), "blind": _l("Blind judging"),
    "accepted_kinds": _l("Accepted products"), "max_upload_mb": _l("File size limit (MB)"),
    "reactivated": _l("Judge again after removal"), "released_assignments": _l("Assignments released"),
    "kept_scored": _l("Scored entries kept"), "replaced": _l("Replaced an earlier entry"),
    "size": _l("Size (bytes)"), "sha256": _l("SHA-256 fingerprint"), "added": _l("Added"),
    "submissions": _l("Entries"), "assignment_id": _l("Assignment no."), "points": _l("Points"),
    "weighted": _l("Weighted score"), "results": _l("Results"),
})

# Details whose values are codes of an enumeration (lms.core.i18n.register_labels), by key, and
# where the same key means another enumeration in one action, by action first.
VALUE_ENUMS = {"role": "role", "category": "revocation_category", "status": "contest_status",
               "counting": "round_counting", "public_board": "public_board", "audience": "user_kind",
               "accepted_kinds": "submission_kind", "action": "audit_action", "fields": "audit_detail",
               "via": "audit_via", "format": "file_format", "endpoint": "api_endpoint"}
ACTION_VALUE_ENUMS = {
    "auth.lockout": {"scope": "lockout_scope"}, "org.update": {"kind": "org_kind"}, "ranking.settings": {"before": "org_kind", "after": "org_kind"},
    "contest.round.add": {"kind": "round_kind"}, "contest.round.settings": {"kind": "round_kind"},
    "contest.judging.submit": {"kind": "submission_kind"}, "user.update": {"kind": "user_kind"},
}
# Keys that mean something narrower in one action ("name" of a unit is not a person's name).
ACTION_DETAIL_LABELS = {"org.update": {"name": _l("Unit name"), "code": _l("Unit code")},
                        "org.create": {"code": _l("Unit code")}, "api_token.create": {"name": _l("Token name")}}
register_labels("audit_via", {"cli": _l("command line"), "web": _l("web page")})
# File formats go by their own names, the same in every language.
register_labels("file_format", {"md": "Markdown", "gift": "Moodle GIFT", "aiken": "Aiken", "xlsx": "Excel",
                                "csv": "CSV", "xapi-json": "xAPI (JSON)", "xapi-ndjson": "xAPI (NDJSON)"})
# What an entry is about (AuditEvent.target_type, a table name), in the CSV export.
TARGET_LABELS = register_labels("audit_target", {
    "user_account": _l("Account"), "organization": _l("Unit"), "certificate": _l("Certificate"),
    "question_bank": _l("Question bank"), "question": _l("Question"), "assignment": _l("Assignment"),
    "lesson_feedback": _l("Lesson feedback"), "api_token": _l("API token"), "public_ranking": _l("Public ranking"),
    "contest": _l("Contest"), "contest_round": _l("Round"), "submission": _l("Contest entry"),
    "role_assignment": _l("Role"), "course": _l("Course"),
})
# Long texts whose old and new versions would fill the page: only "changed" is shown.
LONG_TEXTS = {"rules_md"}

_UTC_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def show_value(value, enumeration: str | None = None) -> str:
    """One logged value for people, in the current locale: ``None`` "(không có)", booleans
    "có"/"không", numbers with the locale's decimal comma and no ".0", UTC ISO moments
    ("2026-12-01T06:00:00Z") in Vietnam time, ISO days as dd/mm/yyyy, lists joined by
    commas, dicts as "label: value" pairs, and codes of ``enumeration`` by their label."""
    if value is None or value == "" or value == [] or value == {}:
        return _("(none)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return format_decimal(value)
    if isinstance(value, str):
        if enumeration is not None:
            return label(value, enumeration)
        if _UTC_MOMENT.match(value):
            try:
                moment = datetime.fromisoformat(value[:-1])
            except ValueError:
                return value
            return format_datetime(moment, "HH:mm dd/MM/yyyy")
        if _DAY.match(value):
            try:
                return format_date(date.fromisoformat(value), "dd/MM/yyyy")
            except ValueError:
                return value
        return value
    if isinstance(value, list | tuple):
        if any(isinstance(item, list | tuple) for item in value):  # rows, e.g. a rubric's [name, max, weight]
            return "; ".join(show_value(item, enumeration) for item in value)
        return ", ".join(show_value(item, enumeration) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{label(key, 'audit_detail')}: {show_value(item, VALUE_ENUMS.get(key))}"
                         for key, item in value.items())
    return str(value)


def describe(action: str, detail: dict | None) -> list[tuple[str, str]]:
    """The detail of one audit entry as (label, text) pairs in the order logged, e.g.
    ``[("Khoá học", "su-dung-…"), ("Hạn hoàn thành", "(không có)")]``. A ``changes`` dict of
    ``{name: [old, new]}`` (how settings changes are logged) gives one pair per change,
    "old → new"; long texts only say they changed."""
    pairs = []
    enums = {**VALUE_ENUMS, **ACTION_VALUE_ENUMS.get(action, {})}
    narrower = ACTION_DETAIL_LABELS.get(action, {})

    def name_of(key: str) -> str:
        return str(narrower[key]) if key in narrower else label(key, "audit_detail")

    for key, value in (detail or {}).items():
        if key == "changes" and isinstance(value, dict):
            for name, change in value.items():
                pairs.append((name_of(name), _change(name, change, enums)))
            continue
        if key == "headcount" and isinstance(value, list) and len(value) == 2:
            pairs.append((name_of(key), _change(key, value, enums)))
            continue
        if key == "settings" and isinstance(value, dict):
            text = "; ".join(f"{name_of(name)}: {show_value(item, enums.get(name))}" for name, item in value.items())
            pairs.append((name_of(key), text or _("(none)")))
            continue
        if key == "limit" and isinstance(value, str):
            pairs.append((name_of(key), rate_limit_text(value)))
            continue
        pairs.append((name_of(key), show_value(value, enums.get(key))))
    return pairs


_RATE = re.compile(r"^(\d+) per (\d+) (second|minute|hour|day)s?$")


def rate_limit_text(limit: str) -> str:
    """Flask-Limiter's "5 per 1 minute" as "5 lần trong 1 phút" (anything else as it is)."""
    found = _RATE.match(limit.strip())
    if found is None:
        return limit
    units = {"second": _("second(s)"), "minute": _("minute(s)"), "hour": _("hour(s)"), "day": _("day(s)")}
    return _("%(n)s times in %(period)s %(unit)s", n=found.group(1), period=found.group(2),
             unit=units[found.group(3)])


def _change(name: str, change, enums: dict) -> str:
    if name in LONG_TEXTS:
        return _("changed")
    if isinstance(change, list | tuple) and len(change) == 2:
        return f"{show_value(change[0], enums.get(name))} → {show_value(change[1], enums.get(name))}"
    return show_value(change, enums.get(name))


def target_text(target_type: str | None, target_id: int | None) -> str:
    """What an entry is about, e.g. "Tài khoản số 12" ("" when it names nothing)."""
    if not target_type:
        return ""
    name = label(target_type, "audit_target")
    return _("%(what)s no. %(id)s", what=name, id=target_id) if target_id is not None else name


def detail_text(action: str, detail: dict | None) -> str:
    """``describe`` on one line ("Khoá học: …; Hạn hoàn thành: (không có)"), for exports."""
    return "; ".join(f"{name}: {text}" for name, text in describe(action, detail))
