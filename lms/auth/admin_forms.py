"""Forms for managing people and roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length, Optional

from lms.auth.forms import kind_choices


def unit_kind_choices():
    """The kinds, led by "" (as the unit implies), for the forms that put a person in a unit."""
    return [("", _l("As the unit implies")), *kind_choices()]


class PersonForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=255)])
    org_code = StringField(_l("Unit"), validators=[DataRequired(), Length(max=64)])
    kind = SelectField(_l("Kind"), choices=lambda: unit_kind_choices(),
                       description=_l("“As the unit implies”: a student in a school or class, a civil servant in a "
                                      "public body. Choose a kind only for someone who differs (a teacher listed "
                                      "in a school)."))
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=255)])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])


class NewPersonForm(PersonForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(min=3, max=64)],
                           description=_l("At least 3 characters: lower-case letters without accents, digits, dot, dash or underscore."))
    # By default the unit decides the kind (lms.auth.services.kind_in_unit): a form whose list
    # started at civil servant stored a class's pupils as civil servants (issue 18, fault 2).
    kind = SelectField(_l("Kind"), choices=lambda: unit_kind_choices(), default="",
                       description=_l("“As the unit implies”: a student in a school or class, a civil servant in a "
                                      "public body. Choose a kind only for someone who differs (a teacher listed "
                                      "in a school)."))


class GrantRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
    org_code = StringField(_l("Unit code"), validators=[Optional(), Length(max=64)],
                           description=_l("Empty for a platform-wide role."))


class LoginSlipsForm(FlaskForm):
    org_code = StringField(_l("Unit"), validators=[DataRequired(), Length(max=64)])
    include_all = BooleanField(_l("Also people who signed in before but have no password of their own yet (a lost or expired code)"))
