"""Forms for signing in, registering and editing one's profile."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms.auth.models import USER_KIND_LABELS, USER_KINDS


def kind_choices():
    return [(k, USER_KIND_LABELS[k]) for k in USER_KINDS]


def new_password_field(label) -> PasswordField:
    """A password the person chooses (the rules are checked by lms.auth.passwords on save)."""
    return PasswordField(label, validators=[DataRequired(), Length(max=256)],
                         description=_l("At least 8 characters; a few words only you would think of are best."),
                         render_kw={"autocomplete": "new-password"})


def repeated_password_field(label) -> PasswordField:
    """The same password typed again, compared with the form's ``password`` field."""
    return PasswordField(label, validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                         render_kw={"autocomplete": "new-password"})


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField(validators=[Length(max=2048)])


class RegisterForm(FlaskForm):
    join_code = StringField(_l("Join code"), validators=[DataRequired(), Length(max=16)],
                            description=_l("The code your teacher or unit gave you, e.g. K7MP2QXA."),
                            render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)],
                            description=_l("With accents, as on your ID card: Nguyễn Thị Hoà."),
                            render_kw={"autocomplete": "name"})
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)],
                           description=_l("At least 3 characters: lower-case letters without accents, digits, dot, dash or underscore."),
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    # The unit of the join code decides it when it can (lms.auth.services.kind_for_unit); the
    # choice counts only for units of kind "other". Absent from the page when the code is known.
    kind = SelectField(_l("I am"), choices=kind_choices, default="citizen",
                       description=_l("A school or class code makes you a student, a public body's code a civil "
                                      "servant; you can correct it later on your profile."))
    date_of_birth = DateField(_l("Date of birth (optional)"), validators=[Optional()])
    email = EmailField(_l("Email (optional)"), validators=[Optional(), Length(max=255)],
                       render_kw={"autocomplete": "email"})
    password = new_password_field(_l("Password"))
    confirm = repeated_password_field(_l("Repeat the password"))


class ProfileForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)],
                            render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=255)], render_kw={"autocomplete": "email"})
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)], render_kw={"autocomplete": "tel"})
    kind = SelectField(_l("I am"), choices=kind_choices)
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")])


class ChangePasswordForm(FlaskForm):
    # Required by the view unless the session began with a (now spent) one-time code.
    current = PasswordField(_l("Current password"), validators=[Optional(), Length(max=256)],
                            render_kw={"autocomplete": "current-password"})
    password = new_password_field(_l("New password"))
    confirm = repeated_password_field(_l("Repeat the new password"))


class ForgotPasswordForm(FlaskForm):
    identifier = StringField(_l("Username or email"), validators=[DataRequired(), Length(max=255)],
                             render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})


class ResetPasswordForm(FlaskForm):
    password = new_password_field(_l("New password"))
    confirm = repeated_password_field(_l("Repeat the new password"))
