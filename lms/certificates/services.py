"""Issuing, revoking and reissuing certificates; building the documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms.audit.services import record_audit
from lms.certificates.keys import current_signer
from lms.certificates.models import REVOCATION_CATEGORIES, Certificate, CertificateCounter
from lms.certificates.pades import sign_pdf
from lms.certificates.render import CertificateData, Template, render_certificate
from lms.certificates.verify import Verdict
from lms.core.codes import readable_code
from lms.core.errors import NotFound, ServiceError
from lms.core.text import nfc, person_name
from lms.core.timeutil import utcnow
from lms.core.urls import public_url
from lms.courses import services as course_services
from lms.extensions import db

SERIAL_PREFIX = "DVC"


def new_code() -> str:
    return readable_code(12)


def next_serial(year: int) -> str:
    """DVC-<year>-<6 digits>. The counter row is updated under a lock (PostgreSQL row lock,
    SQLite's single writer), so concurrent completions never share a serial."""
    counter = db.session.execute(
        select(CertificateCounter).where(CertificateCounter.year == year).with_for_update()
    ).scalar_one_or_none()
    if counter is None:
        from sqlalchemy.exc import IntegrityError

        try:
            with db.session.begin_nested():
                db.session.add(CertificateCounter(year=year, last=0))
        except IntegrityError:
            pass
    db.session.execute(update(CertificateCounter).where(CertificateCounter.year == year)
                       .values(last=CertificateCounter.last + 1))
    number = db.session.scalar(select(CertificateCounter.last).where(CertificateCounter.year == year))
    return f"{SERIAL_PREFIX}-{year}-{number:06d}"


def load_template(course=None, org=None) -> Template:
    """The most specific template: the course's, then the organisation's (or an ancestor's),
    then the default. Templates live in instance/certificate-templates/<key>/template.yaml."""
    root = Path(current_app.instance_path) / "certificate-templates"
    keys = []
    if course is not None:
        keys.append(f"course-{course.slug}")
    if org is not None:
        from lms.orgs.models import Organization

        chain = [org.id] + list(reversed(org.ancestor_ids))
        codes = dict(db.session.execute(select(Organization.id, Organization.code).where(Organization.id.in_(chain))).all())
        keys += [f"org-{codes[i]}" for i in chain if i in codes]
    keys.append("default")
    for key in keys:
        path = root / key / "template.yaml"
        if path.is_file():
            return _template_from_file(key, path)
    return Template()


def _template_from_file(key: str, path: Path) -> Template:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    template = Template(key=key)
    for field_name in ("title", "subtitle", "intro", "body", "issuer_name", "signer_name", "signer_title", "place"):
        if data.get(field_name):
            setattr(template, field_name, nfc(str(data[field_name])))
    if isinstance(data.get("accent"), str) and len(data["accent"].lstrip("#")) == 6:
        hex_value = data["accent"].lstrip("#")
        template.accent = tuple(int(hex_value[i:i + 2], 16) for i in (0, 2, 4))
    for image in ("background", "logo", "signature"):
        if data.get(image):
            candidate = (path.parent / str(data[image])).resolve()
            if candidate.is_relative_to(path.parent.resolve()) and candidate.is_file():
                setattr(template, image, candidate)
    return template


def _verify_url(code: str, base_url: str | None = None) -> str:
    """PUBLIC_BASE_URL wins over ``base_url`` (see lms.core.urls): the QR code is printed."""
    return public_url(f"/verify/{code}", base_url)


def document_data(cert: Certificate, base_url: str | None = None) -> CertificateData:
    return CertificateData(
        serial=cert.serial, version=cert.version, code=cert.code, full_name=cert.full_name,
        course_title=cert.course_title, completed_on=cert.completed_on.isoformat(), score=cert.score,
        issuer_name=cert.issuer_name, signer_name=cert.signer_name, signer_title=cert.signer_title,
        issued_on=cert.issued_at.date().isoformat(), verify_url=_verify_url(cert.code, base_url),
    )


def issue_certificate(user, course, enrollment) -> Certificate | None:
    """Issue once per learner and course, at completion, if the course gives one."""
    if not course.certificate:
        return None
    existing = db.session.scalar(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.course_id == course.id))
    if existing is not None:
        return existing
    template = load_template(course, user.org)
    completed = enrollment.completed_at or utcnow()
    cert = Certificate(
        serial=next_serial(completed.year), version=1, code=new_code(), user_id=user.id, course_id=course.id,
        org_id=user.org_id, full_name=person_name(user.full_name), course_title=course.title,
        completed_on=completed.date(), score=enrollment.score, issuer_name=template.issuer_name,
        signer_name=template.signer_name, signer_title=template.signer_title, template=template.key,
        issued_at=utcnow(), signature="",
    )
    db.session.add(cert)
    db.session.flush()
    record_audit(None, "certificate.issue", target=cert, org=user.org, serial=cert.serial, course=course.slug)
    db.session.flush()
    return cert


course_services.COMPLETION_HOOKS.append(issue_certificate)


def normalise_code(text: str | None) -> str:
    """A code as typed, pasted or read aloud: letters and digits only, upper case
    ("gttt-juy8 943b" -> "GTTTJUY8943B"); full-width forms read as ASCII (NFKC); a pasted
    verification address gives the code at its end; "" when nothing is left."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text or "")
    if "/verify/" in text:
        text = text.rsplit("/verify/", 1)[1].split("?", 1)[0].split("#", 1)[0]
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum()).upper()


def get_by_code(code: str) -> Certificate | None:
    code = normalise_code(code)
    if not code or len(code) > 32:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def current_version(cert: Certificate) -> Certificate | None:
    """The version of ``cert``'s serial that replaced it (None when ``cert`` is not superseded)."""
    if cert.superseded_at is None:
        return None
    return db.session.scalar(select(Certificate).where(
        Certificate.serial == cert.serial, Certificate.superseded_at.is_(None)).limit(1))


def ensure_current(cert: Certificate) -> None:
    """A revoked or superseded certificate gets no new signed document or badge: it would
    pass every offline check while the certificate no longer holds.

    Raises ServiceError naming the status (and, when superseded, that a newer version exists).
    """
    if cert.revoked_at is not None:
        raise ServiceError(_l("This certificate was revoked: no new copy of it can be issued."))
    if cert.superseded_at is not None:
        raise ServiceError(_l("A newer version of this certificate exists; download that one."))


def pdf_for(cert: Certificate, base_url: str | None = None) -> bytes:
    """The certificate's PDF, PAdES-signed now by the current key (lms.certificates.pades).

    ``base_url`` is where the QR code points: LMS_PUBLIC_BASE_URL wins, then the site the
    learner is using, so a certificate downloaded from the site always scans back to it.
    Raises ServiceError for a revoked or superseded certificate (``ensure_current``).
    """
    ensure_current(cert)
    # A certificate keeps the template it was issued with, even if a unit adds one later.
    template = _template_by_key(cert.template) or Template()
    return sign_pdf(render_certificate(document_data(cert, base_url), template), current_signer())


# kind -> lookup(payload) -> (status, rows): registered by areas above this one (contests for
# "award"), so certificates never imports them.
DOCUMENT_LOOKUPS: dict = {}


@dataclass
class Check:
    """A document's verdict (lms.certificates.verify.Verdict) with what the register says now:
    ``status`` valid / revoked / superseded / unknown (None when the document itself failed),
    ``cert`` the course certificate's row, ``awards`` the award rows of an award document."""

    verdict: Verdict
    status: str | None = None
    cert: Certificate | None = None
    awards: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict.ok

    @property
    def reason(self) -> str:
        from lms.certificates.status import reason

        return reason(self.verdict.code)


def check_document(pdf_bytes: bytes) -> Check:
    """Verify an uploaded PDF (bounded: lms.certificates.sandbox) against every published key,
    then look its statement up in the register for the current status. The status is
    ``unknown`` when the register has no matching serial and version (a genuine signature
    over a statement the register does not hold)."""
    from lms.certificates.keys import public_keys
    from lms.certificates.sandbox import verify_bounded

    verdict = verify_bounded(pdf_bytes, public_keys())
    check = Check(verdict)
    if not verdict.ok:
        return check
    payload = verdict.payload or {}
    if payload.get("kind") in DOCUMENT_LOOKUPS:
        # Other areas sign documents too (contest awards); they answer for their own register.
        check.status, check.awards = DOCUMENT_LOOKUPS[payload["kind"]](payload)
        return check
    cert = get_by_code(str(payload.get("code", "")))
    if cert is None or cert.serial != payload.get("serial") or cert.version != payload.get("version"):
        check.status = "unknown"
        return check
    check.cert = cert
    check.status = cert.status
    return check


def _template_by_key(key: str) -> Template | None:
    path = Path(current_app.instance_path) / "certificate-templates" / key / "template.yaml"
    return _template_from_file(key, path) if path.is_file() else None


def revoke_certificate(actor, cert: Certificate, reason: str, category: str) -> Certificate:
    """Revoke ``cert`` from now on: no new PDF or badge of it is made (``ensure_current``), the
    verification page and JSON say so with the date and category, and its bit in the public
    revocation list (lms.certificates.statuslist) is set, so badges already downloaded read as
    revoked online.

    ``category``: one of REVOCATION_CATEGORIES (shown publicly); ``reason``: free text kept for
    the record and shown on the verification page, at most 500 characters.
    Raises ServiceError (``field`` "reason" or "category") for a missing reason, an unknown
    category, or a certificate already revoked. Flushes; the caller commits.
    """
    reason = nfc(reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give the reason for revoking: it is shown on the verification page."), field="reason")
    if category not in REVOCATION_CATEGORIES:
        raise ServiceError(_l("Choose the category of the revocation: it is shown on the verification page."),
                           field="category")
    if cert.revoked_at is not None:
        raise ServiceError(_l("This certificate is already revoked."))
    cert.revoked_at = utcnow()
    cert.revoked_reason = reason[:500]
    cert.revoked_category = category
    cert.revoked_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(actor, "certificate.revoke", target=cert, serial=cert.serial, reason=reason, category=category)
    return cert


def reissue_certificate(actor, cert: Certificate, full_name: str | None = None) -> Certificate:
    """A corrected certificate: same serial, next version, new code; the old one is superseded."""
    if cert.superseded_at is not None:
        raise ServiceError(_l("A newer version of this certificate exists; reissue that one."))
    name = person_name(full_name) if full_name else cert.full_name
    if not name:
        raise ServiceError(_l("Full name is required."), field="full_name")
    now = utcnow()
    cert.superseded_at = now
    new = Certificate(
        serial=cert.serial, version=cert.version + 1, code=new_code(), user_id=cert.user_id,
        course_id=cert.course_id, org_id=cert.org_id, full_name=name, course_title=cert.course_title,
        completed_on=cert.completed_on, score=cert.score, issuer_name=cert.issuer_name,
        signer_name=cert.signer_name, signer_title=cert.signer_title, template=cert.template,
        issued_at=now, signature="",
    )
    db.session.add(new)
    db.session.flush()
    record_audit(actor, "certificate.reissue", target=new, serial=new.serial, version=new.version,
                 name_changed=name != cert.full_name)
    db.session.flush()
    return new


def certificates_of(user) -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.superseded_at.is_(None)).order_by(Certificate.issued_at.desc())))


def get_certificate(cert_id: int) -> Certificate:
    cert = db.session.get(Certificate, cert_id)
    if cert is None:
        raise NotFound(_l("No such certificate."))
    return cert




def _personal_data(user) -> list[dict]:
    return [{"serial": c.serial, "version": c.version, "course": c.course_title, "name": c.full_name,
             "completed_on": c.completed_on.isoformat(), "score": c.score, "status": c.status,
             "verify_code": c.code} for c in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id))]


def _erase_personal_data(user) -> None:
    """Issued certificates stay verifiable as issued, without the name."""
    from lms.privacy.services import DELETED_NAME

    for cert in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        cert.full_name = DELETED_NAME


def _register_privacy() -> None:
    from lms.privacy.services import register_personal_data, register_personal_data_eraser

    register_personal_data("certificates", _personal_data, _l("your certificates"))
    register_personal_data_eraser(_erase_personal_data)


_register_privacy()
