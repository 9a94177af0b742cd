"""Forms of the organiser pages. Times are typed in Vietnam time; the view converts to UTC."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from lms.contests.models import (
    CONTEST_STATUS_LABELS,
    COUNTING_LABELS,
    PUBLIC_BOARD_CHOICES,
    PUBLIC_BOARD_LABELS,
    ROUND_KIND_LABELS,
)
from lms.contests.services import OPTIONAL_FIELDS
from lms.core.numbers import DB_INT_MAX, MINUTES_MAX
from lms.core.validators import DayInRange
from lms.orgs.forms import kind_choices

FIELD_LABELS = {"date_of_birth": _l("Date of birth"), "phone": _l("Phone"), "school": _l("School"),
                "class_name": _l("Class"), "unit_name": _l("Unit")}
FIELD_MODES = [("off", _l("Not asked")), ("optional", _l("Optional")), ("required", _l("Required"))]


def public_board_choices():
    return [(value, PUBLIC_BOARD_LABELS[value]) for value in PUBLIC_BOARD_CHOICES]


def status_choices():
    """The statuses an organiser sets by hand ("published" comes from publishing the results)."""
    return [(value, CONTEST_STATUS_LABELS[value]) for value in ("draft", "open", "closed")]


class NewContestForm(FlaskForm):
    slug = StringField(_l("Short name (in the address)"), validators=[
        DataRequired(), Length(max=100), Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and dashes."))],
        description=_l("e.g. hoi-thi-tuyen-truyen-vien-2026"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])


class ContestForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    rules_md = TextAreaField(_l("Rules (Markdown)"), validators=[Length(max=50_000)], render_kw={"rows": 10},
                             description=_l("Shown on the contest page; the ranking rules are added below them."))
    scope_code = StringField(_l("Eligible unit (code)"), validators=[Optional(), Length(max=64)],
                             description=_l("Only people of this unit and its sub-units may register. Empty: open to everyone."))
    status = SelectField(_l("Status"), choices=status_choices)
    public_board = SelectField(_l("The public leaderboard shows"), choices=public_board_choices,
                               default="name_and_unit",
                               description=_l("Organisers and the downloaded report always see full names and units."))
    date_of_birth = SelectField(FIELD_LABELS["date_of_birth"], choices=FIELD_MODES, default="off")
    phone = SelectField(FIELD_LABELS["phone"], choices=FIELD_MODES, default="off")
    school = SelectField(FIELD_LABELS["school"], choices=FIELD_MODES, default="off")
    class_name = SelectField(FIELD_LABELS["class_name"], choices=FIELD_MODES, default="off")
    unit_name = SelectField(FIELD_LABELS["unit_name"], choices=FIELD_MODES, default="off")

    def field_modes(self) -> dict[str, str]:
        return {name: getattr(self, name).data for name in OPTIONAL_FIELDS}


class RoundForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Kind"), choices=list(ROUND_KIND_LABELS.items()))
    opens_at = DateTimeLocalField(_l("Opens (Vietnam time)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired(), DayInRange()])
    closes_at = DateTimeLocalField(_l("Closes (Vietnam time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired(), DayInRange()])
    bank = SelectField(_l("Question bank"), choices=[], validate_choice=False,
                       description=_l("Quiz rounds only."))
    draw = IntegerField(_l("Questions drawn per participant"), validators=[Optional(), NumberRange(min=1, max=1000)],
                        description=_l("Empty: every question of the bank."))
    # A week at most: longer is a typing error (and MINUTES_MAX bounds what the dates can hold).
    time_limit_minutes = IntegerField(_l("Time limit (minutes)"), validators=[Optional(), NumberRange(min=1, max=10080)])
    attempts_allowed = IntegerField(_l("Attempts allowed"), default=1, validators=[DataRequired(), NumberRange(min=1, max=20)])
    counting = SelectField(_l("Attempt that counts"), choices=list(COUNTING_LABELS.items()))
    tiebreaker_question = StringField(_l("Tiebreaker question (optional)"), validators=[Optional(), Length(max=500)],
                                      description=_l("e.g. How many participants will answer every question correctly?"))
    hide_results_until_close = BooleanField(_l("Hide scores and answers until the round closes"), default=True)
    freeze_minutes = IntegerField(_l("Freeze the leaderboard for the last … minutes"), default=0,
                                  validators=[Optional(), NumberRange(min=0, max=MINUTES_MAX)])
    weight = FloatField(_l("Weight in the final score"), default=1.0, validators=[Optional(), NumberRange(min=0, max=100)])
    one_device = BooleanField(_l("One device per participant"), default=False, description=_l(
        "An attempt is tied to the device it was started on. Signing in on another device moves it there, and the "
        "first device can no longer answer; each move is shown in the integrity report."))


class TrueCountForm(FlaskForm):
    true_count = IntegerField(_l("True count for the tiebreaker"),
                              validators=[Optional(), NumberRange(min=0, max=DB_INT_MAX)])


class OrganiserForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])


def level_choices():
    return [("", _l("No collective prizes"))] + kind_choices()


class PrizeForm(FlaskForm):
    first = IntegerField(_l("First prizes"), default=1, validators=[Optional(), NumberRange(min=0, max=1000)])
    second = IntegerField(_l("Second prizes"), default=2, validators=[Optional(), NumberRange(min=0, max=1000)])
    third = IntegerField(_l("Third prizes"), default=3, validators=[Optional(), NumberRange(min=0, max=1000)])
    consolation = IntegerField(_l("Consolation prizes"), default=5, validators=[Optional(), NumberRange(min=0, max=1000)])
    collective = IntegerField(_l("Collective prizes"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    collective_level = SelectField(_l("Units that compete for collective prizes"), choices=level_choices)


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
