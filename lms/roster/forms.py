"""Roster upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField


class RosterUploadForm(FlaskForm):
    file = FileField(_l("Roster file"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Use a .csv (UTF-8) or .xlsx file."))],
        description=_l("One person per row; the first row holds the column names."))
    org_id = SelectField(_l("Unit for rows without a unit code"), coerce=int, choices=[])
    dry_run = BooleanField(_l("Only check the file, import nothing"))
