"""The audit log, for admins: who changed roles, imported rosters, exported or deleted data."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.access.web import requires
from lms.audit.models import AuditEvent
from lms.audit.services import record_audit
from lms.auth.models import User
from lms.core.cells import csv_writer
from lms.core.timeutil import FIRST_DAY, LAST_DAY, next_day, parse_day, vn_day_start_utc
from lms.extensions import db
from lms.orgs.models import Organization

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

ACTION_LABELS = {
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
    "certificate.reissue": _l("Certificate reissued"),
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
}


def _filtered(errors: dict | None = None):
    """The filtered query; a date that is malformed or outside FIRST_DAY..LAST_DAY is left out
    and its message put in ``errors`` (field name -> message) for the page to show."""
    args = request.args
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if args.get("action"):
        stmt = stmt.where(AuditEvent.action == args["action"])
    if args.get("actor"):
        actor_id = db.session.scalar(select(User.id).where(User.username == args["actor"].strip().lower()))
        stmt = stmt.where(AuditEvent.actor_id == (actor_id or -1))
    if args.get("org"):
        org_id = db.session.scalar(select(Organization.id).where(Organization.code == args["org"].strip()))
        stmt = stmt.where(AuditEvent.org_id == (org_id or -1))
    for key, op in (("since", "ge"), ("until", "lt")):
        if args.get(key):
            try:
                day = parse_day(args[key])
            except ValueError:
                if errors is not None:
                    errors[key] = _("Choose a date between %(first)s and %(last)s.",
                                    first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
                continue
            # Dates are chosen in Vietnam time; stored times are UTC. "until" includes its whole day.
            moment = vn_day_start_utc(next_day(day) if key == "until" else day)
            stmt = stmt.where(AuditEvent.at >= moment if op == "ge" else AuditEvent.at < moment)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


@bp.get("/")
@requires("admin")
def index():
    errors: dict = {}
    page = db.paginate(_filtered(errors), per_page=50, error_out=False)
    actions = sorted(db.session.scalars(select(AuditEvent.action).distinct()))
    filters = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("audit/index.html", page=page, actions=actions, labels=ACTION_LABELS, args=filters,
                           errors=errors)


@bp.get("/export.csv")
@requires("admin")
def export():
    errors: dict = {}
    query = _filtered(errors)
    if errors:  # exporting more than asked for is worse than refusing
        abort(400, description=next(iter(errors.values())))
    rows = db.session.scalars(query.limit(100_000))
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["time (Vietnam)", "actor", "action", "target", "unit id", "detail", "ip"])
    for e in rows:
        writer.writerow([format_datetime(e.at, "yyyy-MM-dd HH:mm:ss"), e.actor.username if e.actor else "system",
                         str(ACTION_LABELS.get(e.action, e.action)), f"{e.target_type or ''} {e.target_id or ''}".strip(),
                         e.org_id or "", "; ".join(f"{k}={v}" for k, v in (e.detail or {}).items()), e.ip or ""])
    record_audit(current_user, "audit.export", filters={k: v for k, v in request.args.items() if v})
    db.session.commit()
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=nhat-ky.csv"})
