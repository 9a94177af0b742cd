"""The monthly public ranking: no login, no personal data.

A unit's figures appear only when a manager of its subtree published its level; every
other code answers 404, so the page does not reveal which units exist either.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lms.access import rules
from lms.access.adapters import can_configure_ranking, grants_of
from lms.access.web import requires
from lms.core.errors import ServiceError
from lms.extensions import db, limiter
from lms.orgs.models import Organization
from lms.reports import public
from lms.reports.token_forms import PublicLevelsForm

bp = Blueprint("public_ranking", __name__, url_prefix="/ranking")

KIND_LABELS = {
    "ministry": _l("Ministries"), "province": _l("Provinces and cities"), "department": _l("Departments"),
    "district": _l("Districts"), "commune": _l("Communes and wards"), "agency": _l("Agencies"),
    "school": _l("Schools"), "class": _l("Classes"), "other": _l("Other units"),
}


def _published(code: str):
    org = db.session.scalar(select(Organization).where(Organization.code == code, Organization.active.is_(True)))
    setting = public.settings_for(org) if org is not None else None
    if setting is None or not setting.kinds:
        abort(404)
    return org, setting


def settings_units(user) -> list[Organization]:
    """The units whose public levels ``user`` chooses, for links to their settings pages:
    a manager's own units; for an admin the top-level units."""
    if user is None or not user.is_authenticated:
        return []
    grants = grants_of(user)
    stmt = select(Organization).where(Organization.active.is_(True))
    if rules.is_admin(grants):
        stmt = stmt.where(Organization.parent_id.is_(None))
    else:
        paths = rules.scope_paths(grants, rules.SETTINGS_ROLES)
        if not paths:
            return []
        stmt = stmt.where(Organization.path.in_(paths))
    return list(db.session.scalars(stmt.order_by(Organization.path)))


@bp.get("/")
@requires("public")
@limiter.limit("120 per minute")
def index():
    return render_template("reports/public/index.html", roots=public.published_roots(),
                           month=public.current_month(), kind_labels=KIND_LABELS,
                           managed=settings_units(current_user))


@bp.get("/<code>/")
@requires("public")
@limiter.limit("120 per minute")
def latest(code: str):
    """The month picker's target (a plain GET form), and a stable link to "this month"."""
    org, _setting = _published(code)
    wanted = request.args.get("month")
    first = public.parse_month(wanted) if wanted else public.current_month()
    if first is None:
        first = public.current_month()
    return redirect(url_for(".month", code=org.code, month=f"{first:%Y-%m}"))


@bp.get("/<code>/<month>")
@requires("public")
@limiter.limit("120 per minute")
def month(code: str, month: str):
    org, setting = _published(code)
    first = public.parse_month(month)
    if first is None:
        abort(404)
    data = public.cached_month_ranking(org, setting, first)
    return render_template("reports/public/month.html", org=org, first=first, data=data,
                           previous=public.previous_month(first), following=public.next_month(first),
                           kind_labels=KIND_LABELS,
                           can_configure=can_configure_ranking(current_user, org))


def _settings_org(code: str) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.code == code, Organization.active.is_(True)))
    if org is None or not can_configure_ranking(current_user, org):
        abort(404)
    return org


@bp.route("/settings/<code>", methods=["GET", "POST"])
@requires("ranking.configure")
def settings(code: str):
    """A manager (or an admin) chooses which levels of the subtree are public."""
    org = _settings_org(code)
    setting = public.settings_for(org)
    form = PublicLevelsForm()
    offered = public.kinds_in_subtree(org)
    for kind in setting.kinds if setting else []:
        if kind not in offered:
            offered.append(kind)
    form.kinds.choices = [(kind, KIND_LABELS.get(kind, kind)) for kind in offered]
    if request.method == "POST":
        if form.validate():
            try:
                public.set_public_kinds(current_user, org, form.kinds.data or [])
            except ServiceError as err:
                db.session.rollback()
                flash(str(err), "error")
            else:
                db.session.commit()
                flash(_("Saved. The public ranking shows the chosen levels."), "success")
                return redirect(url_for(".settings", code=org.code))
        status = 400
    else:
        form.kinds.data = list(setting.kinds) if setting else []
        status = 200
    return render_template("reports/public/settings.html", org=org, form=form, setting=setting,
                           month=public.current_month()), status
