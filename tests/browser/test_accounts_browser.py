"""In a real browser: join a class with its code, sign out, sign in; keyboard; small screens."""

import unicodedata

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.orgs.services import create_org
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def school(live_server):
    app, base = live_server
    school = create_org("THPT-X", "Trường THPT Xuân Đỉnh", "school")
    klass = create_org("THPT-X-10A1", "Lớp 10A1", "class", parent=school)
    klass.join_code = "LOP10A1X"
    db.session.commit()
    return base


def test_register_with_join_code_sign_out_and_in(page, school):
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.goto(f"{school}/register?code=LOP10A1X")
    assert "Lớp 10A1" in page.text_content("main")
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Hoà")
    page.get_by_label("Tên đăng nhập").fill("hoa.nguyen")
    page.get_by_label("Mật khẩu", exact=True).fill("mat khau rieng cua hoa")
    page.get_by_label("Nhập lại mật khẩu").fill("mat khau rieng cua hoa")
    page.get_by_role("button", name="Tạo tài khoản").click()
    page.wait_for_url(f"{school}/")
    assert "Nguyễn Thị Hoà" in page.text_content("body")
    screenshot(page, "home-signed-in")
    page.get_by_role("button", name="Đăng xuất").click()
    assert "Đăng nhập" in page.text_content("header")
    page.get_by_role("link", name="Đăng nhập").first.click()
    page.get_by_label("Tên đăng nhập").fill("hoa.nguyen")
    page.get_by_label("Mật khẩu").fill("mat khau rieng cua hoa")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{school}/")
    assert "Xin chào, Nguyễn Thị Hoà" in page.text_content("h1")
    name = db.session.scalar(select(User.full_name).where(User.username == "hoa.nguyen"))
    assert name == "Nguyễn Thị Hoà" and unicodedata.is_normalized("NFC", name)
    assert not [m for m in messages if "Content Security Policy" in m]


def test_keyboard_skip_link_and_error_tied_to_the_field(page, school):
    page.goto(f"{school}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Bỏ qua, đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(f"{school}/login")  # the username field has autofocus
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'", timeout=5000)
    page.get_by_label("Tên đăng nhập").fill("khong.co")
    page.keyboard.press("Tab")
    page.keyboard.type("sai mat khau")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    password = page.get_by_label("Mật khẩu")
    assert password.get_attribute("aria-invalid") == "true"
    described = password.get_attribute("aria-describedby")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.text_content(f"#{described}")


@pytest.mark.parametrize("width,scale", [(360, 1), (640, 2)])
def test_no_horizontal_scroll_on_phones_and_at_200_percent(browser, school, width, scale):
    context = browser.new_context(viewport={"width": width, "height": 740}, device_scale_factor=scale)
    page = context.new_page()
    try:
        for path in ("/", "/login", "/register", "/verify"):
            page.goto(f"{school}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (path, width, overflow)
        page.goto(f"{school}/register")
        screenshot(page, f"register-{width}px")
    finally:
        context.close()
