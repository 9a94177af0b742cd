"""Login slips never lock anyone out (issue 18, fault 1): signing up counts as signing in, a slip
never replaces a password its owner chose, and the page says who gets a slip before printing."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import issue_one_time_code
from lms.auth.slips import OWN_PASSWORD, SIGNED_IN, slip_decision
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import csrf_token, login, post_form

OWN_PASSWORD_TEXT = "cay bang truoc cong truong"


def _register(client, username, full_name, code="JOINA1XX"):
    response = post_form(client, "/register", {
        "join_code": code, "full_name": full_name, "username": username, "kind": "student",
        "password": OWN_PASSWORD_TEXT, "confirm": OWN_PASSWORD_TEXT}, page=f"/register?code={code}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _slips(client, org_code, include_all=False, confirm=True):
    data = {"org_code": org_code}
    if confirm:
        data["confirm"] = "yes"
    if include_all:
        data["include_all"] = "y"
    return post_form(client, "/admin/users/login-slips", data, page="/admin/users/login-slips").get_data(as_text=True)


def _has_slip(html, full_name):
    return f'<section class="slip" aria-label="{full_name}">' in html


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("has_password,must_change,signed_in,include_all,expected", [
    (False, False, False, False, None),            # made by a teacher or a roster: no password
    (True, True, False, False, None),              # an unused (or expired) one-time code
    (True, False, False, False, OWN_PASSWORD),     # registered before sign-up counted as sign-in
    (True, False, True, True, OWN_PASSWORD),       # "include all" never replaces a chosen password
    (False, True, True, False, SIGNED_IN),         # signed in with a code, password not chosen yet
    (False, True, True, True, None),               # ... which "include all" covers
    (True, True, True, False, SIGNED_IN),          # a code given after signing in
])
def test_the_slip_rule(has_password, must_change, signed_in, include_all, expected):
    assert slip_decision(has_password=has_password, must_change_password=must_change,
                         signed_in_before=signed_in, include_all=include_all) == expected


def test_a_self_registered_student_keeps_password_and_session_after_slips_for_the_class(
        app, client, sample_tree, make_user):
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    student = app.test_client()
    _register(student, "hs.tu.dang.ky", "Phạm Thu Trang")
    hash_before = _user("hs.tu.dang.ky").password_hash

    login(client, "gv.a1")
    for include_all in (False, True):
        assert not _has_slip(_slips(client, "SA-1", include_all), "Phạm Thu Trang")

    db.session.expire_all()
    stored = _user("hs.tu.dang.ky")
    assert stored.password_hash == hash_before and not stored.must_change_password
    # The session opened at sign-up is still open and not sent to choose a password.
    profile = student.get("/profile")
    assert profile.status_code == 200, profile.headers.get("Location")
    # And the password still signs in elsewhere.
    login(app.test_client(), "hs.tu.dang.ky", OWN_PASSWORD_TEXT)


def test_signing_up_counts_as_signing_in(client, sample_tree):
    _register(client, "hs.moi", "Đỗ Minh Quân")
    assert _user("hs.moi").last_login_at is not None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def test_the_page_says_who_gets_a_slip_and_who_keeps_their_password_before_printing(client, sample_tree, make_user):
    klass = sample_tree["class_a1"]
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", klass)])
    for n, name in enumerate(("Nguyễn Văn An", "Trần Thị Bình")):
        make_user(f"hs.moi{n}", org=klass, full_name=name, kind="student", password=None)
    # Registered before sign-up counted as a sign-in: a password, but no sign-in date.
    make_user("hs.cu", org=klass, full_name="Lê Thị Cúc", kind="student")
    waiting = make_user("hs.cho", org=klass, full_name="Vũ Văn Dũng", kind="student", password=None)
    waiting.last_login_at, waiting.must_change_password = utcnow() - timedelta(days=3), True
    db.session.commit()

    login(client, "gv.a1")
    preview = _slips(client, "SA-1", confirm=False)
    assert "2 người nhận phiếu; 1 người đã tự đặt mật khẩu và giữ nguyên." in preview
    assert "1 người đã từng đăng nhập" in preview
    for name in ("Nguyễn Văn An", "Trần Thị Bình", "Lê Thị Cúc", "Vũ Văn Dũng"):
        assert name in preview and not _has_slip(preview, name)
    assert "In 2 phiếu" in preview
    db.session.expire_all()
    assert _user("hs.moi0").password_hash is None  # nothing is issued before confirming

    printed = _slips(client, "SA-1")
    assert _has_slip(printed, "Nguyễn Văn An") and _has_slip(printed, "Trần Thị Bình")
    assert not _has_slip(printed, "Lê Thị Cúc") and not _has_slip(printed, "Vũ Văn Dũng")
    db.session.expire_all()
    assert _user("hs.moi0").must_change_password and not _user("hs.cu").must_change_password

    # "Also people who signed in before" adds the one without a password of his own, still
    # not the one who chose hers.
    again = _slips(client, "SA-1", include_all=True)
    assert _has_slip(again, "Vũ Văn Dũng") and not _has_slip(again, "Lê Thị Cúc")


def test_nobody_to_print_shows_no_print_button(client, sample_tree, make_user):
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    make_user("hs.cu", org=sample_tree["class_a1"], full_name="Lê Thị Cúc", kind="student")
    login(client, "gv.a1")
    page = _slips(client, "SA-1", include_all=True)  # even a forged confirmation prints nothing
    assert "Không ai ở đây cần phiếu." in page and 'name="confirm"' not in page
    db.session.expire_all()
    assert not _user("hs.cu").must_change_password


def test_a_password_chosen_between_preview_and_printing_is_kept(app, client, sample_tree, make_user):
    klass = sample_tree["class_a1"]
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", klass)])
    late = make_user("hs.muon", org=klass, full_name="Hồ Văn Muộn", kind="student", password=None)
    code = issue_one_time_code(late)
    db.session.commit()
    login(client, "gv.a1")
    assert "1 người nhận phiếu" in _slips(client, "SA-1", confirm=False)
    # Meanwhile the student signs in with the code and chooses a password.
    student = app.test_client()
    login(student, "hs.muon", code)
    post_form(student, "/password", {"password": OWN_PASSWORD_TEXT, "confirm": OWN_PASSWORD_TEXT})
    assert not _has_slip(_slips(client, "SA-1", include_all=True), "Hồ Văn Muộn")
    assert student.get("/profile").status_code == 200
