"""The audit log, for admins: who changed roles, imported rosters, exported or deleted data."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.access.web import requires
from lms.audit.display import ACTION_LABELS, describe, detail_text, target_text
from lms.audit.models import AuditEvent
from lms.audit.services import record_audit
from lms.auth.models import User
from lms.core.cells import csv_writer
from lms.core.timeutil import FIRST_DAY, LAST_DAY, next_day, parse_day, vn_day_start_utc
from lms.extensions import db
from lms.orgs.models import Organization

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

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
                           errors=errors, describe=describe)


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
    # Headers and details in the exporter's language, as on the page.
    writer.writerow([_("Time (Vietnam)"), _("By"), _("Action"), _("Record"), _("Unit no."), _("Details"),
                     _("IP address")])
    for e in rows:
        writer.writerow([format_datetime(e.at, "yyyy-MM-dd HH:mm:ss"), e.actor.username if e.actor else _("system"),
                         str(ACTION_LABELS.get(e.action, e.action)), target_text(e.target_type, e.target_id),
                         e.org_id or "", detail_text(e.action, e.detail), e.ip or ""])
    record_audit(current_user, "audit.export", filters={k: v for k, v in request.args.items() if v})
    db.session.commit()
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=nhat-ky.csv"})
