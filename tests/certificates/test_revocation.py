"""Revocation that holds everywhere (issue 16, point 2): a revoked certificate gets no new
signed artefact; the verification page, its JSON and the public W3C Bitstring Status List say
revoked with the date and category; a badge downloaded before still verifies offline, and the
offline check says to look the status up online."""

import dataclasses
import gzip
from datetime import timedelta

import jwt
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.certificates import statuslist
from lms.certificates.badges import build_credential, sign_credential, verify_badge
from lms.certificates.keys import PublicKey, Signer, keys_from_jwks
from lms.certificates.models import Certificate
from lms.core.timeutil import to_vn, utcnow
from lms.courses.models import Course
from lms.courses.services import mark_lesson_read, record_quiz_result
from lms.courses.sync import sync_content
from lms.extensions import db
from tests.certificates.ob3_schema import OB3_ACHIEVEMENT_CREDENTIAL
from tests.conftest import csrf_token, login

BASE = "http://127.0.0.1:5000"  # the development address: no LMS_PUBLIC_BASE_URL in tests


def _complete(learner, course):
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    record_quiz_result(learner, course, 90.0, passed=True)
    db.session.commit()
    return current(learner)


def current(learner):
    return db.session.scalar(select(Certificate).where(Certificate.user_id == learner.id,
                                                       Certificate.superseded_at.is_(None)))


@pytest.fixture
def world(app, content_dirs, make_user, sample_tree):
    """Two learners with a certificate each, and an admin."""
    sync_content(*content_dirs)
    db.session.commit()
    course = db.session.scalar(select(Course))
    hoa = make_user("hs.hoa", org=sample_tree["class_a1"], full_name="Nguyễn Thị Hoà", kind="student")
    binh = make_user("hs.binh", org=sample_tree["class_a1"], full_name="Lê Văn Bình", kind="student")
    make_user("admin", roles=[("admin", None)])
    return {"hoa": _complete(hoa, course), "binh": _complete(binh, course), "course": course,
            "learners": (hoa, binh)}


def revoke(client, cert, **data):
    token = csrf_token(client, "/certificates/admin")
    return client.post(f"/certificates/{cert.id}/revoke", data={"csrf_token": token, **data},
                       follow_redirects=True)


def _main(response) -> str:
    return response.get_data(as_text=True).split("<main", 1)[1].split("</main>")[0]


# --- the bitstring, without a database ------------------------------------------------------


def test_bitstring_sets_exactly_the_revoked_ids_most_significant_bit_first():
    bits = statuslist.bitstring([0, 9, 131_071])
    assert len(bits) * 8 == statuslist.MIN_BITS == 131_072  # the specification's minimum, 16 KiB
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000 and bits[-1] == 0b0000_0001
    assert sum(bin(b).count("1") for b in bits) == 3
    assert [i for i in range(20) if statuslist.is_set(bits, i)] == [0, 9]
    assert statuslist.bitstring([]) == bytes(16_384)
    # Past the minimum, the list grows by whole blocks (its length says little about volume).
    assert len(statuslist.bitstring([131_072])) * 8 == 2 * 131_072
    with pytest.raises(ValueError):
        statuslist.bitstring([-1])
    with pytest.raises(statuslist.StatusListError):
        statuslist.is_set(bits, 131_072)


def test_encoded_list_is_multibase_base64url_of_gzip_and_reads_back():
    bits = statuslist.bitstring([5, 42])
    encoded = statuslist.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    import base64

    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert gzip.decompress(raw) == bits  # plain GZIP, readable by any verifier
    assert statuslist.decode(encoded) == bits
    assert statuslist.encode(bits) == encoded  # same list, same bytes (cacheable)
    with pytest.raises(statuslist.StatusListError):
        statuslist.decode("zNotMultibase64url")


# --- revoking -------------------------------------------------------------------------------


def test_revoking_needs_a_category_and_the_error_names_it(world, client):
    cert = world["hoa"]
    login(client, "admin")
    page = client.get("/certificates/admin", query_string={"q": cert.serial}).get_data(as_text=True)
    assert 'name="category"' in page and "Gian lận hoặc vi phạm quy chế" in page and "Nhóm lý do" in page
    missing = revoke(client, cert, reason="Cấp nhầm khoá học")
    assert "Nhóm lý do: Hãy chọn nhóm lý do thu hồi" in missing.get_data(as_text=True)
    unknown = revoke(client, cert, reason="Cấp nhầm khoá học", category="because")
    assert "Hãy chọn nhóm lý do thu hồi" in unknown.get_data(as_text=True)
    db.session.expire_all()
    assert cert.revoked_at is None
    done = revoke(client, cert, reason="Cấp nhầm khoá học", category="issued_in_error")
    assert f"{cert.serial}" in done.get_data(as_text=True)
    db.session.expire_all()
    assert cert.status == "revoked" and cert.revoked_category == "issued_in_error"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert audit.detail["category"] == "issued_in_error" and audit.detail["reason"] == "Cấp nhầm khoá học"


def test_a_revoked_certificate_gets_no_new_pdf_or_badge(world, client):
    cert = world["hoa"]
    login(client, "admin")
    revoke(client, cert, reason="Người khác học hộ", category="wrong_person")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/certificates/mine")})
    login(client, "hs.hoa")
    for url in (f"/certificates/{cert.id}.pdf", f"/certificates/{cert.id}/badge.json",
                f"/certificates/{cert.id}/badge.jwt"):
        response = client.get(url)
        assert response.status_code == 410, url
        assert response.mimetype == "text/html" and not response.get_data().startswith(b"%PDF")
        text = _main(response)
        assert "Không thể tải chứng nhận này nữa" in text and "Cấp nhầm người" in text
        assert f"/verify/{cert.code}" in text
    mine = _main(client.get("/certificates/mine"))
    db.session.expire_all()
    day = to_vn(cert.revoked_at).strftime("%d/%m/%Y")
    assert f"Thu hồi ngày {day} — Cấp nhầm người" in mine
    assert f"/certificates/{cert.id}.pdf" not in mine and "badge.jwt" not in mine and "badge.json" not in mine
    # The other learner's valid certificate still downloads.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/certificates/mine")})
    login(client, "hs.binh")
    other = client.get(f"/certificates/{world['binh'].id}.pdf")
    assert other.status_code == 200 and other.get_data().startswith(b"%PDF")


def test_verify_page_and_json_give_the_date_and_category_in_vietnamese(world, client):
    cert = world["hoa"]
    login(client, "admin")
    revoke(client, cert, reason="Bài kiểm tra do người khác làm", category="misconduct")
    db.session.expire_all()
    day = to_vn(cert.revoked_at).date()
    page = _main(client.get(f"/verify/{cert.code}"))
    assert f"Thu hồi ngày {day:%d/%m/%Y} — Gian lận hoặc vi phạm quy chế" in page
    assert "Lý do: Bài kiểm tra do người khác làm" in page and "Đã thu hồi" in page
    data = client.get(f"/verify/{cert.code}.json").json
    assert data["status"] == "revoked" and data["revoked_on"] == day.isoformat()
    assert data["revoked_category"] == "misconduct"
    assert data["revoked_category_label"] == "Gian lận hoặc vi phạm quy chế"
    assert data["revoked_reason"] == "Bài kiểm tra do người khác làm" and data["serial"] == cert.serial
    valid = client.get(f"/verify/{world['binh'].code}.json").json
    assert valid["status"] == "valid" and valid["revoked_on"] is None and valid["revoked_category"] is None


def test_superseded_downloads_are_refused_and_point_to_the_new_version(world, client):
    old = world["hoa"]
    login(client, "admin")
    token = csrf_token(client, "/certificates/admin")
    client.post(f"/certificates/{old.id}/reissue", data={"csrf_token": token, "full_name": "Nguyễn Thị Hoà Bình"})
    db.session.expire_all()
    new = current(world["learners"][0])
    assert new.version == 2
    client.post("/logout", data={"csrf_token": token})
    login(client, "hs.hoa")
    for url in (f"/certificates/{old.id}.pdf", f"/certificates/{old.id}/badge.jwt"):
        response = client.get(url)
        assert response.status_code == 410
        text = _main(response)
        assert "đã được thay bằng phiên bản đính chính" in text and "phiên bản 2" in text
        assert f'href="/certificates/{new.id}.pdf"' in text
    assert client.get(f"/certificates/{new.id}.pdf").status_code == 200


# --- the status list and offline badges ------------------------------------------------------


def test_badge_carries_a_w3c_status_entry_and_still_validates_as_open_badges_3(world, client):
    cert = world["hoa"]
    login(client, "hs.hoa")
    credential = client.get(f"/certificates/{cert.id}/badge.json").json
    assert sorted(Draft202012Validator(OB3_ACHIEVEMENT_CREDENTIAL).iter_errors(credential), key=str) == []
    assert credential["credentialStatus"] == {
        "id": f"{BASE}/status/revocation#{cert.id}", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": str(cert.id),
        "statusListCredential": f"{BASE}/status/revocation"}


def test_status_list_is_a_signed_bitstring_credential(world, client):
    response = client.get("/status/revocation")  # anonymous: any verifier may fetch it
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert "max-age=300" in response.headers["Cache-Control"]
    token = response.get_data(as_text=True)
    keys = keys_from_jwks(client.get("/.well-known/jwks.json").json)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "ES256" and header["jku"] == f"{BASE}/.well-known/jwks.json"
    vc = jwt.decode(token, options={"verify_signature": False})["vc"]
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert vc["id"] == f"{BASE}/status/revocation" and vc["issuer"] == f"{BASE}/issuer" and vc["validFrom"]
    subject = vc["credentialSubject"]
    assert {k: subject[k] for k in ("id", "type", "statusPurpose")} == {
        "id": f"{BASE}/status/revocation#list", "type": "BitstringStatusList", "statusPurpose": "revocation"}
    assert len(statuslist.decode(subject["encodedList"])) * 8 >= 131_072
    assert statuslist.revoked(token, world["hoa"].id, keys) is False


def test_badge_downloaded_before_revocation_verifies_offline_but_the_list_says_revoked(world, client):
    hoa, binh = world["hoa"], world["binh"]
    login(client, "hs.hoa")
    badge = client.get(f"/certificates/{hoa.id}/badge.jwt").get_data(as_text=True)
    keys = keys_from_jwks(client.get("/.well-known/jwks.json").json)  # saved for offline use

    before = verify_badge(badge, keys)
    assert before["ok"] and before["reason_code"] == "valid"
    assert before["status_list"] == f"{BASE}/status/revocation" and before["status_index"] == hoa.id
    assert before["credential"]["credentialSubject"]["identifier"][0]["identityHash"] == "Nguyễn Thị Hoà"
    assert f"{BASE}/status/revocation" in before["note"] and f"/verify/{hoa.code}" in before["note"]
    assert not statuslist.revoked(client.get("/status/revocation").get_data(as_text=True), hoa.id, keys,
                                  expected_url=before["status_list"])

    client.post("/logout", data={"csrf_token": csrf_token(client, "/certificates/mine")})
    login(client, "admin")
    revoke(client, hoa, reason="Cấp nhầm", category="issued_in_error")

    after = verify_badge(badge, keys)
    assert after["ok"]  # the signature is as genuine as it was: only an online check can tell
    listed = client.get("/status/revocation").get_data(as_text=True)
    assert statuslist.revoked(listed, after["status_index"], keys, expected_url=after["status_list"]) is True
    assert statuslist.revoked(listed, binh.id, keys) is False  # only the revoked id's bit
    bits = statuslist.decode(jwt.decode(listed, options={"verify_signature": False})
                             ["vc"]["credentialSubject"]["encodedList"])
    assert [i for i in range(len(bits) * 8) if statuslist.is_set(bits, i)] == [hoa.id]


def test_offline_check_refuses_a_changed_badge_a_foreign_key_and_a_key_outside_its_period(world, client):
    cert = world["hoa"]
    login(client, "hs.hoa")
    badge = client.get(f"/certificates/{cert.id}/badge.jwt").get_data(as_text=True)
    keys = keys_from_jwks(client.get("/.well-known/jwks.json").json)
    header, payload, signature = badge.split(".")
    claims = jwt.decode(badge, options={"verify_signature": False})
    claims["vc"]["credentialSubject"]["identifier"][0]["identityHash"] = "Kẻ Giả Mạo"
    forged_payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode()
    assert verify_badge(f"{header}.{forged_payload}.{signature}", keys)["reason_code"] == "bad_signature"
    assert verify_badge("not a token", keys)["reason_code"] == "malformed"
    assert verify_badge(badge, [])["reason_code"] == "unknown_key"
    later = [dataclasses.replace(k, valid_from=utcnow() + timedelta(days=1)) for k in keys]
    result = verify_badge(badge, later)
    assert result == {**result, "ok": False, "reason_code": "key_out_of_period", "note": None}
    # A status list signed by someone else cannot answer for ours.
    from cryptography.hazmat.primitives.asymmetric import ec

    stranger = Signer(kid=keys[0].kid, algorithm="ES256", private_key=ec.generate_private_key(ec.SECP256R1()),
                      certificate_pem=None)
    fake = statuslist.sign(statuslist.build_credential([], base_url=BASE, issuer_id=f"{BASE}/issuer",
                                                       now=utcnow()), stranger, BASE)
    with pytest.raises(statuslist.StatusListError) as refused:
        statuslist.revoked(fake, cert.id, keys)
    assert refused.value.code == "bad_signature"


def test_a_badge_of_the_retired_eddsa_key_verifies_inside_its_period_only(world):
    """The first version's badges were EdDSA (Ed25519): still checked, with that key's algorithm."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    cert = world["hoa"]
    private = Ed25519PrivateKey.generate()
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    now = utcnow()
    retired = PublicKey(kid="legacy0000000001", algorithm="EdDSA", public_pem=pem, certificate_pem=None,
                        valid_from=now - timedelta(days=400), valid_until=now)
    credential = build_credential(cert, base_url=BASE, course_summary="", course_slug="dvc")
    badge = sign_credential(credential, Signer(retired.kid, "EdDSA", private, None), BASE)
    assert jwt.get_unverified_header(badge)["alg"] == "EdDSA"
    result = verify_badge(badge, [retired])
    assert result["ok"] and result["credential"] == credential and result["kid"] == retired.kid
    long_retired = dataclasses.replace(retired, valid_until=now - timedelta(days=30))
    assert verify_badge(badge, [long_retired])["reason_code"] == "key_out_of_period"
