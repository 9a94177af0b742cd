"""'My data' and 'delete my account' for learners; pending deletions for admins/managers."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from lms.access.adapters import can_act_on_user
from lms.access.web import requires
from lms.audit.services import record_audit
from lms.auth.services import authenticate
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.privacy import services

bp = Blueprint("privacy", __name__)


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField("password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"})


@bp.get("/me/data")
@requires("signed_in")
def my_data():
    return render_template("privacy/my_data.html", sections=services.section_descriptions())


@bp.post("/me/data")
@requires("signed_in")
def download_my_data():
    data = services.export_personal_data(current_user)
    record_audit(current_user, "privacy.export", target=current_user, org=current_user.org)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    filename = f"du-lieu-ca-nhan-{current_user.username}-{utcnow().date().isoformat()}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/me/delete", methods=["GET", "POST"])
@requires("signed_in")
def delete_me():
    form = ConfirmPasswordForm()
    form.password.label.text = _("Your password")
    if form.validate_on_submit():
        if authenticate(current_user.username, form.password.data) is None:
            form.password.errors.append(_("This is not your password."))
        else:
            services.request_deletion(current_user)
            db.session.commit()
            flash(_("Your request is recorded. Your account will be deleted after %(n)d days; until then you can cancel it here.",
                    n=services.GRACE_DAYS), "success")
            return redirect(url_for("privacy.delete_me"))
    return render_template("privacy/delete.html", form=form, grace=services.GRACE_DAYS)


@bp.post("/me/delete/cancel")
@requires("signed_in")
def cancel_delete():
    services.cancel_deletion(current_user)
    db.session.commit()
    flash(_("Your deletion request is cancelled."), "success")
    return redirect(url_for("privacy.delete_me"))


@bp.get("/admin/privacy/deletions")
@requires("people.manage")
def deletions():
    return render_template("privacy/deletions.html", pending=services.pending_deletions(current_user))


@bp.post("/admin/privacy/deletions/<int:user_id>")
@requires("users.act_on")
def execute(user_id):
    from lms.auth.models import User

    user = db.session.get(User, user_id)
    if user is None or user.deletion_requested_at is None or not can_act_on_user(current_user, user):
        abort(404)
    if user.id == current_user.id:
        abort(404)
    try:
        services.execute_deletion(current_user, user)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("The account was deleted (anonymised)."), "success")
    return redirect(url_for("privacy.deletions"))


