"""Issue 18, fault 3 in a real browser: the pages that showed codes and Python values (the audit
log, the people list, a contest participant's answer log, the contest's history, a rubric with
a bad number) read as Vietnamese, at 360×740 and at desktop width. Screenshots go to
test-artifacts/."""

from __future__ import annotations

import pytest

from lms.extensions import db
from tests.browser.conftest import screenshot, sign_in
from tests.core.test_vietnamese_everywhere import PASSWORD, SNAKE_CASE, _more_than_the_demo
from tests.fuzz.world import build_fuzz_world

SIZES = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def demo_site(live_server):
    app, base = live_server
    world = build_fuzz_world()
    extra = _more_than_the_demo(world)
    db.session.commit()
    return base, world, extra


def _fits(page, size) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow}px wider than {size['width']}px"


@pytest.mark.parametrize("size", list(SIZES))
def test_the_audit_log_and_people_read_as_vietnamese(demo_site, browser, size):
    base, world, _extra = demo_site
    context = browser.new_context(locale="vi-VN", viewport=SIZES[size])
    page = context.new_page()
    try:
        sign_in(page, base, "quantri", PASSWORD)
        page.goto(f"{base}/admin/audit/?action=course.assign")
        details = page.locator("tbody tr td:nth-child(4)").first.inner_text()
        assert "Khoá học: su-dung-dich-vu-cong-truc-tuyen; Hạn hoàn thành: (không có)" in details
        page.goto(f"{base}/admin/audit/?action=org.headcount")
        assert "Biên chế / sĩ số: (không có) →" in page.locator("tbody").inner_text()
        page.goto(f"{base}/admin/audit/")
        text = page.locator("main").inner_text()
        assert "None" not in text and "{'" not in text and not SNAKE_CASE.search(text)
        screenshot(page, f"vi-audit-log-{size}")
        _fits(page, SIZES[size]) if size == "desktop" else None  # a wide table scrolls in its own box

        page.goto(f"{base}/admin/users/?q=quanly")
        row = page.locator("tbody tr").first.inner_text()
        assert "Cán bộ quản lý đơn vị" in row and "manager" not in row and "organizer" not in row
        screenshot(page, f"vi-people-roles-{size}")
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_organiser_reads_answers_history_and_rubric_errors_in_words(demo_site, browser, size):
    base, world, _extra = demo_site
    context = browser.new_context(locale="vi-VN", viewport=SIZES[size])
    page = context.new_page()
    slug = world.strings["contest"]
    try:
        sign_in(page, base, "btc.hoithi", PASSWORD)
        page.goto(f"{base}/contests/manage/{slug}/participants/{world.ids['registration_id']}")
        log = page.locator("table").last.inner_text()
        assert "Câu 1" in log and "[0]" not in log and "#" not in log
        screenshot(page, f"vi-answer-log-{size}")
        _fits(page, SIZES[size])

        page.goto(f"{base}/contests/manage/{slug}/")
        history = page.get_by_role("heading", name="Lịch sử thay đổi")
        history.scroll_into_view_if_needed()
        assert "Nguyễn Văn An" in page.locator("main").inner_text()  # the repeated registration, by name
        screenshot(page, f"vi-contest-history-{size}")

        page.goto(f"{base}/contests/{slug}/rounds/{world.strings['judged_round']}/judging")
        page.locator("#rows-0-name").fill("Nội dung")
        page.locator("#rows-0-max_points").fill("10")
        page.locator("#rows-0-weight").fill("-1")
        with page.expect_navigation():  # sent past the browser's own check, as a browser without one does
            page.locator("#rows-0-weight").evaluate("input => input.form.submit()")
        summary = page.locator(".error-summary").first.inner_text()
        # Each row's field by its label, WTForms' message in Vietnamese (it was "weight: [...]" in English).
        assert "Trọng số: Số phải từ 0 trở lên." in summary and "{" not in summary and "[" not in summary
        screenshot(page, f"vi-rubric-errors-{size}")
        _fits(page, SIZES[size])
    finally:
        context.close()
