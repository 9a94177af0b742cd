"""In a real browser: find a course without typing accents, read a lesson, see progress move."""

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_search_read_and_progress(page, shipped_site):
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/courses/")
    page.get_by_label("Tìm kiếm (gõ có dấu hoặc không dấu)").fill("lua dao")
    with page.expect_navigation():
        page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name="Nhận biết và phòng tránh lừa đảo trên mạng").click()
    page.get_by_role("link", name="Bắt đầu: Giả danh công an, toà án, cơ quan nhà nước").click()
    assert page.locator("figure.msg-chat").count() == 1
    assert page.get_attribute("progress", "value") == "0"
    with page.expect_navigation():
        page.get_by_role("button", name="Tôi đã đọc xong bài này").click()
    assert "Giả mạo ngân hàng" in page.text_content("h1")
    assert int(page.get_attribute("progress", "value")) > 0
    page.goto(f"{shipped_site}/courses/nhan-biet-lua-dao-truc-tuyen/")
    assert page.locator(".lesson-list .tick").count() == 1


def test_lesson_pages_fit_a_phone(browser, shipped_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    try:
        for slug, lesson in (("nhan-biet-lua-dao-truc-tuyen", "gia-mao-ngan-hang-va-otp"),
                             ("su-dung-dich-vu-cong-truc-tuyen", "dich-vu-cong-truc-tuyen-la-gi")):
            page.goto(f"{shipped_site}/courses/{slug}/{lesson}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, (lesson, overflow)
            screenshot(page, f"lesson-{lesson}-360px")
        page.goto(f"{shipped_site}/courses/su-dung-dich-vu-cong-truc-tuyen/print")
        screenshot(page, "leaflet-360px")
    finally:
        context.close()
