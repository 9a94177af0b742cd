"""What a verification means to the person holding the paper: the sentence for each verdict
code (lms.certificates.verify.OUTCOMES) and for each revocation category, through the
translation layer (Vietnamese first)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.core.i18n import register_labels

REASONS = {
    "valid": _l("Issued by this platform and not altered since it was signed."),
    "valid_legacy": _l("Issued by this platform before December 2026 and not altered. It uses the former "
                       "signing scheme; the owner can download a copy with a digital signature that any PDF "
                       "reader checks."),
    "not_pdf": _l("This file is not a PDF document (it may be a web page or an image renamed .pdf)."),
    "unreadable": _l("This PDF is damaged or incomplete and cannot be read. Ask the owner for the original file."),
    "too_complex": _l("This file is far more complex than any certificate of this platform: checking it was "
                      "stopped. It is not one of our certificates."),
    "too_large": _l("The file is larger than 5 MB: it is not one of our certificates."),
    "not_ours": _l("This PDF carries no signature of this platform: it was not issued here."),
    "unknown_key": _l("This PDF is signed, but not with a key of this platform: it was not issued here."),
    "key_out_of_period": _l("This PDF was signed with one of the platform's keys outside the period that key was "
                            "in use: it is not a genuine certificate."),
    "several_signatures": _l("This PDF carries more than one signature: it was changed after the platform "
                             "issued it."),
    "altered": _l("The content of this PDF was changed after it was signed: it is not the certificate the "
                  "platform issued."),
    "modified_after_signing": _l("Something was added to this PDF after it was signed (for example a note, a "
                                 "box over the text, a cropped page or a script): it is not the certificate "
                                 "as issued."),
    "appended_bytes": _l("Extra data was attached to the end of this PDF after it was signed: it is not the "
                         "certificate as issued."),
    "no_statement": _l("This PDF is signed by the platform but is not a certificate."),
    "legacy_bad_signature": _l("The certificate data in this PDF does not match the platform's signature: it was "
                               "altered or made elsewhere."),
    "legacy_page_changed": _l("The printed page was edited after issue: what it shows differs from what the "
                              "platform signed."),
    "legacy_overlay": _l("Something was laid over the page after issue (a note, a box or a form field): it may "
                         "hide or change what is printed."),
    "legacy_page_box": _l("The page was cropped or resized after issue: part of what is printed may be hidden."),
    "legacy_script": _l("A script or automatic action was added to this PDF after issue."),
    "legacy_pages": _l("A certificate of this platform has exactly one page; this file has more or fewer."),
}

# Sentences for the current status, looked up online after the document itself passed.
STATUS_LABELS = {
    "valid": _l("Valid"),
    "revoked": _l("Revoked"),
    "superseded": _l("Replaced by a newer version"),
    "unknown": _l("Not found in the register"),
}

CATEGORY_LABELS = register_labels("revocation_category", {
    "issued_in_error": _l("Issued in error"),
    "wrong_person": _l("Issued to the wrong person"),
    "misconduct": _l("Cheating or misconduct"),
    "withdrawn": _l("Withdrawn by decision of the issuing body"),
    "other": _l("Other reason"),
})

OFFLINE_NOTE = _l("Revocation cannot be known offline. Check the current status online: scan the QR code on "
                  "the certificate or open %(url)s and enter the verification code %(code)s.")


def reason(code: str) -> str:
    """The citizen's sentence for a verdict code (unknown codes read as "unreadable")."""
    return str(REASONS.get(code, REASONS["unreadable"]))
