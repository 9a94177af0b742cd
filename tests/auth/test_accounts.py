"""Accounts: passwords, one-time codes, sign-in, registration with a join code, sessions."""

import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth import services
from lms.auth.models import User
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_password_rules(app):
    assert services.password_problem("ngan") is not None
    assert services.password_problem("12345678") is not None
    assert services.password_problem("hoa.nguyen", "hoa.nguyen") is not None
    assert services.password_problem("mat khau that dai") is None


def test_username_rules_and_normalisation(app):
    assert services.validate_username("hs.an") is None
    assert services.validate_username("Hoà") is not None
    assert services.validate_username("ab") is not None
    assert services.normalise_username("  HS.An ") == "hs.an"


def test_stored_password_is_a_kdf_hash_and_authentication_works(app, make_user):
    user = make_user("hs.an")
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    assert services.authenticate("HS.AN", PASSWORD).id == user.id
    assert services.authenticate("hs.an", "wrong-password") is None
    assert services.authenticate("khong.co", PASSWORD) is None


def test_one_time_code_works_once_and_expires(app, make_user):
    user = make_user("hs.an")
    code = services.issue_one_time_code(user)
    assert user.must_change_password and services.authenticate("hs.an", PASSWORD) is None
    assert services.authenticate("hs.an", code).id == user.id
    user.one_time_code_expires_at = utcnow() - timedelta(minutes=1)
    assert services.authenticate("hs.an", code) is None
    code = services.issue_one_time_code(user)
    assert services.record_sign_in(services.authenticate("hs.an", code)) is True  # spends it
    assert services.authenticate("hs.an", code) is None and user.must_change_password


def test_deactivated_accounts_cannot_sign_in(app, make_user):
    user = make_user("hs.an")
    user.active = False
    assert services.authenticate("hs.an", PASSWORD) is None


def test_login_logout_and_wrong_password_message(client, make_user):
    make_user("hs.an", full_name="Nguyễn Văn An")
    bad = post_form(client, "/login", {"username": "hs.an", "password": "sai-mat-khau"})
    assert bad.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in bad.get_data(as_text=True)
    login(client, "hs.an")
    assert "Nguyễn Văn An" in client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert "Nguyễn Văn An" not in client.get("/").get_data(as_text=True)


def test_login_is_rate_limited(app, client, make_user):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    make_user("hs.an")
    statuses = [post_form(client, "/login", {"username": "hs.an", "password": "x"}).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and 429 in statuses[3:]


def test_session_cookie_flags(client, make_user):
    make_user("hs.an")
    response = login(client, "hs.an")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_parameter_cannot_leave_the_site(client, make_user):
    make_user("hs.an")
    token = csrf_token(client, "/login")
    for target in ("https://evil.example/", "//evil.example", "\\\\evil.example"):
        response = client.post("/login", data={"csrf_token": token, "username": "hs.an", "password": PASSWORD,
                                               "next": target})
        assert response.headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        token = csrf_token(client, "/login")


def test_forms_without_csrf_are_refused(client, make_user):
    make_user("hs.an")
    assert client.post("/login", data={"username": "hs.an", "password": PASSWORD}).status_code == 400
    assert client.post("/register", data={"join_code": "X"}).status_code == 400


def test_register_with_join_code_stores_nfc_name(client, sample_tree):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    response = post_form(client, "/register?code=JOINA1XX", {
        "join_code": "joina1xx", "full_name": decomposed, "username": "hoa.nguyen", "kind": "student",
        "password": "mat khau rieng", "confirm": "mat khau rieng"}, page="/register?code=JOINA1XX")
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "hoa.nguyen"))
    assert user.full_name == "Nguyễn Thị Hoà" and unicodedata.is_normalized("NFC", user.full_name)
    assert user.org_id == sample_tree["class_a1"].id


def test_register_with_a_wrong_code_explains(client, sample_tree):
    page = post_form(client, "/register", {"join_code": "SAIMA123", "full_name": "A B", "username": "ab.c",
                                           "kind": "student", "password": "mat khau rieng",
                                           "confirm": "mat khau rieng"}).get_data(as_text=True)
    assert "Mã tham gia không đúng" in page
    assert db.session.scalar(select(User.id)) is None


def test_one_time_code_forces_a_new_password_first(client, make_user):
    user = make_user("hs.an")
    code = services.issue_one_time_code(user)
    db.session.commit()
    response = post_form(client, "/login", {"username": "hs.an", "password": code})
    assert response.headers["Location"].endswith("/password")
    assert client.get("/profile").headers["Location"].endswith("/password")
    post_form(client, "/password", {"current": code, "password": "mat khau moi day", "confirm": "mat khau moi day"})
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
    assert client.get("/profile").status_code == 200


def test_profile_edit_keeps_diacritics(client, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    post_form(client, "/profile", {"full_name": "Đỗ Quang Minh", "email": "", "phone": "0912 345 678",
                                   "date_of_birth": "2009-05-01", "locale": "vi"})
    user = db.session.scalar(select(User).where(User.username == "hs.an"))
    assert user.full_name == "Đỗ Quang Minh" and user.phone == "0912345678" and user.name_search == "do quang minh"


def test_grant_and_revoke_rules(app, make_user, sample_tree):
    admin = make_user("admin", roles=[("admin", None)])
    manager = make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    teacher = make_user("gv.a", org=sample_tree["school_a"])
    services.grant_role(manager, teacher, "teacher", sample_tree["class_a1"])
    with pytest.raises(ServiceError):
        services.grant_role(manager, teacher, "teacher", sample_tree["class_b1"])
    with pytest.raises(ServiceError):
        services.grant_role(manager, teacher, "admin")
    only_admin = next(r for r in admin.roles if r.role == "admin")
    with pytest.raises(ServiceError):
        services.revoke_role(admin, only_admin)
