"""Forms of the quiz area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class ImportQuestionsForm(FlaskForm):
    file = FileField(_l("File"), validators=[
        FileRequired(), FileAllowed(["md", "txt", "gift", "xlsx"], _l("Use a .md, .txt, .gift or .xlsx file."))],
        description=_l("Our Markdown, Moodle GIFT, Aiken, or the Excel template."))
    bank = StringField(_l("Question bank"), validators=[
        DataRequired(), Length(max=100),
        Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and dashes."))],
        description=_l("An existing bank to add to, or a new name such as an-toan-du-lieu."))
    format = SelectField(_l("Format"), choices=[
        ("auto", _l("Recognise automatically")), ("md", "Markdown"), ("gift", "Moodle GIFT"),
        ("aiken", "Aiken"), ("xlsx", "Excel")])
    replace = BooleanField(_l("Retire questions of the bank that are not in this file"))
    skip_essays = BooleanField(_l("Skip essay questions"), description=_l(
        "Essay questions cannot be put on a paper yet. Without this, a file that holds any is refused; "
        "with it, the rest is imported and the report lists the essays left out."))
