"""The report filter: a GET form, so filtered pages can be bookmarked and shared."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from lms.auth.models import USER_KINDS
from lms.core.validators import DayInRange
from lms.courses.models import Course
from lms.extensions import db
from lms.reports.services import ReportFilter


def audience_choices():
    labels = {"civil_servant": _l("Civil servants"), "student": _l("Students"), "citizen": _l("Citizens")}
    return [("", _l("Everyone"))] + [(a, labels[a]) for a in USER_KINDS]


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ReportFilterForm(FlaskForm):
    """No CSRF token: it only reads, and links with filters must work as plain URLs."""

    class Meta:
        csrf = False

    course = SelectField(_l("Course"), coerce=_optional_int, validators=[Optional()])
    audience = SelectField(_l("Audience"), choices=audience_choices, validators=[Optional()])
    since = DateField(_l("From (date)"), validators=[Optional(), DayInRange()])
    until = DateField(_l("To (date)"), validators=[Optional(), DayInRange()],
                      description=_l("Completions between these dates, inclusive (Vietnam time)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = db.session.execute(select(Course.id, Course.title).order_by(Course.title)).all()
        self.course.choices = [("", _l("All courses"))] + [(c.id, c.title) for c in courses]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))

    def to_filter(self) -> ReportFilter:
        """The filter to apply: a field with an error is left out (the page still works and
        says so, see ``not_applied``), the valid ones still apply."""
        def valid(field):
            return field.data if field.data and not field.errors else None

        return ReportFilter(course_id=valid(self.course), audience=valid(self.audience),
                            since=valid(self.since), until=valid(self.until))

    def not_applied(self) -> list:
        """Labels of the fields left out of the filter because they are invalid."""
        return [field.label.text for field in (self.course, self.audience, self.since, self.until)
                if field.errors]

    def query_args(self) -> dict:
        """The filter as URL parameters for drill-down and export links."""
        flt = self.to_filter()
        args = {}
        if flt.course_id:
            args["course"] = flt.course_id
        if flt.audience:
            args["audience"] = flt.audience
        if flt.since:
            args["since"] = flt.since.isoformat()
        if flt.until:
            args["until"] = flt.until.isoformat()
        return args
