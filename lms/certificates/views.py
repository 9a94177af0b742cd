"""Public verification, learners' downloads, and revoking or reissuing by admins."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from lms.access.adapters import can_manage_org, has_any_people_scope, is_admin, org_scope_filter
from lms.access.web import requires
from lms.certificates import keys, services, statuslist
from lms.certificates.badges import build_credential, sign_credential
from lms.certificates.forms import ReissueForm, RevokeForm, VerifyCodeForm, VerifyFileForm
from lms.certificates.models import Certificate
from lms.certificates.status import CATEGORY_LABELS
from lms.core.errors import NotFound, ServiceError
from lms.core.text import fold
from lms.core.timeutil import to_vn, utcnow
from lms.core.urls import public_base_url
from lms.extensions import db, limiter

bp = Blueprint("certificates", __name__)


def base_url() -> str:
    """The site's public address (lms.core.urls): never the request's Host header, which the
    client chooses and which would end up in QR codes, badges and /issuer."""
    return public_base_url()


# --- public ---------------------------------------------------------------------------


@bp.route("/verify", methods=["GET", "POST"])
@requires("public")
@limiter.limit("30 per minute", methods=["POST"])
def verify_home():
    code_form = VerifyCodeForm(prefix="c")
    file_form = VerifyFileForm(prefix="f")
    verdict = None
    if request.method == "POST" and "c-code" in request.form and code_form.validate():
        code = services.normalise_code(code_form.code.data)
        if code:
            return redirect(url_for("certificates.verify", code=code))
        code_form.code.errors.append(_("A verification code has only letters and digits, e.g. K7MP2QXAB3CD."))
    if request.method == "POST" and "c-code" not in request.form and file_form.validate():
        data = file_form.file.data.read(5 * 1024 * 1024 + 1)
        if len(data) > 5 * 1024 * 1024:
            file_form.file.errors.append(_("The file is larger than 5 MB: it is not one of our certificates."))
        else:
            verdict = services.check_document(data)
    return render_template("certificates/verify_home.html", code_form=code_form, file_form=file_form,
                           verdict=verdict)


@bp.get("/verify/<code>")
@requires("public")
@limiter.limit("60 per minute")
def verify(code):
    cert = services.get_by_code(code)
    if cert is None:
        # The same answer for every wrong code: nothing hints at valid ones.
        return render_template("certificates/verify_unknown.html"), 404
    return render_template("certificates/verify.html", cert=cert, newer=services.current_version(cert))


@bp.get("/verify/<code>.json")
@requires("public")
@limiter.limit("60 per minute")
def verify_json(code):
    cert = services.get_by_code(code)
    if cert is None:
        return jsonify({"error": "not found"}), 404
    revoked = cert.revoked_at is not None
    return jsonify({
        "serial": cert.serial, "version": cert.version, "status": cert.status, "name": cert.full_name,
        "course": cert.course_title, "completed_on": cert.completed_on.isoformat(),
        "issuer": cert.issuer_name, "revoked_reason": cert.revoked_reason,
        # The Vietnam calendar day, as the page shows it.
        "revoked_on": to_vn(cert.revoked_at).date().isoformat() if revoked else None,
        "revoked_category": cert.revoked_category if revoked else None,
        "revoked_category_label": revocation_category(cert.revoked_category) if revoked else None,
    })


@bp.app_template_filter("revocation_category")
def revocation_category(key: str | None) -> str:
    """The label of a revocation category in the current language; certificates revoked before
    categories existed (NULL) read as "Other reason"."""
    return str(CATEGORY_LABELS.get(key or "other", CATEGORY_LABELS["other"]))


@bp.get("/status/revocation")
@requires("public")
def revocation_list():
    """The W3C Bitstring Status List of revoked certificates (lms.certificates.statuslist), as a
    VC-JWT signed with the current key: bit <certificate id> set when that certificate is revoked.

    Public and anonymous by design: every verifier fetches the same document, so the platform
    never learns which badge is being checked. Not rate-limited: it is one query over the revoked
    rows and one ECDSA signature, the same for every caller, and verifiers cache it for MAX_AGE
    seconds."""
    base = base_url()
    ids = db.session.scalars(select(Certificate.id).where(Certificate.revoked_at.is_not(None))).all()
    credential = statuslist.build_credential(ids, base_url=base, issuer_id=f"{base}/issuer", now=utcnow())
    token = statuslist.sign(credential, keys.current_signer(), base)
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Cache-Control"] = f"public, max-age={statuslist.MAX_AGE}"
    return response


@bp.get("/.well-known/lms-certificate-key.pem")
@requires("public")
def public_key():
    """Every key's public half, newest last (the first version published one key here)."""
    text = "".join(f"# kid {k.kid} ({k.algorithm}) from {k.valid_from:%Y-%m-%dT%H:%M:%SZ}"
                   f"{f' until {k.valid_until:%Y-%m-%dT%H:%M:%SZ}' if k.valid_until else ' (current)'}\n{k.public_pem}"
                   for k in keys.public_keys())
    return Response(text, mimetype="application/x-pem-file")


@bp.get("/.well-known/jwks.json")
@requires("public")
def jwks():
    return jsonify(keys.jwks())


@bp.get("/issuer")
@requires("public")
def issuer_profile():
    """The Open Badges 3.0 issuer Profile, with every signing key and the period it was in use
    (as DID-style verification methods with a JWK), so a verifier can tell a retired key's
    documents from forgeries made with it later."""
    base = base_url()
    methods = [{"id": f"{base}{keys.JWKS_PATH}#{entry['kid']}", "type": "JsonWebKey2020",
                "controller": f"{base}/issuer", "publicKeyJwk": entry,
                "validFrom": entry["valid_from"], "validUntil": entry["valid_until"]}
               for entry in keys.jwks()["keys"]]
    return jsonify({"@context": ["https://www.w3.org/2018/credentials/v1",
                                 "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
                    "id": f"{base}/issuer", "type": ["Profile"],
                    "name": current_app.config.get("CERTIFICATE_ISSUER_NAME") or "Nền tảng học dịch vụ công trực tuyến",
                    "url": base, "verificationMethod": methods,
                    "jwks": f"{base}{keys.JWKS_PATH}"})


# --- learners -------------------------------------------------------------------------


def _viewable(cert_id: int) -> Certificate:
    try:
        cert = services.get_certificate(cert_id)
    except NotFound:
        abort(404)
    if cert.user_id == current_user.id or is_admin(current_user):
        return cert
    from lms.orgs.models import Organization

    org = db.session.get(Organization, cert.org_id) if cert.org_id else None
    if org is not None and can_manage_org(current_user, org):
        return cert
    abort(404)


@bp.get("/certificates/mine")
@requires("signed_in")
def mine():
    return render_template("certificates/mine.html", certificates=services.certificates_of(current_user))


def _unavailable(cert: Certificate):
    """The answer instead of a file for a revoked or superseded certificate: 410 Gone with a page
    saying why and, for a superseded one, where the newer version is. A new signed copy would pass
    every offline check while the certificate no longer holds (issue 16)."""
    newer = services.current_version(cert) if cert.revoked_at is None else None
    return render_template("certificates/unavailable.html", cert=cert, newer=newer), 410


@bp.get("/certificates/<int:cert_id>.pdf")
@requires("signed_in")
def pdf(cert_id):
    cert = _viewable(cert_id)
    if cert.status != "valid":
        return _unavailable(cert)
    try:
        data = services.pdf_for(cert, base_url())
    except ServiceError:
        # ensure_current refused: revoked or superseded meanwhile by another request.
        db.session.refresh(cert)
        if cert.status == "valid":
            raise
        return _unavailable(cert)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{cert.serial}-v{cert.version}.pdf"'})


def _credential(cert):
    course = cert.course
    return build_credential(cert, base_url=base_url(), course_summary=course.summary, course_slug=course.slug)


@bp.get("/certificates/<int:cert_id>/badge.json")
@requires("signed_in")
def badge_json(cert_id):
    cert = _viewable(cert_id)
    if cert.status != "valid":
        return _unavailable(cert)
    response = jsonify(_credential(cert))
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.serial}-v{cert.version}-openbadge.json"'
    return response


@bp.get("/certificates/<int:cert_id>/badge.jwt")
@requires("signed_in")
def badge_jwt(cert_id):
    cert = _viewable(cert_id)
    if cert.status != "valid":
        return _unavailable(cert)
    token = sign_credential(_credential(cert), keys.current_signer(), base_url())
    return Response(token, mimetype="application/vc+jwt",
                    headers={"Content-Disposition": f'attachment; filename="{cert.serial}-v{cert.version}-openbadge.jwt"'})


# --- administration ---------------------------------------------------------------------


@bp.get("/certificates/admin")
@requires("people.manage")
def admin_list():
    from lms.orgs.models import Organization

    if not has_any_people_scope(current_user):
        abort(404)
    q = (request.args.get("q") or "").strip()
    stmt = select(Certificate).outerjoin(Organization, Organization.id == Certificate.org_id)
    if not is_admin(current_user):
        stmt = stmt.where(org_scope_filter(current_user, Organization.path))
    if q:
        stmt = stmt.where(or_(Certificate.serial == q.upper(), Certificate.code == q.upper(),
                              Certificate.full_name.ilike(f"%{q}%")))
    rows = list(db.session.scalars(stmt.order_by(Certificate.issued_at.desc()).limit(200)))
    if q and not rows and not q.isascii():
        rows = [c for c in db.session.scalars(stmt.order_by(Certificate.issued_at.desc()).limit(2000))
                if fold(q) in fold(c.full_name)][:200]
    return render_template("certificates/admin_list.html", certificates=rows, q=q,
                           revoke_form=RevokeForm(), reissue_form=ReissueForm())


def _manageable(cert_id: int) -> Certificate:
    cert = _viewable(cert_id)
    if cert.user_id == current_user.id and not is_admin(current_user):
        abort(404)  # learners do not revoke or reissue their own certificates
    return cert


@bp.post("/certificates/<int:cert_id>/revoke")
@requires("people.manage")
def revoke(cert_id):
    cert = _manageable(cert_id)
    form = RevokeForm()
    if not form.validate():
        # Name each field that is missing, with our own sentence (forms.RevokeForm).
        for field in (form.category, form.reason):
            for error in field.errors:
                flash(f"{field.label.text}: {error}", "error")
        return redirect(url_for("certificates.admin_list", q=cert.serial))
    try:
        services.revoke_certificate(current_user, cert, form.reason.data, form.category.data)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err), "error")
    else:
        db.session.commit()
        flash(_("Certificate %(serial)s is revoked.", serial=cert.serial), "success")
    return redirect(url_for("certificates.admin_list", q=cert.serial))


@bp.post("/certificates/<int:cert_id>/reissue")
@requires("people.manage")
def reissue(cert_id):
    cert = _manageable(cert_id)
    form = ReissueForm()
    if not form.validate():
        flash(_("Full name is required."), "error")
        return redirect(url_for("certificates.admin_list", q=cert.serial))
    try:
        new = services.reissue_certificate(current_user, cert, form.full_name.data)
    except ServiceError as err:
        db.session.rollback()
        flash(str(err), "error")
        return redirect(url_for("certificates.admin_list", q=cert.serial))
    db.session.commit()
    flash(_("Certificate %(serial)s was reissued as version %(v)d.", serial=new.serial, v=new.version), "success")
    return redirect(url_for("certificates.admin_list", q=new.serial))
