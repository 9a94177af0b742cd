"""Which passwords may be chosen: NIST SP 800-63B §5.1.1.2 / OWASP ASVS V2.1. At least 8
characters after NFKC without invisible characters, at least 64 allowed, any Unicode, no
composition rules, but nothing common or trivially guessable; refusals explained in
Vietnamese, everywhere a password is chosen."""

import unicodedata

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from tests.conftest import PASSWORD, login, post_form

WEAK = ["aaaaaaaa", "qwertyuiop", "hanoi123", "\u200b" * 8, "\u200b \u200b \u200b \u200b ", "matkhau2026", "12345678",
        "\u200bhanoi\u200b123\u200b", "saigon2024", "password1"]
GOOD = [PASSWORD, "demo-dvc-2026", "mat khau rieng", "Cây đa đầu làng năm 1975",
        "tôi đi học bằng xe đạp điện", "x7#Kp!2vQz", "ngựa-đúng-pin-kẹp-ghim", "b" + "Zq8!w" * 50]
ENGLISH_FEEDBACK = ("easy to guess", "common password", "Add another word", "Avoid", "Repeats like")


def _register(client, password, username="hoa.nguyen", full_name="Nguyễn Thị Hoa"):
    return post_form(client, "/register?code=JOINA1XX", {
        "join_code": "JOINA1XX", "full_name": full_name, "username": username, "kind": "student",
        "password": password, "confirm": password}, page="/register?code=JOINA1XX")


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_at_registration_in_vietnamese(client, sample_tree, password):
    response = _register(client, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mật khẩu này quá dễ đoán" in page or "Mật khẩu phải có ít nhất 8 ký tự" in page
    assert not any(english in page for english in ENGLISH_FEEDBACK)
    assert db.session.scalar(select(User.id).where(User.username == "hoa.nguyen")) is None


@pytest.mark.parametrize("password", GOOD)
def test_good_passwords_are_accepted_and_sign_in(client, sample_tree, password):
    assert _register(client, password).status_code == 302
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, "hoa.nguyen", password)


def _token(client):
    from tests.conftest import csrf_token

    return csrf_token(client, "/")


def test_rules_count_visible_characters_and_allow_long_passwords(app):
    from lms.auth.services import password_problem

    assert password_problem(" " * 8) is not None  # the form already refuses it as empty
    assert password_problem("\u200b" * 8 + "abc") is not None
    assert password_problem("ﬀﬀﬀﬀ") is not None  # NFKC: "ffffffff", 8 characters but trivial
    assert password_problem("ngựa đúng pin kẹp ghim " * 2 + "x" * 18) is None  # 64 characters
    assert password_problem("a" * 257) is not None


def test_refusal_names_the_reason(client, sample_tree):
    assert "phím liền nhau" in _register(client, "qwertyuiop[]").get_data(as_text=True)
    assert "lặp lại hoặc dãy liên tiếp" in _register(client, "aaaaaaaaaaaa").get_data(as_text=True)
    assert "phổ biến nhất" in _register(client, "qwertyuiop").get_data(as_text=True)
    mine = _register(client, "nguyenthihoa", full_name="Nguyễn Thị Hoa").get_data(as_text=True)
    assert "chứa tên, tên đăng nhập, đơn vị của bạn" in mine


def test_accents_typed_either_way_sign_in(client, sample_tree):
    composed = "Cây đa đầu làng năm 1975"
    assert _register(client, composed).status_code == 302
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, "hoa.nguyen", unicodedata.normalize("NFD", composed))


def test_change_password_refuses_a_weak_one(any_db_app, make_user):
    make_user("hs.an", full_name="Nguyễn Văn An")
    client = any_db_app.test_client()
    login(client, "hs.an")
    page = post_form(client, "/password", {"current": PASSWORD, "password": "hanoi123",
                                           "confirm": "hanoi123"}).get_data(as_text=True)
    assert "Mật khẩu này quá dễ đoán" in page
    client.post("/logout", data={"csrf_token": _token(client)})
    login(client, "hs.an")  # the old password still works


def test_cli_create_user_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["create-user", "qt.vien", "--name", "Quản Trị Viên",
                                                "--password-stdin"], input="hanoi123\n")
    assert result.exit_code != 0 and "quá dễ đoán" in result.output
    assert db.session.scalar(select(User.id).where(User.username == "qt.vien")) is None
    good = app.test_cli_runner().invoke(args=["create-user", "qt.vien", "--name", "Quản Trị Viên",
                                              "--password-stdin"], input="mat khau quan tri vien\n")
    assert good.exit_code == 0, good.output
