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


def column_length(model, attribute: str) -> int | None:
    """The n of ``model.attribute``'s String(n) column, None when unbounded."""
    column = model.__table__.columns[attribute]
    return getattr(column.type, "length", None)


def check_lengths(model, values: dict[str, str | None], labels: dict[str, str]) -> None:
    """Raise ServiceError(field=name) for the first value longer than its String(n) column in
    ``model``, with a message naming ``labels[name]``, the limit and the typed length.

    For services that take input a WTForms Length validator does not guard (raw forms, the
    CLI, imports): PostgreSQL refuses an over-long value with an error (a 500) and SQLite
    silently stores it, so the limit is checked here, read from the model itself."""
    from lms.core.errors import ServiceError

    for name, value in values.items():
        limit = column_length(model, name)
        if value is not None and limit is not None and len(value) > limit:
            raise ServiceError(_l("%(field)s: at most %(max)d characters (%(count)d typed).",
                                  field=labels.get(name, name), max=limit, count=len(value)), field=name)
