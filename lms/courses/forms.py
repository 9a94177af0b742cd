"""Forms of the courses area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lms.core.validators import DayInRange


class FeedbackForm(FlaskForm):
    rating = RadioField(_l("How useful was this lesson?"), validators=[DataRequired()],
                        choices=[("5", _l("5 - very useful")), ("4", "4"), ("3", "3"), ("2", "2"),
                                 ("1", _l("1 - not useful"))])
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3})


class AssignForm(FlaskForm):
    course = SelectField(_l("Course"), choices=[])
    org_id = SelectField(_l("Class or unit"), coerce=int, choices=[])
    due_on = DateField(_l("Due date (optional)"), validators=[Optional(), DayInRange()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
