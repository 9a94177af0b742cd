"""In Chromium, at 360×740 and on a desktop (issue 18): login slips that leave a signed-up
student signed in, the learner kind a hand-typed join code gives, a teacher's unit page without
the managers' buttons, and a password reset by email through a real SMTP server."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from lms.auth.models import RoleAssignment, User
from lms.auth.services import NewUser, create_user
from lms.extensions import db
from lms.orgs.services import create_org
from tests.browser.conftest import screenshot, sign_in
from tests.support.smtp import smtp_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
OWN = "mat khau rieng cua trang"
TEACHER_PASSWORD = "phan trang bang den"


@pytest.fixture(params=list(SIZES))
def size(request):
    return request.param


@pytest.fixture
def open_page(browser, size):
    """New browser windows (each its own cookies) at the test's size, with the CSP
    complaints they log."""
    contexts, complaints = [], []

    def new():
        context = browser.new_context(locale="vi-VN", viewport=SIZES[size])
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: "Content Security Policy" in m.text and complaints.append(m.text))
        return page

    new.complaints = complaints
    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def school(live_server):
    app, base = live_server
    school = create_org("THPT-X", "Trường THPT Xuân Đỉnh", "school")
    klass = create_org("THPT-X-10A1", "Lớp 10A1", "class", parent=school)
    klass.join_code = "LOP10A1X"
    teacher = create_user(NewUser(username="gv.lan", full_name="Phạm Thị Lan", kind="civil_servant", org=school,
                                  password=TEACHER_PASSWORD))
    db.session.add(RoleAssignment(user=teacher, role="teacher", org=klass))
    for username, name in (("hs.binh", "Trần Văn Bình"), ("hs.cuc", "Lê Thị Cúc")):
        create_user(NewUser(username=username, full_name=name, kind="student", org=klass))  # no password yet
    db.session.commit()
    return app, base, klass


def _no_sideways_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, (page.url, overflow)


def _register(page, base, username, name, code=None):
    page.goto(f"{base}/register" + (f"?code={code}" if code else ""))
    if not code:
        page.get_by_label("Mã tham gia").fill("lop10a1x")  # typed by hand, in lower case
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(OWN)
    page.get_by_label("Nhập lại mật khẩu").fill(OWN)
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo tài khoản").click()


def test_login_slips_say_who_gets_one_and_leave_a_signed_up_student_signed_in(school, open_page, size):
    app, base, klass = school
    student = open_page()
    _register(student, base, "hs.trang", "Phạm Thu Trang", code="LOP10A1X")

    teacher = open_page()
    sign_in(teacher, base, "gv.lan", TEACHER_PASSWORD)
    teacher.goto(f"{base}/admin/users/login-slips")
    # The class is picked from a list (a code box only for people with hundreds of units).
    teacher.locator("select[name=org_code]").select_option("THPT-X-10A1")
    with teacher.expect_navigation():
        teacher.get_by_role("button", name="Tạo phiếu").click()
    status = teacher.get_by_role("status").text_content()
    assert "2 người nhận phiếu; 1 người đã tự đặt mật khẩu và giữ nguyên." in status
    main = teacher.text_content("main")
    assert "Trần Văn Bình" in main and "Lê Thị Cúc" in main and "Phạm Thu Trang" in main
    _no_sideways_scroll(teacher)
    screenshot(teacher, f"login-slips-preview-{size}")

    with teacher.expect_navigation():
        teacher.get_by_role("button", name="In 2 phiếu").click()
    slips = teacher.locator("section.slip")
    assert slips.count() == 2
    assert teacher.locator('section.slip[aria-label="Phạm Thu Trang"]').count() == 0
    _no_sideways_scroll(teacher)
    screenshot(teacher, f"login-slips-printed-{size}")

    student.goto(f"{base}/profile")
    assert student.url == f"{base}/profile"  # still signed in, not sent to choose a password
    assert student.get_by_label("Họ và tên").input_value() == "Phạm Thu Trang"
    assert not open_page.complaints


def test_a_code_typed_by_hand_makes_a_student_who_can_correct_it(school, open_page, size):
    app, base, klass = school
    page = open_page()
    page.goto(f"{base}/register")
    assert page.get_by_label("Tôi là").is_visible()  # the code is not known yet
    _no_sideways_scroll(page)
    screenshot(page, f"register-typed-code-{size}")
    _register(page, base, "hs.quan", "Đỗ Minh Quân")
    assert "Bạn được ghi nhận là: Học sinh, sinh viên" in page.text_content("main")
    assert db.session.scalar(select(User.kind).where(User.username == "hs.quan")) == "student"

    page.goto(f"{base}/profile")
    kind = page.get_by_label("Tôi là")
    assert kind.input_value() == "student"
    _no_sideways_scroll(page)
    screenshot(page, f"profile-kind-{size}")
    kind.select_option("citizen")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu").click()
    db.session.expire_all()
    assert db.session.scalar(select(User.kind).where(User.username == "hs.quan")) == "citizen"

    other = open_page()
    other.goto(f"{base}/register?code=LOP10A1X")
    assert "Tôi là: Học sinh, sinh viên" in other.text_content("main")
    assert other.locator('select[name="kind"]').count() == 0
    screenshot(other, f"register-with-code-{size}")
    assert not open_page.complaints


def test_a_teacher_sees_the_class_and_join_code_without_structure_buttons(school, open_page, size):
    app, base, klass = school
    page = open_page()
    sign_in(page, base, "gv.lan", TEACHER_PASSWORD)
    page.goto(f"{base}/admin/orgs/{klass.id}")
    main = page.text_content("main")
    assert "LOP10A1X" in main and "Tạo mã tham gia mới" in main
    for heading in ("Thêm đơn vị trực thuộc", "Chuyển đơn vị", "Sửa"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 0, heading
    screenshot(page, f"orgs-teacher-class-{size}")
    assert not open_page.complaints


@pytest.fixture
def mail_site(school, smtp_server):  # noqa: F811
    app, base, klass = school
    smtp_server.configure(app)
    app.config["PUBLIC_BASE_URL"] = base  # the link in the mail opens this test server
    user = db.session.scalar(select(User).where(User.username == "hs.binh"))
    user.email = "binh.tran@example.vn"
    db.session.commit()
    return app, base, smtp_server


def test_forgot_password_by_email_then_sign_in(mail_site, open_page, size):
    app, base, mail = mail_site
    page = open_page()
    page.goto(f"{base}/login")
    with page.expect_navigation():
        page.get_by_role("link", name="Quên mật khẩu?").click()
    # autofocus lands once the page has rendered
    page.wait_for_function("document.activeElement && document.activeElement.name === 'identifier'", timeout=5000)
    _no_sideways_scroll(page)
    screenshot(page, f"forgot-password-{size}")
    page.get_by_label("Tên đăng nhập hoặc email").fill("Binh.Tran@example.vn")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Hãy kiểm tra email" in page.text_content("h1")
    _no_sideways_scroll(page)
    screenshot(page, f"forgot-password-sent-{size}")

    message = mail.wait_for(1)[0]
    link = re.search(r"\S+/reset-password/\S+", mail.text_of(message)).group(0)
    assert link.startswith(base)
    letter = open_page()
    letter.set_content(mail.html_of(message))  # the HTML part as a mail client shows it
    assert letter.get_by_role("link", name="Chọn mật khẩu mới").get_attribute("href") == link
    _no_sideways_scroll(letter)
    screenshot(letter, f"reset-password-email-{size}")
    page.goto(link)
    assert "Cho tài khoản hs.binh." in page.text_content("main")
    page.get_by_label("Mật khẩu mới", exact=True).fill("12345678")
    page.get_by_label("Nhập lại mật khẩu mới").fill("12345678")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu mật khẩu mới").click()
    assert page.get_by_label("Mật khẩu mới", exact=True).get_attribute("aria-invalid") == "true"
    _no_sideways_scroll(page)
    screenshot(page, f"reset-password-refused-{size}")
    page.get_by_label("Mật khẩu mới", exact=True).fill("buoi sang co suong mu")
    page.get_by_label("Nhập lại mật khẩu mới").fill("buoi sang co suong mu")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu mật khẩu mới").click()
    assert page.url == f"{base}/login"
    assert "Mật khẩu mới đã được lưu" in page.text_content("body")
    sign_in(page, base, "hs.binh", "buoi sang co suong mu")
    assert page.url == f"{base}/"

    spent = open_page()
    spent.goto(link)
    assert "Liên kết này không còn dùng được" in spent.text_content("h1")
    _no_sideways_scroll(spent)
    screenshot(spent, f"reset-password-spent-{size}")
    assert not open_page.complaints
