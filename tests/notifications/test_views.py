"""The notices page, the unread count in the header, following a notice, the settings page."""

import re
from datetime import timedelta

from sqlalchemy import select

from lms.core.timeutil import utcnow, vn_today
from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import Notification
from tests.conftest import csrf_token, login, post_form
from tests.notifications.conftest import assign


def header(html: str) -> str:
    return html.split("</header>")[0]


def test_header_count_list_newest_first_and_mark_all_read(client, world):
    assign(world, world.tree["class_a1"], due_on=vn_today() + timedelta(days=2), created_at=utcnow() - timedelta(days=4))
    services.scan(utcnow() - timedelta(days=3))  # "new assignment"
    services.scan()  # "due soon"
    db.session.commit()
    login(client, "hs.an")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/notifications/">Thông báo <span class="badge" data-unread="2">2'
                     r'<span class="sr-only"> chưa đọc</span>', header(home))
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("Chưa đọc</strong>") == 2  # unread said in words, not by colour alone
    assert page.index("Sắp đến hạn") < page.index("Khoá học mới được giao")  # newest first
    assert "Bạn được giao khoá học “Dịch vụ công trực tuyến”" in page and "Mở khoá học" in page
    assert client.post("/notifications/read-all").status_code == 400  # CSRF
    done = post_form(client, "/notifications/read-all", {}, page="/notifications/", follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Đã đánh dấu mọi thông báo là đã đọc." in html and "Chưa đọc</strong>" not in html
    assert 'class="badge"' not in header(html)


def test_following_a_notice_marks_it_read_and_leads_to_its_page(client, world):
    assign(world, world.tree["class_a1"], created_at=utcnow() - timedelta(hours=1))
    services.scan()
    db.session.commit()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == world.an.id))
    other = db.session.scalar(select(Notification).where(Notification.user_id == world.binh.id))
    login(client, "hs.an")
    response = client.get(f"/notifications/{notice.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/courses/dich-vu-cong/"
    db.session.expire_all()
    assert db.session.get(Notification, notice.id).read_at is not None
    assert client.get(f"/notifications/{other.id}/open").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, other.id).read_at is None


def test_pages_need_sign_in(client):
    for url in ("/notifications/", "/notifications/settings"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert 'href="/notifications/"' not in client.get("/").get_data(as_text=True)


def test_switching_a_kind_off_by_channel(client, world):
    login(client, "hs.an")
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert page.count('type="checkbox"') == 10 and page.count("checked") == 10
    assert "<legend>Sắp đến hạn</legend>" in page and "Qua email" in page and "Trên trang" in page
    token = csrf_token(client, "/notifications/settings")
    boxes = {f"{kind}__{channel}": "y" for kind in ("assignment_new", "due_soon", "overdue", "round_open",
                                                    "results_published") for channel in ("in_app", "email")}
    del boxes["round_open__email"]
    saved = client.post("/notifications/settings", data={"csrf_token": token, **boxes}, follow_redirects=True)
    assert "Đã lưu cài đặt thông báo." in saved.get_data(as_text=True)
    assert services.settings_of(world.an.id)[("round_open", "email")] is False
    assert services.settings_of(world.an.id)[("round_open", "in_app")] is True
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert page.count("checked") == 9
    everything_on = {**boxes, "round_open__email": "y"}
    assert client.post("/notifications/settings", data=everything_on).status_code == 400  # no CSRF token
    assert services.settings_of(world.an.id)[("round_open", "email")] is False


def test_the_settings_page_says_when_mail_cannot_reach_you(client, world, app):
    login(client, "hs.chi")
    assert "Trang web này chưa bật gửi email" in client.get("/notifications/settings").get_data(as_text=True)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "Tài khoản của bạn chưa có địa chỉ email" in page and 'href="/profile"' in page


def test_an_english_reader_reads_english(client, world):
    assign(world, world.tree["class_a1"], created_at=utcnow() - timedelta(hours=1))
    services.scan()
    db.session.commit()
    login(client, "hs.binh")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "You were assigned the course “Online public services”." in page and "Open the course" in page
