"""Forms of the certificates area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length


class VerifyCodeForm(FlaskForm):
    # Long enough for a pasted verification address (services.normalise_code keeps the code).
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=200)],
                       description=_l("Printed under the QR code, e.g. K7MP2QXAB3CD."),
                       render_kw={"autocapitalize": "characters", "autocomplete": "off"})


class VerifyFileForm(FlaskForm):
    # Any file name: phones save downloads as "download" or "x.pdf.download", and the content
    # is what gets checked (lms.certificates.verify).
    file = FileField(_l("Certificate PDF"), validators=[FileRequired(_l("Choose the certificate's PDF file."))])


def _category_choices():
    from lms.certificates.models import REVOCATION_CATEGORIES
    from lms.certificates.status import CATEGORY_LABELS

    # The empty first choice makes the admin pick one: no category is assumed.
    return [("", _l("— choose —"))] + [(key, CATEGORY_LABELS[key]) for key in REVOCATION_CATEGORIES]


class RevokeForm(FlaskForm):
    category = SelectField(
        _l("Reason category"), choices=_category_choices,
        # WTForms' own "Not a valid choice." has no Vietnamese; revoke_certificate refuses an
        # unknown category with a sentence of ours instead.
        validate_choice=False,
        validators=[DataRequired(_l("Choose the category of the revocation: it is shown on the verification page."))],
        description=_l("Shown on the public verification page."))
    reason = StringField(_l("Reason"), validators=[
        DataRequired(_l("Give the reason for revoking: it is shown on the verification page.")),
        Length(max=500, message=_l("The reason is at most 500 characters long."))],
        description=_l("Shown on the public verification page."))


class ReissueForm(FlaskForm):
    full_name = StringField(_l("Corrected full name"), validators=[DataRequired(), Length(max=255)])
