"""Admin pages for organisation API tokens.

Admins see and manage every token; a manager sees the tokens of their subtree and may
create tokens only inside it.  Anyone else gets 404, as elsewhere in the admin area.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import get_org_by_code
from lms.reports import tokens
from lms.reports.models import ApiToken
from lms.reports.token_forms import NewTokenForm, RevokeTokenForm

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")

# Dates are entered in Vietnam time; expiries are stored in naive UTC.
VIETNAM_OFFSET = timedelta(hours=7)


@bp.before_request
@login_required
def _token_admins_only():
    if tokens.token_roots(current_user) == []:
        abort(404)


def _end_of_day_utc(day) -> datetime:
    """A token "expiring on" a day works through that whole day in Vietnam."""
    return datetime.combine(day + timedelta(days=1), time()) - VIETNAM_OFFSET


def _listing(form: NewTokenForm, status: int = 200):
    rows = db.session.scalars(
        tokens.tokens_visible_to(current_user)
        .options(joinedload(ApiToken.owner), joinedload(ApiToken.org))
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ).unique().all()
    now = utcnow()
    items = []
    for token in rows:
        if token.revoked_at is not None:
            state = _("revoked")
        elif not token.is_live(now):
            state = _("expired")
        elif not tokens.is_global(token) and not tokens.token_scope(token):
            state = _("suspended: its owner no longer manages this unit")
        else:
            state = _("active")
        items.append((token, state, token.revoked_at is None and tokens.can_manage_token(current_user, token)))
    return render_template("reports/tokens/index.html", form=form, token_rows=items,
                           revoke_form=RevokeTokenForm(), is_admin=tokens.token_roots(current_user) is None), status


@bp.get("/")
def index():
    return _listing(NewTokenForm())


@bp.post("/")
def create():
    form = NewTokenForm()
    if not form.validate():
        return _listing(form, 400)
    org: Organization | None = None
    code = (form.org_code.data or "").strip()
    try:
        if code:
            org = get_org_by_code(code)
        expires = _end_of_day_utc(form.expires_on.data) if form.expires_on.data else None
        token, secret = tokens.create_token(current_user, org, form.name.data, expires)
    except ServiceError as err:
        db.session.rollback()
        message = err.message
        if err.field in (None, "org_code") and tokens.token_roots(current_user) is not None:
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
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or not tokens.can_manage_token(current_user, token):
        abort(404)
    if not RevokeTokenForm().validate():
        abort(400)
    tokens.revoke_token(current_user, token)
    db.session.commit()
    flash(_("Token %(prefix)s… revoked: it no longer works.", prefix=token.prefix), "success")
    return redirect(url_for(".index"))
