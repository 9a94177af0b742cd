"""Issue 16: a certificate is worth what its verification proves.

Every way a forger changed a certificate PDF in the field (a name painted over by an
annotation, a crop box hiding it, added JavaScript, trailing bytes), plus incremental updates,
rewrites, another key and a key used outside its period, is refused by both `/verify` and
`lms verify-certificate`, with the citizen's sentence; the genuine file and a file from before
PAdES (tests/certificates/files/legacy-2026-10.pdf, made by the first version's code with the
test key beside it) pass. The signed PDF is also checked by a second, independent validator:
poppler's pdfsig.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import FreeText
from pypdf.generic import DictionaryObject, NameObject, RectangleObject, TextStringObject
from sqlalchemy import select, update

from lms.certificates import keys as key_service
from lms.certificates import services
from lms.certificates.keys import current_signer, public_keys
from lms.certificates.models import Certificate, SigningKey
from lms.certificates.pades import sign_pdf
from lms.certificates.status import REASONS
from lms.certificates.verify import verify_document
from lms.courses.models import Course
from lms.extensions import db
from tests.certificates.conftest import NAME
from tests.conftest import csrf_token

FILES = Path(__file__).parent / "files"


@pytest.fixture
def genuine(completed):
    learner, _ = completed
    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id))
    return cert, services.pdf_for(cert)


@pytest.fixture
def legacy(app):
    """The first version's key in this server's instance folder and its certificate in the
    register, as on a deployment upgraded in December 2026."""
    shutil.copy(FILES / "legacy-ed25519-test-key.pem", Path(app.instance_path) / key_service.LEGACY_KEY_FILE)
    row = json.loads((FILES / "legacy-2026-10.json").read_text(encoding="utf-8"))
    course = Course(slug="dvc-co-ban", title=row["course_title"], summary="", certificate=True)
    db.session.add(course)
    db.session.flush()
    db.session.add(Certificate(
        serial=row["serial"], version=row["version"], code=row["code"], user_id=None, course_id=course.id,
        org_id=None, full_name=row["full_name"], course_title=row["course_title"],
        completed_on=date.fromisoformat(row["completed_on"]), score=row["score"], issuer_name=row["issuer_name"],
        signer_name=None, signer_title=None, template="default", issued_at=datetime.fromisoformat(row["issued_at"]),
        signature=row["signature"]))
    db.session.commit()
    return (FILES / "legacy-2026-10.pdf").read_bytes()


# --- what forgers do -------------------------------------------------------------------------


def _incremental(data: bytes, change) -> bytes:
    """An incremental update, as Acrobat or a PDF editor saves a change: the signed bytes stay
    as they are and a new revision is appended."""
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _rewrite(data: bytes, change) -> bytes:
    """The whole file written again (what "print to PDF" or an online editor does)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _annotation_over_name(writer):
    box = FreeText(text="Trần Văn Giả", rect=(180, 290, 660, 345), font_size="26pt",
                   background_color="ffffff", border_color="ffffff")
    writer.add_annotation(page_number=0, annotation=box)


def _crop_box(writer):
    writer.pages[0].cropbox = RectangleObject((0, 0, 841.89, 300))


def _javascript(writer):
    """A script run when the file opens (what a forger uses to show a fake "valid" banner)."""
    action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert('Giấy chứng nhận hợp lệ');")})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)


def _new_title(writer):
    writer.add_metadata({"/Title": "GIẤY CHỨNG NHẬN (bản sửa)"})


def _byte_flip(data: bytes) -> bytes:
    """One byte inside the signed range changed: the certificate's serial in the Title."""
    at = data.index(b"/Title")
    return data[:at + 10] + bytes([data[at + 10] ^ 1]) + data[at + 11:]


def _other_key(data: bytes) -> bytes:
    material = key_service.new_key_material(datetime.now())
    stranger = key_service.Signer(kid="stranger", algorithm="ES256", private_key=material["private"],
                                  certificate_pem=material["certificate_pem"])
    unsigned = _strip_signature(data)
    return sign_pdf(unsigned, stranger)


def _strip_signature(data: bytes) -> bytes:
    """The revision before the signature (what the platform rendered, unsigned)."""
    end = data.index(b"%%EOF") + len(b"%%EOF")
    return data[:end] + b"\n"


PADES_CASES = {
    "genuine": (lambda d: d, "valid"),
    "annotation painted over the name": (lambda d: _incremental(d, _annotation_over_name), "modified_after_signing"),
    "crop box hiding the name": (lambda d: _incremental(d, _crop_box), "modified_after_signing"),
    "JavaScript added": (lambda d: _incremental(d, _javascript), "modified_after_signing"),
    "title changed in an incremental update": (lambda d: _incremental(d, _new_title), "modified_after_signing"),
    "trailing bytes": (lambda d: d + b"\n%% nothing to see here\n" + b"x" * 200, "appended_bytes"),
    "one byte changed": (_byte_flip, "altered"),
    "rewritten with another title": (lambda d: _rewrite(d, _new_title), "altered"),
    "annotation, file rewritten": (lambda d: _rewrite(d, _annotation_over_name), "altered"),
    "signature removed": (_strip_signature, "not_ours"),
    "signed by another key": (_other_key, "unknown_key"),
    "HTML renamed .pdf": (lambda d: b"<!doctype html><title>Chung nhan</title><p>Hop le</p>", "not_pdf"),
}


def _web_verdict(client, data: bytes) -> str:
    token = csrf_token(client, "/verify")
    page = client.post("/verify", data={"csrf_token": token, "f-file": (io.BytesIO(data), "chung-nhan.pdf")},
                       content_type="multipart/form-data")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _cli(app, tmp_path, data: bytes, *extra):
    path = tmp_path / "upload.pdf"
    path.write_bytes(data)
    return app.test_cli_runner().invoke(args=["verify-certificate", str(path), *extra])


def _sentence(code: str) -> str:
    from flask_babel import force_locale

    with force_locale("vi"):
        return str(REASONS[code])


@pytest.mark.parametrize("case", list(PADES_CASES))
def test_every_tampered_certificate_is_refused_by_the_page_and_the_command(case, genuine, app, client, tmp_path):
    cert, data = genuine
    make, expected = PADES_CASES[case]
    forged = make(data)
    assert verify_document(forged, public_keys()).code == expected
    page = _web_verdict(client, forged)
    result = _cli(app, tmp_path, forged)
    sentence = _sentence(expected)
    assert sentence in page and sentence in result.output
    if expected == "valid":
        assert NAME in page and cert.serial in page and "Còn giá trị" in page
        assert result.exit_code == 0 and NAME in result.output
    else:
        assert NAME not in page.split("<main", 1)[1]  # a refused file shows nothing it claims
        assert result.exit_code == 1 and "KHÔNG HỢP LỆ" in result.output


def test_the_signed_pdf_is_valid_and_unmodified_for_poppler_pdfsig(genuine, tmp_path):
    if shutil.which("pdfsig") is None:
        pytest.skip("pdfsig (poppler-utils) is not installed; `make test` installs it")
    _, data = genuine
    good = tmp_path / "good.pdf"
    good.write_bytes(data)
    report = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in report and "Total document signed" in report
    assert "ETSI.CAdES.detached" in report  # PAdES (ETSI EN 319 142-1), not adbe.pkcs7.detached
    assert "Common Name: Nền tảng học dịch vụ công trực tuyến\n" in report  # the signer, named in full
    edited = tmp_path / "edited.pdf"
    edited.write_bytes(_incremental(data, _annotation_over_name))
    report = subprocess.run(["pdfsig", str(edited)], capture_output=True, text=True).stdout
    assert "Not total document signed" in report


def test_pyhanko_validation_reports_the_document_unmodified(genuine):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    _, data = genuine
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    root = asn1_x509.Certificate.load(key_service.x509.load_pem_x509_certificate(
        current_signer().certificate_pem.encode()).public_bytes(key_service.serialization.Encoding.DER))
    from lms.certificates.verify import outside_event_loop

    status = outside_event_loop(validate_pdf_signature, PdfFileReader(io.BytesIO(data)).embedded_signatures[0],
                                ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE and status.docmdp_ok is not False


# --- certificates from before PAdES -----------------------------------------------------------


LEGACY_CASES = {
    "genuine, issued October 2026": (lambda d: d, "valid_legacy"),
    "annotation painted over the name": (lambda d: _rewrite(d, _annotation_over_name), "legacy_overlay"),
    "crop box hiding the name": (lambda d: _rewrite(d, _crop_box), "legacy_page_box"),
    "JavaScript added": (lambda d: _rewrite(d, _javascript), "legacy_script"),
    "trailing bytes": (lambda d: d + b"\n" + b"x" * 100, "appended_bytes"),
    "incremental update": (lambda d: _incremental(d, _annotation_over_name), "modified_after_signing"),
}


@pytest.mark.parametrize("case", list(LEGACY_CASES))
def test_certificates_from_before_pades_keep_verifying_and_their_forgeries_do_not(case, legacy, app, client, tmp_path):
    make, expected = LEGACY_CASES[case]
    forged = make(legacy)
    page = _web_verdict(client, forged)
    result = _cli(app, tmp_path, forged)
    assert _sentence(expected) in page and _sentence(expected) in result.output
    if expected == "valid_legacy":
        assert NAME in page and "DVC-2026-000042" in page and "Còn giá trị" in page
        assert result.exit_code == 0
    else:
        assert result.exit_code == 1


def test_the_first_versions_key_is_imported_once_and_published_as_retired(legacy, client):
    published = client.get("/.well-known/jwks.json").json["keys"]
    eddsa = [k for k in published if k["alg"] == "EdDSA"]
    es256 = [k for k in published if k["alg"] == "ES256"]
    assert len(eddsa) == 1 and eddsa[0]["valid_until"] is not None
    assert len(es256) == 1 and es256[0]["valid_until"] is None and es256[0]["x5c"]
    client.get("/.well-known/jwks.json")
    assert db.session.scalar(select(db.func.count(SigningKey.id))) == 2


# --- keys that rotate ---------------------------------------------------------------------


def test_rotation_keeps_what_the_retired_key_signed_and_refuses_what_it_signs_later(genuine, app, tmp_path):
    cert, before = genuine
    old_kid = current_signer().kid
    result = app.test_cli_runner().invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert current_signer().kid != old_kid
    after = services.pdf_for(cert)
    both = {verify_document(before, public_keys()).kid, verify_document(after, public_keys()).kid}
    assert both == {old_kid, current_signer().kid}
    assert verify_document(before, public_keys()).code == "valid"
    # A stolen retired key signing today is outside its period (the grace covers a few minutes).
    db.session.execute(update(SigningKey).where(SigningKey.kid == old_kid)
                       .values(valid_until=datetime.now() - timedelta(hours=2)))
    db.session.commit()
    retired_row = db.session.scalar(select(SigningKey).where(SigningKey.kid == old_kid))
    retired = key_service.Signer(kid=old_kid, algorithm="ES256",
                                 private_key=key_service._decrypt(old_kid, retired_row.private_pem),
                                 certificate_pem=retired_row.certificate_pem)
    late = sign_pdf(_strip_signature(after), retired)
    assert verify_document(late, public_keys()).code == "key_out_of_period"
    listed = app.test_cli_runner().invoke(args=["certificates", "keys"]).output
    assert old_kid in listed and current_signer().kid in listed


def test_servers_sharing_a_database_sign_with_the_same_keys(genuine, app, tmp_path, _template):
    """Two app servers, two instance folders, one database: a PDF from one verifies on the
    other, and a rotation on one is what the other signs with next."""
    from tests.conftest import make_test_app

    cert, data = genuine
    other_folder = tmp_path / "server-b"
    other_folder.mkdir()
    other = make_test_app(None, other_folder, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"]) \
        if _template is None else make_test_app(None, other_folder, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    assert not list(other_folder.glob("*.pem")) and not list(Path(app.instance_path).glob("*.pem"))
    with other.app_context():
        assert verify_document(data, public_keys()).code == "valid"
        rotated = other.test_cli_runner().invoke(args=["certificates", "rotate-key"])
        assert rotated.exit_code == 0
        new_kid = current_signer().kid
        db.session.remove()
    db.session.expire_all()
    assert current_signer().kid == new_kid
    fresh = services.pdf_for(db.session.get(Certificate, cert.id))
    with other.app_context():
        assert verify_document(fresh, public_keys()).kid == new_kid
        db.session.remove()


def test_the_signing_key_is_stored_encrypted(genuine):
    row = db.session.scalar(select(SigningKey).where(SigningKey.valid_until.is_(None)))
    assert row.private_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_offline_check_with_the_published_key_set_says_to_check_revocation_online(genuine, app, client, tmp_path):
    _, data = genuine
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(client.get("/.well-known/jwks.json").json), encoding="utf-8")
    result = _cli(app, tmp_path, data, "--keys", str(jwks))
    assert result.exit_code == 0
    assert "trực tuyến" in result.output and "/verify" in result.output
    forged = _incremental(data, _crop_box)
    assert _cli(app, tmp_path, forged, "--keys", str(jwks)).exit_code == 1


def test_the_issuer_profile_and_key_files_list_every_key_with_its_period(genuine, app, client):
    app.test_cli_runner().invoke(args=["certificates", "rotate-key"])
    profile = client.get("/issuer").json
    periods = [(m["validFrom"], m["validUntil"]) for m in profile["verificationMethod"]]
    assert len(periods) == 2 and periods[0][1] is not None and periods[1][1] is None
    assert periods[0][1] <= periods[1][0]
    pem = client.get("/.well-known/lms-certificate-key.pem").get_data(as_text=True)
    assert pem.count("BEGIN PUBLIC KEY") == 2 and "(current)" in pem


def test_a_genuine_pdf_of_a_revoked_certificate_says_revoked_with_date_and_category(genuine, app, client, tmp_path):
    cert, data = genuine
    services.revoke_certificate(None, cert, "Học viên nhờ người làm bài kiểm tra", "misconduct")
    db.session.commit()
    page = _web_verdict(client, data)
    assert _sentence("valid") in page  # the file itself is genuine...
    assert "Đã thu hồi" in page and "Gian lận hoặc vi phạm quy chế" in page  # ...the certificate no longer holds
    result = _cli(app, tmp_path, data)
    assert result.exit_code == 3 and "Đã thu hồi" in result.output and "Gian lận" in result.output
    assert result.output.startswith("ĐÃ THU HỒI:") and "HỢP LỆ" not in result.output


def test_what_a_citizen_meets_on_the_verify_page_and_the_command(genuine, app, client, tmp_path):
    """Field findings of the tester (issue 16): the headline states the current status, a file
    saved without .pdf is checked, codes typed with hyphens are found, the command says when a
    file is missing or a saved key set is out of date, and the signer is named in full."""
    cert, data = genuine
    token = csrf_token(client, "/verify")
    page = client.post("/verify", data={"csrf_token": token, "f-file": (io.BytesIO(data), "download")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "✓ Chứng nhận hợp lệ" in page.split('id="verdict"', 1)[1].split("</p>", 1)[0]
    assert 'id="verdict" tabindex="-1"' in page and "js/verdict.js" in page
    typed = "-".join([cert.code[:4], cert.code[4:8].lower(), cert.code[8:]])
    for entered in (typed, f"http://127.0.0.1:5000/verify/{cert.code}", cert.code.translate(
            {ord(c): ord(c) + 0xFEE0 for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"})):  # full-width
        answer = client.post("/verify", data={"csrf_token": token, "c-code": entered})
        assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/verify/{cert.code}"), entered
    missing = app.test_cli_runner().invoke(args=["verify-certificate", str(tmp_path / "khong-co.pdf")])
    assert missing.exit_code == 1 and "không có tệp này" in missing.output
    old_set = tmp_path / "jwks-cu.json"
    old_set.write_text(json.dumps(client.get("/.well-known/jwks.json").json), encoding="utf-8")
    app.test_cli_runner().invoke(args=["certificates", "rotate-key"])
    db.session.expire_all()
    newer = services.pdf_for(db.session.get(Certificate, cert.id))
    outdated = _cli(app, tmp_path, newer, "--keys", str(old_set))
    assert outdated.exit_code == 1 and "tải lại" in outdated.output and "bộ khoá đã lưu" in outdated.output
    services.revoke_certificate(None, db.session.get(Certificate, cert.id), "Cấp nhầm", "issued_in_error")
    db.session.commit()
    revoked = _web_verdict(client, data)
    headline = revoked.split('id="verdict"', 1)[1].split("</p>", 1)[0]
    assert "✗" in headline and "Giấy chứng nhận này đã bị thu hồi" in headline and "✓" not in headline
    assert 'class="result failed"' in revoked
