"""Personal data: export everything about me, ask for deletion, anonymisation."""

import json

from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.auth.models import User
from lms.extensions import db
from lms.privacy.services import DELETED_NAME
from tests.conftest import PASSWORD, csrf_token, login, post_form


def test_download_my_data_has_everything_and_only_mine(client, sample_tree, make_user):
    make_user("hs.hoa", full_name="Nguyễn Thị Hoà", org=sample_tree["class_a1"], phone="0912345678")
    make_user("hs.khac", full_name="Người Khác", org=sample_tree["class_a1"])
    login(client, "hs.hoa")
    assert client.post("/me/data").status_code == 400  # CSRF
    response = post_form(client, "/me/data", {}, page="/me/data")
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["full_name"] == "Nguyễn Thị Hoà" and data["profile"]["phone"] == "0912345678"
    assert data["unit"]["path"] == ["Tỉnh Mẫu", "Trường A", "Lớp A1"]
    assert {"courses", "quizzes", "certificates"} <= set(data)
    assert "Người Khác" not in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "privacy.export")) is not None


def test_my_data_page_says_in_vietnamese_what_every_section_of_the_download_holds(client, make_user):
    make_user("hs.xem")
    login(client, "hs.xem")
    page = client.get("/me/data").get_data(as_text=True)
    listed = page.split("<h1>", 1)[1].split("<ul>", 1)[1].split("</ul>", 1)[0]
    items = [item.strip() for item in listed.split("<li>")[1:]]
    items = [item.removesuffix("</li>").strip() for item in items]
    download = json.loads(post_form(client, "/me/data", {}, page="/me/data").get_data(as_text=True))
    # One phrase per section of the file, none of them the section's code.
    assert len(items) == len(set(download) - {"exported_at"})
    assert not set(items) & set(download)
    assert "thông báo của bạn và cách bạn muốn nhận thông báo" in items
    assert "đăng ký dự thi, câu trả lời và bài dự thi của bạn" in items


def test_export_needs_login(client):
    assert client.get("/me/data").status_code == 302


def test_deletion_request_cancel_and_execution(client, sample_tree, make_user):
    learner = make_user("hs.hoa", full_name="Nguyễn Thị Hoà", org=sample_tree["class_a1"], email="hoa@example.vn")
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    login(client, "hs.hoa")
    wrong = post_form(client, "/me/delete", {"password": "sai"}).get_data(as_text=True)
    assert "không phải mật khẩu" in wrong
    post_form(client, "/me/delete", {"password": PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, learner.id).deletion_requested_at is not None
    post_form(client, "/me/delete/cancel", {}, page="/me/delete")
    db.session.expire_all()
    assert db.session.get(User, learner.id).deletion_requested_at is None
    post_form(client, "/me/delete", {"password": PASSWORD})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "ql.a")
    assert "Nguyễn Thị Hoà" in client.get("/admin/privacy/deletions").get_data(as_text=True)
    post_form(client, f"/admin/privacy/deletions/{learner.id}", {}, page="/admin/privacy/deletions")
    db.session.expire_all()
    gone = db.session.get(User, learner.id)
    assert (gone.full_name, gone.username, gone.email, gone.password_hash) == (DELETED_NAME, f"deleted-{learner.id}", None, None)
    assert gone.deleted_at is not None and not gone.active
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == learner.id)))
    assert events and all(e.actor.full_name == DELETED_NAME for e in events)
    delete_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.delete"))
    assert "Hoà" not in json.dumps(delete_event.detail, ensure_ascii=False)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert post_form(client, "/login", {"username": "hs.hoa", "password": PASSWORD}).status_code == 200


def test_manager_outside_scope_cannot_execute(client, sample_tree, make_user):
    learner = make_user("hs.b", org=sample_tree["class_b1"])
    learner.deletion_requested_at = learner.created_at
    db.session.commit()
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    login(client, "ql.a")
    assert "hs.b" not in client.get("/admin/privacy/deletions").get_data(as_text=True)
    assert post_form(client, f"/admin/privacy/deletions/{learner.id}", {}, page="/admin/privacy/deletions").status_code == 404


def test_cli_processes_only_old_requests(app, sample_tree, make_user):
    from datetime import timedelta

    from lms.core.timeutil import utcnow

    old = make_user("hs.cu", org=sample_tree["class_a1"])
    new = make_user("hs.moi", org=sample_tree["class_a1"])
    old.deletion_requested_at = utcnow() - timedelta(days=8)
    new.deletion_requested_at = utcnow()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "process-deletions"])
    assert "Đã xoá (ẩn danh hoá) 1 tài khoản." in result.output
    db.session.expire_all()
    assert db.session.get(User, old.id).deleted_at is not None and db.session.get(User, new.id).deleted_at is None
