"""Forms for the organisation tree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.numbers import DB_INT_MAX
from lms.orgs.models import ORG_KINDS


def kind_choices():
    labels = {
        "ministry": _l("Ministry"), "province": _l("Province / city"), "department": _l("Department"),
        "district": _l("District (before 2025)"), "commune": _l("Commune / ward"), "agency": _l("Agency"),
        "school": _l("School"), "class": _l("Class"), "other": _l("Other"),
    }
    return [(k, labels[k]) for k in ORG_KINDS]


class OrgForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Unique, e.g. HN-THPT-CVA-11A1."))
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    headcount = IntegerField(_l("Headcount (optional)"), validators=[Optional(), NumberRange(min=0, max=DB_INT_MAX)],
                             description=_l("Staff or pupils, for participation rates."))


class MoveForm(FlaskForm):
    parent_code = StringField(_l("New parent unit code"), validators=[Length(max=64)],
                              description=_l("Leave empty to make it a top-level unit."))


class MergeForm(FlaskForm):
    target_code = StringField(_l("Merge into (unit code)"), validators=[DataRequired(), Length(max=64)])
