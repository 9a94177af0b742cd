"""Forms for the organisation tree."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.numbers import DB_INT_MAX
from lms.orgs.models import ORG_KIND_LABELS, ORG_KINDS
from lms.orgs.services import SHORT_NAME_MAX


def kind_choices():
    return [(k, ORG_KIND_LABELS[k]) for k in ORG_KINDS]


class OrgForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)],
                       description=_l("Unique, e.g. HN-THPT-CVA-11A1."))
    name = StringField(_l("Unit name"), validators=[DataRequired(), Length(max=255)])
    short_name = StringField(_l("Short name (optional)"), validators=[Optional(), Length(max=SHORT_NAME_MAX)],
                             description=_l("What rankings and narrow tables show, e.g. THPT Chu Văn An. "
                                            "Empty: the unit name."))
    kind = SelectField(_l("Kind"), choices=kind_choices)
    headcount = IntegerField(_l("Headcount (optional)"), validators=[Optional(), NumberRange(min=0, max=DB_INT_MAX)],
                             description=_l("Staff or pupils, for participation rates. Every change is kept with "
                                            "its date: a contest uses the headcount of the day its first round "
                                            "opened."))


def error_messages(form) -> list[str]:
    """Each error of ``form`` with the label of its field ("Headcount (optional): Not a valid
    integer value."), for views that flash them: a bare "This field is required." on a
    page of several forms does not say which field."""
    return [f"{form[name].label.text}: {error}" if name in form else str(error)
            for name, errors in form.errors.items() for error in errors]


class MoveForm(FlaskForm):
    parent_code = StringField(_l("New parent unit code"), validators=[Length(max=64)],
                              description=_l("Leave empty to make it a top-level unit."))


class MergeForm(FlaskForm):
    target_code = StringField(_l("Merge into (unit code)"), validators=[DataRequired(), Length(max=64)])
