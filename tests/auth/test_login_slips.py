"""Login slips never lock anyone out (issue 18, fault 1): signing up counts as signing in, a slip
never replaces a password its owner chose, and the page says who gets a slip before printing."""

from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from tests.conftest import csrf_token, login, post_form

OWN_PASSWORD = "cay bang truoc cong truong"


def _register(client, username, full_name, code="JOINA1XX"):
    response = post_form(client, "/register", {
        "join_code": code, "full_name": full_name, "username": username, "kind": "student",
        "password": OWN_PASSWORD, "confirm": OWN_PASSWORD}, page=f"/register?code={code}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def _print_slips(client, org_code, include_all=False):
    data = {"org_code": org_code, "confirm": "yes"}
    if include_all:
        data["include_all"] = "y"
    return post_form(client, "/admin/users/login-slips", data, page="/admin/users/login-slips")


def test_a_self_registered_student_keeps_password_and_session_after_slips_for_the_class(
        app, client, sample_tree, make_user):
    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    student = app.test_client()
    _register(student, "hs.tu.dang.ky", "Phạm Thu Trang")
    hash_before = db.session.scalar(select(User.password_hash).where(User.username == "hs.tu.dang.ky"))

    login(client, "gv.a1")
    for include_all in (False, True):
        page = _print_slips(client, "SA-1", include_all).get_data(as_text=True)
        assert "Phạm Thu Trang" not in page.split('class="slips"', 1)[-1]

    db.session.expire_all()
    stored = db.session.scalar(select(User).where(User.username == "hs.tu.dang.ky"))
    assert stored.password_hash == hash_before and not stored.must_change_password
    # The session opened at sign-up is still open and not sent to choose a password.
    home = student.get("/profile")
    assert home.status_code == 200, home.headers.get("Location")
    # And the password still signs in elsewhere.
    login(app.test_client(), "hs.tu.dang.ky", OWN_PASSWORD)


def test_signing_up_counts_as_signing_in(client, sample_tree):
    _register(client, "hs.moi", "Đỗ Minh Quân")
    assert db.session.scalar(select(User.last_login_at).where(User.username == "hs.moi")) is not None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
