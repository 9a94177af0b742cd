"""Sign-ins, failed sign-ins, lockouts, sign-outs and password changes are in the audit log
(OWASP ASVS V7.2.1: log authentication decisions, never the secret), with Vietnamese labels."""

import json

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import PASSWORD, csrf_token, login, post_form


def _events(action):
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_sign_in_success_and_failure_are_recorded_without_the_password(any_db_app, make_user):
    user = make_user("hs.an")
    client = any_db_app.test_client()
    post_form(client, "/login", {"username": "HS.AN", "password": "sai-mat-khau-roi"})
    post_form(client, "/login", {"username": "khong.ai", "password": "sai-mat-khau-nua"})
    login(client, "hs.an")
    failed = _events("auth.login_failed")
    assert [e.detail["username"] for e in failed] == ["hs.an", "khong.ai"]
    assert failed[0].target_id == user.id and failed[1].target_id is None
    assert all(e.ip == "127.0.0.1" for e in failed)
    assert "sai-mat-khau" not in json.dumps([e.detail for e in failed])
    [ok] = _events("auth.login")
    assert ok.actor_id == user.id and ok.ip == "127.0.0.1" and PASSWORD not in json.dumps(ok.detail)


def test_lockout_is_recorded_once_per_window(any_db_app, make_user):
    any_db_app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    make_user("hs.an")
    client = any_db_app.test_client()
    statuses = [post_form(client, "/login", {"username": "hs.an", "password": "x"}).status_code for _ in range(6)]
    assert 429 in statuses
    lockouts = _events("auth.lockout")
    assert 1 <= len(lockouts) <= 2  # per address and per username, not per refused request
    assert len({e.detail["scope"] for e in lockouts}) == len(lockouts)
    assert all(e.detail["username"] == "hs.an" and e.ip == "127.0.0.1" for e in lockouts)


def test_sign_out_everywhere_and_password_change_are_recorded(any_db_app, make_user):
    user = make_user("hs.an")
    client = any_db_app.test_client()
    login(client, "hs.an")
    post_form(client, "/profile/sign-out-everywhere", {}, page="/profile")
    post_form(client, "/password", {"current": PASSWORD, "password": "mat khau moi day", "confirm": "mat khau moi day"})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    for action in ("auth.logout_everywhere", "user.password_changed", "auth.logout"):
        [event] = _events(action)
        assert event.actor_id == user.id


def test_audit_page_labels_sign_ins_in_vietnamese(client, make_user):
    make_user("admin", roles=[("admin", None)])
    post_form(client, "/login", {"username": "admin", "password": "sai-mat-khau-roi"})
    login(client, "admin")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Đăng nhập thất bại" in page and "Tên đăng nhập: admin" in page
