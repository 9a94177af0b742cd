"""Forms for managing people and roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional

from lms.auth.forms import kind_choices


class PersonForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    org_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    kind = SelectField(_l("Kind"), choices=kind_choices,
                       description=_l("When the unit changes, a school or class makes the person a student and a "
                                      "public body a civil servant; otherwise this choice counts."))
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=255)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])


class NewPersonForm(PersonForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)],
                           description=_l("Lower-case letters without accents, digits, dot or dash."))
    # The unit decides the kind when it can (lms.auth.services.kind_in_unit), as on /register.
    kind = SelectField(_l("Kind"), choices=kind_choices, default="citizen",
                       description=_l("A school or class makes the person a student, a public body a civil "
                                      "servant; for other units this choice counts."))


class GrantRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
    org_code = StringField(_l("Unit code"), validators=[Optional(), Length(max=64)],
                           description=_l("Empty for a platform-wide role."))


class LoginSlipsForm(FlaskForm):
    org_code = StringField(_l("Unit code"), validators=[DataRequired(), Length(max=64)])
    include_all = BooleanField(_l("Also people who signed in before but have no password of their own yet (a lost or expired code)"))
