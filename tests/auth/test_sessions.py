"""Sessions end when they should: a session cookie copied before logout, a password change,
an admin's one-time code, a deactivation or "sign out everywhere" no longer signs anyone in
(OWASP ASVS V3.3, session termination); sign-in starts a fresh session with a fresh CSRF
secret (ASVS V3.2.1, session fixation); one-time codes sign in once and expire."""

from datetime import timedelta

import pytest

from lms.auth import services
from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form


def _signed_in(client) -> bool:
    """The password page answers anyone signed in, even with a one-time code to replace."""
    return client.get("/password").status_code == 200


def _copy_of(app, client):
    """A second browser holding a copy of the first one's session cookie (the attacker's)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


@pytest.fixture
def learner(any_db_app, make_user):
    return make_user("hs.an", full_name="Nguyễn Văn An")


def test_logout_ends_a_copied_session(any_db_app, learner):
    client = any_db_app.test_client()
    login(client, "hs.an")
    thief = _copy_of(any_db_app, client)
    assert _signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_password_change_ends_other_sessions_but_keeps_this_one(any_db_app, learner):
    client = any_db_app.test_client()
    login(client, "hs.an")
    thief = _copy_of(any_db_app, client)
    response = post_form(client, "/password", {"current": PASSWORD, "password": "mat khau moi day",
                                                "confirm": "mat khau moi day"})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(thief)


def test_sign_out_everywhere_ends_every_other_session(any_db_app, learner):
    phone, laptop = any_db_app.test_client(), any_db_app.test_client()
    login(phone, "hs.an")
    login(laptop, "hs.an")
    thief = _copy_of(any_db_app, laptop)
    page = phone.get("/profile").get_data(as_text=True)
    assert "Đăng xuất khỏi mọi thiết bị khác" in page
    response = post_form(phone, "/profile/sign-out-everywhere", {}, page="/profile")
    assert response.status_code == 302
    assert _signed_in(phone)
    assert not _signed_in(laptop) and not _signed_in(thief)


def test_sign_out_everywhere_needs_csrf(any_db_app, learner):
    client = any_db_app.test_client()
    login(client, "hs.an")
    assert client.post("/profile/sign-out-everywhere").status_code == 400
    assert _signed_in(client)


@pytest.mark.parametrize("action", ["one-time-code", "active"])
def test_admin_reset_or_deactivation_ends_the_persons_sessions(any_db_app, learner, make_user, action):
    admin = make_user("admin", roles=[("admin", None)])
    victim = any_db_app.test_client()
    login(victim, "hs.an")
    thief = _copy_of(any_db_app, victim)
    staff = any_db_app.test_client()
    login(staff, admin.username)
    post_form(staff, f"/admin/users/{learner.id}/{action}", {}, page=f"/admin/users/{learner.id}")
    assert not _signed_in(victim) and not _signed_in(thief)
    assert _signed_in(staff)


def test_executed_deletion_ends_the_persons_sessions(any_db_app, learner, make_user):
    from lms.privacy.services import execute_deletion

    admin = make_user("admin", roles=[("admin", None)])
    client = any_db_app.test_client()
    login(client, "hs.an")
    execute_deletion(admin, learner)
    db.session.commit()
    assert not _signed_in(client)


def test_a_cookie_naming_only_the_user_id_is_refused(any_db_app, learner):
    """The format before session tokens (the user number alone), e.g. a cookie kept from before
    the upgrade, signs no one in."""
    client = any_db_app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(learner.id)
        sess["_fresh"] = True
    assert not _signed_in(client)


def test_csrf_token_from_before_sign_in_is_void_after(any_db_app, learner):
    client = any_db_app.test_client()
    before = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": before, "username": "hs.an", "password": PASSWORD})
    assert response.status_code == 302
    stale = client.post("/profile", data={"csrf_token": before, "full_name": "Kẻ Gian", "locale": "vi"})
    assert stale.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, learner.id).full_name == "Nguyễn Văn An"


def test_planted_session_data_does_not_survive_sign_in(any_db_app, learner):
    """Session fixation: whatever a visitor's cookie carried before sign-in is dropped."""
    client = any_db_app.test_client()
    with client.session_transaction() as sess:
        sess["practice_seen"] = {"planted": 1}
        sess["lang"] = "en"
    login(client, "hs.an")
    with client.session_transaction() as sess:
        assert "practice_seen" not in sess
        assert sess.get("lang") == "en"  # the chosen language is kept


def test_one_time_code_signs_in_once(any_db_app, learner):
    code = services.issue_one_time_code(learner)
    db.session.commit()
    first = any_db_app.test_client()
    response = post_form(first, "/login", {"username": "hs.an", "password": code})
    assert response.headers["Location"].endswith("/password")
    second = any_db_app.test_client()
    again = post_form(second, "/login", {"username": "hs.an", "password": code})
    assert again.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in again.get_data(as_text=True)
    # The first browser sets its own password without typing the spent code again.
    page = first.get("/password").get_data(as_text=True)
    assert 'name="current"' not in page
    done = post_form(first, "/password", {"password": "mat khau moi day", "confirm": "mat khau moi day"})
    assert done.status_code == 302
    assert _signed_in(first)
    login(any_db_app.test_client(), "hs.an", "mat khau moi day")


def test_expired_one_time_code_does_not_sign_in(any_db_app, learner):
    code = services.issue_one_time_code(learner)
    learner.one_time_code_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = post_form(any_db_app.test_client(), "/login", {"username": "hs.an", "password": code})
    assert response.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)


def test_reactivating_an_account_does_not_revive_its_old_sessions(any_db_app, learner, make_user):
    admin = make_user("admin", roles=[("admin", None)])
    victim = any_db_app.test_client()
    login(victim, "hs.an")
    staff = any_db_app.test_client()
    login(staff, admin.username)
    for _ in range(2):  # deactivate, then reactivate
        post_form(staff, f"/admin/users/{learner.id}/active", {}, page=f"/admin/users/{learner.id}")
    db.session.expire_all()
    assert db.session.get(User, learner.id).active
    assert not _signed_in(victim)


def test_people_imported_from_a_roster_get_distinct_session_tokens(app, sample_tree):
    """Roster import inserts people in bulk, past the model's constructor."""
    from sqlalchemy import select

    from lms.roster.parsing import parse_roster
    from lms.roster.services import apply_plan, plan_import

    roster = "Họ và tên,Mã đơn vị\nNguyễn Thị Hoà,SA-1\nTrần Văn An,SA-1\n"
    apply_plan(plan_import(parse_roster("r.csv", roster.encode()), None, None))
    db.session.commit()
    tokens = db.session.scalars(select(User.session_token)).all()
    assert len(tokens) == 2 and len(set(tokens)) == 2 and all(tokens)


def test_a_remember_me_cookie_copied_before_logout_is_refused(any_db_app, learner):
    """The site sets no remember-me cookie, but Flask-Login would honour one signed with the
    app's key: it carries get_id(), so it dies with the session token like the session."""
    from flask_login.utils import encode_cookie

    with any_db_app.test_request_context():
        remembered = encode_cookie(learner.get_id())
    client = any_db_app.test_client()
    client.set_cookie("remember_token", remembered)
    assert _signed_in(client)
    other = any_db_app.test_client()
    login(other, "hs.an")
    other.post("/logout", data={"csrf_token": csrf_token(other, "/")})
    thief = any_db_app.test_client()
    thief.set_cookie("remember_token", remembered)
    assert not _signed_in(thief)
