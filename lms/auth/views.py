"""Sign in and out, register with a join code, profile and password."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from limits import parse_many

from lms.access.web import requires
from lms.audit.services import current_ip, record_audit
from lms.auth import reset, services
from lms.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    kind_choices,
)
from lms.core.errors import ServiceError
from lms.core.mail import mail_enabled
from lms.core.safety import safe_next_url
from lms.core.urls import public_base_url, public_url_for
from lms.extensions import cache, db, limiter

bp = Blueprint("auth", __name__)


@bp.record_once
def _settings(state) -> None:
    """The password reset's settings (lms.auth.reset.DEFAULT_SETTINGS) unless configured."""
    for key, value in reset.DEFAULT_SETTINGS.items():
        state.app.config.setdefault(key, value)


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _username_key():
    return "login-user:" + services.normalise_username(request.form.get("username", ""))


def _lockout(request_limit) -> None:
    """Flask-Limiter's on_breach: audit "auth.lockout" once per limit window and key, so a
    flood of refused attempts does not become a flood of rows."""
    scope = "username" if "login-user:" in request_limit.key else "address"
    seconds = request_limit.limit.get_expiry()
    if not cache.add("audit-lockout:" + request_limit.key, 1, timeout=seconds):
        return
    # The limit may be checked before the app's own before_request has noted the address.
    current_ip.set(request.remote_addr)
    try:
        services.record_lockout(request.form.get("username"), scope, str(request_limit.limit))
        db.session.commit()
    except Exception:  # the 429 matters more than its audit row; never turn it into a 500
        db.session.rollback()
        current_app.logger.exception("could not audit a sign-in lockout")


# This browser's id, given at its first sign-in and kept across sign-outs: it names the
# browser, not the person or the session, and grants nothing. Areas that let an attempt be
# taken on one device only bind the attempt to it (lms.quizzes.services.bind_device); a
# sign-in elsewhere moves the attempt to that browser (a user_logged_in listener there).
DEVICE_KEY = "device"


def device_id(create: bool = False) -> str | None:
    """This browser's device id (``DEVICE_KEY``); with ``create``, a session without one
    (signed in before device ids existed) is given one now."""
    if create and not session.get(DEVICE_KEY):
        session[DEVICE_KEY] = secrets.token_urlsafe(16)
    return session.get(DEVICE_KEY)


def _clear_session() -> None:
    """Drop everything the session holds but the language chosen and the browser's device id:
    the signed-in user, the CSRF secret (Flask-WTF makes a new one on the next form),
    anything planted before."""
    kept = {key: session[key] for key in ("lang", DEVICE_KEY) if session.get(key)}
    session.clear()
    session.update(kept)


def _start_fresh_session(user) -> None:
    """Sign ``user`` in on a new session (session fixation, OWASP ASVS V3.2.1), on this
    browser's device id (set before signing in: sign-in listeners read it)."""
    _clear_session()
    device_id(create=True)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@requires("public")
@limiter.limit(_login_limit, methods=["POST"], on_breach=_lockout)
@limiter.limit(_login_limit, methods=["POST"], key_func=_username_key, on_breach=_lockout)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            db.session.rollback()
            # Committed although the sign-in fails: the trail of failures is the point.
            services.record_failed_sign_in(form.username.data)
            db.session.commit()
            form.password.errors.append(_("Wrong username or password."))
        else:
            used_code = services.record_sign_in(user)
            # Before the commit: what sign-in listeners write (an attempt moved to this
            # device) is committed with the sign-in.
            _start_fresh_session(user)
            db.session.commit()
            if used_code:
                flash(_("Welcome! Please choose your own password now."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next_url(form.next.data) or url_for("core.home"))
    return render_template("auth/login.html", form=form, can_reset=mail_enabled())


@bp.post("/logout")
@requires("public")
def logout():
    """Sign out: ends this person's every session, copies of this cookie included."""
    if current_user.is_authenticated:
        services.sign_out(current_user._get_current_object())
        db.session.commit()
    logout_user()
    _clear_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("core.home"))


@bp.post("/profile/sign-out-everywhere")
@requires("signed_in")
def sign_out_everywhere():
    """End every other session of the signed-in person (a lost phone, a shared computer);
    this browser stays signed in with the new token."""
    user = current_user._get_current_object()
    services.sign_out(user, everywhere=True)
    db.session.commit()
    login_user(user)
    flash(_("You are signed out on every other device."), "success")
    return redirect(url_for("auth.profile"))


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
    # Shown instead of the choice when the unit decides the kind (the service applies it).
    unit_kind = services.kind_for_unit(org)
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
            db.session.commit()
            _start_fresh_session(user)
            flash(_("Welcome, %(name)s! You joined %(org)s.", name=user.full_name, org=user.org.name), "success")
            flash(_("You are registered as: %(kind)s. If that is wrong, change it on your profile.",
                    kind=dict(kind_choices()).get(user.kind, "")), "info")
            return redirect(url_for("core.home"))
    return render_template("auth/register.html", form=form, org=org,
                           unit_kind_label=dict(kind_choices()).get(unit_kind) if unit_kind else None)


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
                locale=form.locale.data, actor=current_user, kind=form.kind.data,
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
    """Choose a new password. The current one is asked for again (OWASP ASVS V2.1.6), except
    right after signing in with a one-time code: that code is spent and this session is the
    proof. Other sessions end; this one continues."""
    user = current_user._get_current_object()
    needs_current = bool(user.password_hash)
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if needs_current and not (form.current.data and services.verify_password(user, form.current.data)):
            form.current.errors.append(_("This is not your current password or code."))
        else:
            try:
                services.set_password(user, form.password.data)
            except ServiceError as err:
                db.session.rollback()
                form.password.errors.append(str(err))
            else:
                record_audit(user, "user.password_changed", target=user, org=user.org)
                db.session.commit()
                login_user(user)  # this browser carries the renewed session token
                flash(_("Your new password is saved. You are signed out on every other device."), "success")
                return redirect(url_for("core.home"))
    return render_template("auth/change_password.html", form=form, needs_current=needs_current)


def _reset_limit():
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _reset_identifier_key():
    # What was typed, not the account it names: a limit that only existing accounts reach
    # would tell which exist.
    return "reset-id:" + (request.form.get("identifier") or "").strip().lower()[:255]


def _mail_allowed(account_key: str) -> bool:
    """Whether another reset mail may go to the account ``account_key`` names (its id):
    PASSWORD_RESET_MAIL_LIMIT per account, in the rate limiter's shared storage. Over it the
    page answers as always and sends nothing."""
    if not limiter.enabled or not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    items = parse_many(current_app.config["PASSWORD_RESET_MAIL_LIMIT"])
    return all(limiter.limiter.hit(item, "password-reset-mail", account_key) for item in items)


def _private(body, status=200):
    """A page whose address holds a secret: no Referer to anywhere, never cached."""
    response = current_app.make_response((body, status))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
@requires("public")
@limiter.limit(_reset_limit, methods=["POST"])
@limiter.limit(_reset_limit, methods=["POST"], key_func=_reset_identifier_key)
def forgot_password():
    """Ask for a reset link by username or email (lms.auth.reset). The answer is the same page
    whether or not an account or address exists, and the mail goes out in the background.
    Without outgoing mail (no MAIL_SERVER) the page sends people to their teacher."""
    if not mail_enabled():
        return render_template("auth/forgot_password.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        users = reset.accounts_for(form.identifier.data)
        locale = str(get_locale())
        letters = [reset.letter_for(user, public_url_for("auth.reset_password", token=reset.make_token(user)), locale)
                   for user in users if _mail_allowed(str(user.id))]
        if not users:
            _mail_allowed("none")  # the same round trip to the limiter's storage as for an account
        reset.record_request(users)
        db.session.commit()
        reset.deliver_in_background(current_app._get_current_object(), letters, public_base_url())
        return render_template("auth/forgot_password_sent.html",
                               minutes=int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@requires("public")
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token):
    """Choose a new password from an emailed link. Opening the link changes nothing (mail
    scanners open links); saving a password spends it, ends every session of the person and
    sends them to sign in with the new password."""
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"]) // 60
    user = reset.user_for_token(token, lock=request.method == "POST")
    if user is None:
        db.session.rollback()
        return _private(render_template("auth/reset_password_invalid.html", minutes=minutes), 410)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            reset.reset_password(user, form.password.data)
        except ServiceError as err:
            db.session.rollback()
            form.password.errors.append(str(err))
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            _clear_session()
            flash(_("Your new password is saved. Sign in with it; you are signed out everywhere else."), "success")
            return redirect(url_for("auth.login"))
    return _private(render_template("auth/reset_password.html", form=form, user=user))
