"""The report filter: a GET form, so filtered pages can be bookmarked and shared."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField
from wtforms.validators import Optional, ValidationError

from lms.courses.models import Course
from lms.extensions import db
from lms.reports.services import AUDIENCES, ReportFilter


def audience_choices():
    labels = {"civil_servant": _l("Civil servants"), "student": _l("Students"), "citizen": _l("Citizens")}
    return [("", _l("Everyone"))] + [(a, labels[a]) for a in AUDIENCES]


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
    since = DateField(_l("From (date)"), validators=[Optional()])
    until = DateField(_l("To (date)"), validators=[Optional()],
                      description=_l("Completions between these dates, inclusive (Vietnam time)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        courses = db.session.execute(select(Course.id, Course.title).order_by(Course.title)).all()
        self.course.choices = [("", _l("All courses"))] + [(c.id, c.title) for c in courses]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))

    def to_filter(self) -> ReportFilter:
        """The filter to apply; invalid fields are ignored rather than failing the page."""
        ok = not self.errors
        return ReportFilter(
            course_id=self.course.data if ok and self.course.data else None,
            audience=self.audience.data or None if ok else None,
            since=self.since.data if ok else None,
            until=self.until.data if ok else None,
        )

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
