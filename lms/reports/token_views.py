"""Admin pages for organisation API tokens.

Admins see and manage every token; a manager sees the tokens of their subtree and may
create tokens only inside it.  Anyone else gets 404, as elsewhere in the admin area.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from lms.access.adapters import can_manage_token, is_admin, may_create_token_for
from lms.access.web import requires
from lms.auth.models import RoleAssignment, User
from lms.core.errors import NotFound, ServiceError
from lms.core.timeutil import next_day, to_vn, utcnow, vn_day_start_utc
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import get_org_by_code
from lms.reports import tokens
from lms.reports.models import ApiToken
from lms.reports.token_forms import NewTokenForm, RevokeTokenForm

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")

STATUS_LABELS = {
    tokens.ACTIVE: _l("active"),
    tokens.REVOKED: _l("revoked"),
    tokens.EXPIRED: _l("expired"),
    tokens.UNIT_INACTIVE: _l("stopped: its unit was merged or closed"),
    tokens.SUSPENDED: _l("suspended: its owner no longer manages this unit"),
}


def expiry_for_last_day(day: date) -> datetime:
    """A token "expiring on" a day works through that whole day in Vietnam: it stops
    when the next Vietnam day begins (stored, like every time, in naive UTC)."""
    return vn_day_start_utc(next_day(day))


def last_valid_day(expires_at: datetime | None) -> date | None:
    """The last Vietnam day on which a token works: the inverse of expiry_for_last_day,
    so the list shows the day that was entered, not the midnight that ends it."""
    if expires_at is None:
        return None
    return (to_vn(expires_at) - timedelta(microseconds=1)).date()


def _listing(form: NewTokenForm, status: int = 200):
    # Owners' roles (and their units) are loaded with the list: each row's status works
    # out the owner's current scope.
    rows = db.session.scalars(
        tokens.tokens_visible_to(current_user)
        .options(joinedload(ApiToken.owner).selectinload(User.roles).joinedload(RoleAssignment.org),
                 joinedload(ApiToken.org))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).unique().all()
    now = utcnow()
    items = [(token, STATUS_LABELS[tokens.token_status(token, now)], last_valid_day(token.expires_at),
              token.revoked_at is None and can_manage_token(current_user, token))
             for token in rows]
    return render_template("reports/tokens/index.html", form=form, token_rows=items,
                           revoke_form=RevokeTokenForm(), is_admin=is_admin(current_user)), status


@bp.get("/")
@requires("api_tokens.manage")
def index():
    return _listing(NewTokenForm())


@bp.post("/")
@requires("api_tokens.manage")
def create():
    form = NewTokenForm()
    if not form.validate():
        return _listing(form, 400)
    org: Organization | None = None
    code = (form.org_code.data or "").strip()
    try:
        if code:
            org = get_org_by_code(code)
        expires = expiry_for_last_day(form.expires_on.data) if form.expires_on.data else None
        token, secret = tokens.create_token(current_user, org, form.name.data, expires)
    except ServiceError as err:
        db.session.rollback()
        message = err.message
        if err.field in (None, "org_code") and not is_admin(current_user) and (
                isinstance(err, NotFound) or not may_create_token_for(current_user, org)):
            # A manager learns the same thing about an unknown code and another school's.
            message = _("Unit %(code)s is outside the units you manage.", code=code) if code \
                else _("Enter the code of a unit you manage.")
        target = {"name": form.name, "expires": form.expires_on}.get(err.field, form.org_code)
        target.errors = [*target.errors, message]
        return _listing(form, 400)
    db.session.commit()
    # The secret exists only in this response: never cache it anywhere.
    g.no_store = True
    return render_template("reports/tokens/created.html", token=token, secret=secret)


@bp.post("/<int:token_id>/revoke")
@requires("api_tokens.manage")
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not can_manage_token(current_user, token):
        abort(404)
    if not RevokeTokenForm().validate():
        abort(400)
    tokens.revoke_token(current_user, token)
    db.session.commit()
    flash(_("Token %(prefix)s… revoked: it no longer works.", prefix=token.prefix), "success")
    return redirect(url_for(".index"))
