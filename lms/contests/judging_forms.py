"""Forms for judged rounds. Validation of meaning (window, file type, conflicts) lives in the
services; these forms check shape and carry the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.contests.judging_models import SUBMISSION_KIND_LABELS


def kind_labels() -> dict:
    return dict(SUBMISSION_KIND_LABELS)


class SubmissionForm(FlaskForm):
    kind = RadioField(_l("Kind of product"), validators=[DataRequired()])
    url = StringField(_l("Video link"), validators=[Optional(), Length(max=2000)],
                      description=_l("A public address starting with https://, e.g. on YouTube."))
    article = TextAreaField(_l("Article"), validators=[Optional(), Length(max=50_000)],
                            description=_l("Markdown: **bold**, *italic*, lists and headings."))
    file = FileField(_l("Image or PDF file"))

    def set_kinds(self, accepted: list[str]) -> None:
        labels = kind_labels()
        self.kind.choices = [(k, labels[k]) for k in accepted]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfigForm(FlaskForm):
    judges_per_entry = IntegerField(_l("Judges per entry"), validators=[DataRequired(), NumberRange(min=1, max=20)])
    blind = BooleanField(_l("Blind judging (judges never see the participant's name or unit)"))
    accepted_kinds = MultiCheckboxField(_l("Accepted products"))
    max_upload_mb = IntegerField(_l("File size limit (MB)"), validators=[DataRequired(), NumberRange(min=1, max=1000)])

    def set_kinds(self) -> None:
        self.accepted_kinds.choices = list(kind_labels().items())


class CriterionRow(Form):
    """One rubric line; rows left without a name are dropped."""

    name = StringField(_l("Criterion"), validators=[Optional(), Length(max=255)])
    max_points = FloatField(_l("Maximum points"), validators=[Optional(), NumberRange(min=0)])
    weight = FloatField(_l("Weight"), validators=[Optional(), NumberRange(min=0)])
    description = StringField(_l("Guidance for judges"), validators=[Optional(), Length(max=2000)])


class CriteriaForm(FlaskForm):
    rows = FieldList(FormField(CriterionRow), min_entries=1, max_entries=30)


class JudgeForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=150)])


class ActionForm(FlaskForm):
    """Buttons that change something (assign, finalise, remove): a CSRF token and nothing else."""


def score_form(criteria, data=None):
    """A form with one points field per criterion (named ``c_<id>``), built for this rubric."""

    class ScoreForm(FlaskForm):
        comment = TextAreaField(_l("Comment for the organisers (optional)"), validators=[Optional(), Length(max=5000)])

    for criterion in criteria:
        setattr(ScoreForm, f"c_{criterion.id}", FloatField(
            criterion.name, description=criterion.description or None,
            validators=[InputRequired(), NumberRange(min=0, max=criterion.max_points)],
            render_kw={"type": "number", "step": "any", "min": 0, "max": f"{criterion.max_points:g}",
                       "inputmode": "decimal"}))
    return ScoreForm(data=data)
