"""A manager's drill-down in a real browser: province → commune → school → class → learners."""

from __future__ import annotations

from datetime import datetime

from lms.auth.models import RoleAssignment
from lms.auth.services import NewUser, create_user
from lms.courses.models import Assignment, Course, Enrollment, Lesson, LessonProgress
from lms.extensions import db
from lms.orgs.services import create_org
from lms.reports.services import vn_today
from tests.browser.conftest import screenshot, sign_in

PASSWORD = "mat khau quan ly"


def _build():
    province = create_org("P", "Tỉnh Mẫu", "province")
    commune = create_org("XA", "Xã An Bình", "commune", parent=province)
    school = create_org("SA", "Trường Tiểu học An Bình", "school", parent=commune)
    klass = create_org("SA-5A", "Lớp 5A", "class", parent=school)
    other = create_org("SB", "Trường B", "school", parent=commune)
    course = Course(slug="dvc", title="Dịch vụ công trực tuyến", lesson_count=2)
    db.session.add(course)
    db.session.flush()
    lessons = [Lesson(course_id=course.id, slug=f"bai-{i}", position=i, title=f"Bài {i}") for i in (1, 2)]
    db.session.add_all(lessons)
    db.session.add(Assignment(course_id=course.id, org_id=commune.id, due_on=vn_today()))
    hang = create_user(NewUser(username="hs.hang", full_name="Nguyễn Thị Hằng", kind="student", org=klass,
                               password=PASSWORD))
    create_user(NewUser(username="hs.khoi", full_name="Trần Minh Khôi", kind="student", org=klass,
                        password=PASSWORD))
    create_user(NewUser(username="hs.lan", full_name="Lê Thị Lan", kind="student", org=other, password=PASSWORD))
    db.session.flush()
    db.session.add_all([LessonProgress(user_id=hang.id, lesson_id=lesson.id, read_at=datetime(2026, 3, 2))
                        for lesson in lessons])
    db.session.add(Enrollment(user_id=hang.id, course_id=course.id, started_at=datetime(2026, 3, 1),
                              completed_at=datetime(2026, 3, 5), score=95.0, quiz_score=95.0))
    boss = create_user(NewUser(username="ql.tinh", full_name="Quản Lý Tỉnh", org=province, password=PASSWORD))
    db.session.add(RoleAssignment(user=boss, role="manager", org=province))
    db.session.commit()


def test_manager_drills_down_to_learners(live_server, page):
    app, base = live_server
    _build()
    sign_in(page, base, "ql.tinh", PASSWORD)
    page.goto(f"{base}/")
    page.get_by_text("Quản lý", exact=True).click()  # the "Manage" fold-out of the menu
    page.get_by_role("link", name="Báo cáo").click()
    page.wait_for_url("**/reports/org/P")  # a single unit in scope opens straight away
    page.locator("table.report-table").first.get_by_role("link", name="Xã An Bình").click()
    page.wait_for_url("**/reports/org/XA")
    assert page.get_by_role("link", name="Trường B").count() >= 1
    screenshot(page, "reports-drilldown-commune")
    page.locator("table.report-table").first.get_by_role("link", name="Trường Tiểu học An Bình").click()
    page.wait_for_url("**/reports/org/SA")
    page.locator("table.report-table").first.get_by_role("link", name="Lớp 5A").click()
    page.wait_for_url("**/reports/org/SA-5A")
    body = page.locator("main")
    assert body.get_by_role("rowheader", name="Nguyễn Thị Hằng").count() == 1
    assert body.get_by_role("rowheader", name="Trần Minh Khôi").count() == 1
    assert "Lê Thị Lan" not in body.inner_text()  # another school's learner
    # Breadcrumb leads back up; the SVG charts are there with accessible names.
    crumbs = page.get_by_role("navigation", name="Breadcrumb").or_(page.locator("nav.report-breadcrumb"))
    assert "Tỉnh Mẫu" in crumbs.first.inner_text()
    assert page.locator("svg[role=img]").count() >= 2
    screenshot(page, "reports-drilldown-class")
    page.goto(f"{base}/reports/class/SA-5A")
    matrix = page.locator("table.report-matrix")
    assert "Trần Minh Khôi" in matrix.inner_text()
    assert matrix.locator("td.mark").count() == 4  # 2 students x 2 lessons
    assert "✓" in matrix.inner_text()
    # Khôi read fewer lessons than the class median: flagged behind, in words.
    behind = matrix.locator("tr.is-behind")
    assert behind.count() == 1 and "Trần Minh Khôi" in behind.inner_text()
    assert behind.locator("strong.flag").count() == 1
    screenshot(page, "reports-class-matrix")
