"""Certificates: issued once at completion, verifiable online and offline, revocable."""

import io

import jwt
import pypdfium2
import zxingcpp
from jsonschema import Draft202012Validator
from pypdf import PdfReader
from sqlalchemy import func, select

from lms.certificates import services
from lms.certificates.keys import public_keys
from lms.certificates.models import Certificate
from lms.certificates.verify import verify_document
from lms.courses.services import mark_lesson_read, record_quiz_result
from lms.extensions import db
from tests.certificates.conftest import NAME
from tests.certificates.ob3_schema import OB3_ACHIEVEMENT_CREDENTIAL
from tests.conftest import csrf_token, login


def current(learner):
    return db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id,
                                                       Certificate.superseded_at.is_(None)))


def test_issued_once_with_serial_and_code(completed):
    learner, course = completed
    cert = current(learner)
    assert cert.serial.startswith("DVC-") and cert.serial.endswith("-000001")
    assert len(cert.code) == 12 and cert.full_name == NAME and cert.score == 90.0
    record_quiz_result(learner, course, 95.0, passed=True)  # completion is recorded once
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_pdf_has_the_name_with_diacritics_and_a_qr_to_the_verify_page(completed):
    learner, _ = completed
    cert = current(learner)
    data = services.pdf_for(cert)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert NAME in text and cert.serial in text
    page = pypdfium2.PdfDocument(data)[0]
    assert round(page.get_width()) == 842 and round(page.get_height()) == 595  # A4 landscape
    codes = [r.text for r in zxingcpp.read_barcodes(page.render(scale=3).to_pil())]
    assert codes == [f"http://127.0.0.1:5000/verify/{cert.code}"]
    fonts = {str(f["/BaseFont"]) for f in _fonts(data)}
    assert all("+" in f for f in fonts if "Helvetica" not in f)  # embedded subsets


def _fonts(data):
    reader = PdfReader(io.BytesIO(data))
    return [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]


def test_public_page_shows_status_and_nothing_private(completed, client):
    learner, _ = completed
    cert = current(learner)
    page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>")[0]
    assert NAME in main and cert.course_title in main
    assert "hs.hoa" not in main and "90" not in main and "Lớp A1" not in main  # no username, score or class
    unknown = client.get("/verify/AAAAAAAAAAAA")
    assert unknown.status_code == 404
    near_miss = client.get("/verify/" + cert.code[:-1] + ("Z" if cert.code[-1] != "Z" else "Y"))
    main = lambda r: r.get_data(as_text=True).split("<main", 1)[1]  # noqa: E731
    assert near_miss.status_code == 404 and main(near_miss) == main(unknown)


def test_revoke_and_reissue_show_on_verify_immediately(completed, client, make_user):
    learner, _ = completed
    make_user("admin", roles=[("admin", None)])
    cert = current(learner)
    login(client, "admin")
    token = csrf_token(client, "/certificates/admin")
    client.post(f"/certificates/{cert.id}/reissue", data={"csrf_token": token, "full_name": "Nguyễn Thị Hòa Bình"})
    db.session.expire_all()
    newer = current(learner)
    assert newer.serial == cert.serial and newer.version == 2 and newer.code != cert.code
    old_page = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "phiên bản mới" in old_page and f'href="/verify/{newer.code}"' in old_page  # points to the current one
    client.post(f"/certificates/{newer.id}/revoke", data={"csrf_token": token, "reason": "Cấp nhầm", "category": "issued_in_error"})
    page = client.get(f"/verify/{newer.code}").get_data(as_text=True)
    assert "Cấp nhầm" in page
    assert client.get(f"/verify/{newer.code}.json").json["status"] == "revoked"


def test_learner_downloads_only_their_own(completed, client, make_user, sample_tree):
    learner, _ = completed
    cert = current(learner)
    make_user("hs.khac", org=sample_tree["class_b1"])
    login(client, "hs.khac")
    assert client.get(f"/certificates/{cert.id}.pdf").status_code == 404
    assert client.get(f"/certificates/{cert.id}/badge.jwt").status_code == 404


def test_open_badge_credential_validates_and_its_signature_verifies(completed, client):
    learner, _ = completed
    cert = current(learner)
    login(client, "hs.hoa")
    credential = client.get(f"/certificates/{cert.id}/badge.json").json
    errors = sorted(Draft202012Validator(OB3_ACHIEVEMENT_CREDENTIAL).iter_errors(credential), key=str)
    assert errors == []
    token = client.get(f"/certificates/{cert.id}/badge.jwt").get_data(as_text=True)
    jwks = client.get("/.well-known/jwks.json").json
    header = jwt.get_unverified_header(token)
    current_key = [k for k in jwks["keys"] if k["valid_until"] is None]
    assert len(current_key) == 1
    assert header["alg"] == "ES256" and header["kid"] == current_key[0]["kid"]
    assert jwt.PyJWKSet.from_dict(jwks)[header["kid"]].key is not None  # a generic JWKS lookup finds it
    key = jwt.PyJWK(current_key[0])
    claims = jwt.decode(token, key.key, algorithms=["ES256"])
    assert claims["vc"] == credential and claims["jti"] == credential["id"]
    assert claims["vc"]["credentialSubject"]["identifier"][0]["identityHash"] == NAME


def test_serials_count_up_per_year(app):
    first = services.next_serial(2026)
    second = services.next_serial(2026)
    other_year = services.next_serial(2027)
    assert (first, second, other_year) == ("DVC-2026-000001", "DVC-2026-000002", "DVC-2027-000001")


def test_templates_per_unit_change_wording_and_images_without_code(completed, app, sample_tree, make_user):
    from pathlib import Path

    from PIL import Image

    _, course = completed
    folder = Path(app.instance_path) / "certificate-templates" / "org-SA"
    folder.mkdir(parents=True)
    Image.new("RGB", (120, 120), (10, 90, 160)).save(folder / "logo.png")
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(folder / "chu-ky.png")
    (folder / "template.yaml").write_text(
        "title: CHỨNG NHẬN HOÀN THÀNH\nissuer_name: Trường A\nsigner_name: Lê Thị Mai\nsigner_title: Hiệu trưởng\n"
        "place: Hà Nội\naccent: '#0b4f9c'\nlogo: logo.png\nsignature: chu-ky.png\nbackground: ../../secret_key\n",
        encoding="utf-8")
    learner = make_user("hs.moi", org=sample_tree["class_a1"], full_name="Đinh Thị Ngọc Ánh")
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    record_quiz_result(learner, course, 88.0, passed=True)  # completion issues it with the school's template
    db.session.commit()
    cert = current(learner)
    assert (cert.template, cert.issuer_name, cert.signer_name) == ("org-SA", "Trường A", "Lê Thị Mai")
    assert services.load_template(course, learner.org).background is None  # files outside the folder are refused
    data = services.pdf_for(cert)
    reader = PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "CHỨNG NHẬN HOÀN THÀNH" in text and "Đinh Thị Ngọc Ánh" in text and "HIỆU TRƯỞNG" in text and "Hà Nội" in text
    images = [o for o in reader.pages[0]["/Resources"]["/XObject"].values() if o.get_object()["/Subtype"] == "/Image"]
    assert len(images) >= 2
    verdict = verify_document(data, public_keys())
    assert verdict.code == "valid", verdict.detail
