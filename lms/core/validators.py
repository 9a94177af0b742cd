"""Form validators shared by every area: values a column or a calendar can hold.

A value the database or Python cannot represent must be a message on its field, never a 500
(issue 14, faults 11d and 11f).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from lms.core.timeutil import FIRST_DAY, LAST_DAY, day_in_range


class DayInRange:
    """For DateField and DateTimeLocalField: the day lies between FIRST_DAY and LAST_DAY
    (lms.core.timeutil). An empty field passes (combine with Optional/DataRequired)."""

    def __call__(self, form, field):
        value = field.data
        if value is None:
            return
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not day_in_range(day):
            raise ValidationError(_l("Choose a date between %(first)s and %(last)s.",
                                     first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
