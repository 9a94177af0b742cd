"""Forms of the certificates area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class VerifyCodeForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Printed under the QR code, e.g. K7MP2QXAB3CD."),
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class VerifyFileForm(FlaskForm):
    file = FileField(_l("Certificate PDF"), validators=[
        FileRequired(), FileAllowed(["pdf"], _l("Choose the certificate's PDF file."))])


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)],
                         description=_l("Shown on the public verification page."))


class ReissueForm(FlaskForm):
    full_name = StringField(_l("Corrected full name"), validators=[DataRequired(), Length(max=255)])
