"""Forms of the API-token pages and of the public ranking settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.validators import DayInRange


class NewTokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("What uses the token, e.g. “Provincial dashboard”."))
    org_code = StringField(_l("Unit code"), validators=[Optional(), Length(max=64)],
                           description=_l("The token reads this unit and everything under it. "
                                          "Admins may leave it empty for a platform-wide token."))
    expires_on = DateField(_l("Expires on"), validators=[Optional(), DayInRange()],
                           description=_l("Last day the token works. Empty: until revoked."))


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token: revoking must be a deliberate POST from our own page."""


class PublicLevelsForm(FlaskForm):
    kinds = SelectMultipleField(_l("Levels shown publicly"), choices=[], validators=[Optional()],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
