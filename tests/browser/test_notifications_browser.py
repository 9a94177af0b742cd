"""Reminders in a real browser, on a phone (360x740) and a desktop: a learner sees the unread
count in the header, opens the notices, follows one, switches a kind off, marks all read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.auth.services import NewUser, create_user
from lms.core.timeutil import utcnow, vn_today
from lms.courses.models import Assignment, Course, Lesson
from lms.extensions import db
from lms.notifications import services
from lms.orgs.services import create_org
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

PASSWORD = "mat khau cua hoc sinh"
SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}


def _build() -> int:
    school = create_org("THPT-X", "Trường THPT Xuân Đỉnh", "school")
    klass = create_org("THPT-X-10A1", "Lớp 10A1", "class", parent=school)
    learner = create_user(NewUser(username="hs.hoa", full_name="Nguyễn Thị Hoà", kind="student", org=klass,
                                  email="hoa@example.vn", password=PASSWORD))
    courses = []
    for slug, title in (("dich-vu-cong", "Dịch vụ công trực tuyến"), ("vneid", "Tài khoản định danh điện tử VNeID")):
        course = Course(slug=slug, title=title, lesson_count=1)
        db.session.add(course)
        db.session.flush()
        db.session.add(Lesson(course_id=course.id, slug="gioi-thieu", position=1, title="Giới thiệu"))
        courses.append(course)
    now = utcnow()
    db.session.add(Assignment(course_id=courses[0].id, org_id=klass.id, due_on=vn_today() + timedelta(days=14),
                              created_at=now - timedelta(hours=2)))
    db.session.add(Assignment(course_id=courses[1].id, org_id=klass.id, due_on=vn_today() + timedelta(days=2),
                              created_at=now - timedelta(days=10)))
    db.session.flush()
    services.scan(now)
    db.session.commit()
    return learner.id


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_learner_reads_notices_and_switches_a_kind_off(browser, live_server, size):
    app, base = live_server
    learner_id = _build()
    context = browser.new_context(locale="vi-VN", viewport=SIZES[size])
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    try:
        sign_in(page, base, "hs.hoa", PASSWORD)
        page.goto(f"{base}/")
        entry = page.get_by_role("link", name="Thông báo 2 chưa đọc")
        assert entry.is_visible()
        screenshot(page, f"notifications-header-{size}")
        entry.click()
        page.wait_for_url(f"{base}/notifications/")
        items = page.locator("ol.notif-list > li")
        assert items.count() == 2
        assert page.locator("ol.notif-list .notif-new").all_inner_texts() == ["Chưa đọc", "Chưa đọc"]
        assert "Khoá học “Tài khoản định danh điện tử VNeID” đến hạn ngày" in items.nth(0).inner_text()
        assert "Bạn được giao khoá học “Dịch vụ công trực tuyến”" in items.nth(1).inner_text()
        assert _overflow(page) <= 0
        screenshot(page, f"notifications-list-{size}")

        # Following a notice opens its course and marks it read.
        items.nth(1).get_by_role("link", name="Mở khoá học").click()
        page.wait_for_url(f"{base}/courses/dich-vu-cong/")
        assert page.get_by_role("link", name="Thông báo 1 chưa đọc").is_visible()

        # Switch "due soon" mails off, with the keyboard.
        page.goto(f"{base}/notifications/")
        page.get_by_role("link", name="Chọn loại thông báo muốn nhận").click()
        page.wait_for_url(f"{base}/notifications/settings")
        box = page.get_by_role("group", name="Sắp đến hạn").get_by_role("checkbox", name="Qua email")
        assert box.is_checked()
        box.focus()
        page.keyboard.press("Space")
        assert not box.is_checked()
        assert _overflow(page) <= 0
        screenshot(page, f"notification-settings-{size}")
        page.get_by_role("button", name="Lưu").click()
        page.wait_for_url(f"{base}/notifications/settings")
        assert "Đã lưu cài đặt thông báo." in page.text_content("main")
        assert not page.get_by_role("group", name="Sắp đến hạn").get_by_role("checkbox", name="Qua email").is_checked()
        assert page.get_by_role("group", name="Sắp đến hạn").get_by_role("checkbox", name="Trên trang").is_checked()
        assert services.settings_of(learner_id)[("due_soon", "email")] is False

        # Mark all read: the count leaves the header.
        page.get_by_role("link", name="Quay lại danh sách thông báo").click()
        page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
        page.wait_for_url(f"{base}/notifications/")
        assert page.locator("ol.notif-list .notif-new").count() == 0
        assert page.get_by_role("link", name="Thông báo", exact=True).is_visible()
        screenshot(page, f"notifications-read-{size}")
        assert not [p for p in problems if "Content Security Policy" in p], problems
    finally:
        context.close()


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
