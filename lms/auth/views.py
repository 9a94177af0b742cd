"""Sign in and out, register with a join code, profile and password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lms.access.web import requires
from lms.audit.services import record_audit
from lms.auth import services
from lms.auth.forms import ChangePasswordForm, LoginForm, ProfileForm, RegisterForm
from lms.core.errors import ServiceError
from lms.core.safety import safe_next_url
from lms.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _username_key():
    return "login-user:" + services.normalise_username(request.form.get("username", ""))


@bp.route("/login", methods=["GET", "POST"])
@requires("public")
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.rollback()
            form.password.errors.append(_("Wrong username or password."))
        else:
            login_user(user)
            db.session.commit()
            if user.must_change_password:
                flash(_("Welcome! Please choose your own password now."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next_url(form.next.data) or url_for("core.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@requires("public")
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/register", methods=["GET", "POST"])
@requires("public")
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = RegisterForm(join_code=request.args.get("code", ""))
    org = None
    if form.join_code.data:
        from lms.orgs.services import find_org_by_join_code

        org = find_org_by_join_code(form.join_code.data)
        if org is not None and request.method == "GET":
            form.kind.data = services.default_kind_for(org)
    if form.validate_on_submit():
        data = services.NewUser(
            username=form.username.data,
            full_name=form.full_name.data,
            kind=form.kind.data,
            email=form.email.data or None,
            date_of_birth=form.date_of_birth.data,
            password=form.password.data,
        )
        try:
            user = services.register_with_join_code(form.join_code.data, data)
        except ServiceError as err:
            db.session.rollback()
            getattr(form, err.field or "join_code").errors.append(str(err))
        else:
            login_user(user)
            db.session.commit()
            flash(_("Welcome, %(name)s! You joined %(org)s.", name=user.full_name, org=user.org.name), "success")
            return redirect(url_for("core.home"))
    return render_template("auth/register.html", form=form, org=org)


@bp.route("/profile", methods=["GET", "POST"])
@requires("signed_in")
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.locale.data = current_user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user, full_name=form.full_name.data, email=form.email.data,
                phone=form.phone.data, date_of_birth=form.date_of_birth.data,
                locale=form.locale.data, actor=current_user,
            )
        except ServiceError as err:
            db.session.rollback()
            getattr(form, err.field or "full_name").errors.append(str(err))
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@requires("signed_in")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.authenticate(current_user.username, form.current.data) is None:
            form.current.errors.append(_("This is not your current password or code."))
        else:
            try:
                services.set_password(current_user, form.password.data)
            except ServiceError as err:
                db.session.rollback()
                form.password.errors.append(str(err))
            else:
                record_audit(current_user, "user.password_changed", target=current_user, org=current_user.org)
                db.session.commit()
                flash(_("Your new password is saved."), "success")
                return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form)
