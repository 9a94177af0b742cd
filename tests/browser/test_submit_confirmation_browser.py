"""In Chromium: Submit with questions left asks first (a dialog with JavaScript, a page
without), the question navigator shows each question's state in words and jumps to it, and
"review later" marks survive a reload (issue 18, fault 4). At 360x740 and on a desktop."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Attempt
from tests.browser.conftest import ARTIFACTS, screenshot, sign_in

pytestmark = pytest.mark.browser

SLUG = "nhan-biet-lua-dao-truc-tuyen"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def begin(page, base):
    sign_in(page, base)
    page.goto(f"{base}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    return page.locator("li.question").count()


def nav_link(page, n):
    return page.get_by_role("navigation", name="Danh sách câu hỏi").locator(f"a[href='#question-{n}']")


def attempt():
    db.session.expire_all()
    return db.session.scalar(select(Attempt))


def seen(page, name):
    """What the screen shows (not the whole page): where a dialog or a jump lands."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def kinds(page) -> dict[int, str]:
    """Question number -> type, as drawn (the paper is shuffled)."""
    return {int(li.get_attribute("id").split("-")[1]): li.locator("fieldset").get_attribute("data-type")
            for li in page.locator("li.question").all()}


def answer(page, n, kind):
    fieldset = page.locator(f"#question-{n} fieldset")
    if kind in ("single", "multiple", "truefalse"):
        fieldset.locator("input[type=radio], input[type=checkbox]").first.check()
    elif kind == "matching":
        for select in fieldset.locator("select").all():
            select.select_option(index=1)
    else:
        fieldset.locator("input[type=text], textarea").first.fill("5")
        fieldset.locator("input[type=text], textarea").first.dispatch_event("change")


def control(page, n):
    """The first control of question ``n``, where the keyboard lands when going to it."""
    return page.locator(f"#question-{n} fieldset").locator("input:not([type=hidden]), select, textarea").first


def test_phone_navigator_flags_and_the_dialog_before_submitting(browser, shipped_site):
    page = browser.new_context(locale="vi-VN", viewport=PHONE).new_page()
    total = begin(page, shipped_site)
    drawn = kinds(page)
    assert total == len(drawn) >= 5
    one = next(n for n, kind in drawn.items() if kind in ("single", "truefalse"))
    other, third = [n for n in sorted(drawn) if n != one][:2]
    answer(page, one, drawn[one])
    page.wait_for_selector(f"#question-{one} fieldset.saved")
    expect(nav_link(page, one)).to_have_accessible_name(f"Câu {one}: đã trả lời")
    expect(nav_link(page, other)).to_have_accessible_name(f"Câu {other}: chưa trả lời")

    # Another question marked "review later" from the keyboard; saved on the server at once.
    box = page.get_by_role("checkbox", name=f"Đánh dấu để xem lại (Câu {other})")
    box.focus()
    page.keyboard.press("Space")
    expect(page.locator("#quiz-status")).to_have_text("Đã lưu đánh dấu xem lại")
    assert attempt().flagged == [int(box.get_attribute("value"))]
    expect(nav_link(page, other)).to_have_class("qnav-item flagged")
    page.reload()
    expect(page.get_by_role("checkbox", name=f"Đánh dấu để xem lại (Câu {other})")).to_be_checked()
    expect(nav_link(page, other)).to_have_accessible_name(f"Câu {other}: chưa trả lời, đánh dấu để xem lại")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("window.scrollTo(0, 0)")
    seen(page, "quiz-navigator-360")

    # Submit: a dialog lists what is left; focus moves into it, Esc closes, focus comes back.
    submit = page.locator("#finish")
    submit.click()
    dialog = page.get_by_role("dialog", name="Bạn có chắc muốn nộp bài?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Quay lại làm tiếp")).to_be_focused()
    expect(dialog).to_have_accessible_description(f"Bạn đã trả lời 1 trên {total} câu.")
    unanswered = dialog.locator("#confirm-unanswered").get_by_role("link")
    expect(unanswered).to_have_text([f"Câu {n}" for n in sorted(drawn) if n != one])
    expect(dialog.locator("#confirm-flagged").get_by_role("link")).to_have_text([f"Câu {other}"])
    seen(page, "quiz-confirm-dialog-360")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(submit).to_be_focused()
    assert attempt().status == "open"

    # "Quay lại làm tiếp" closes it too; a question's link goes to that question.
    submit.click()
    dialog.get_by_role("button", name="Quay lại làm tiếp").click()
    expect(dialog).to_be_hidden()
    submit.click()
    dialog.locator("#confirm-unanswered").get_by_role("link", name=f"Câu {third}", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(control(page, third)).to_be_focused()
    expect(page.locator(f"#question-{third}")).to_be_in_viewport()
    expect(nav_link(page, third)).to_have_attribute("aria-current", "true")
    seen(page, "quiz-jumped-to-question-360")

    submit.click()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Nộp bài").click()
    assert "/review" in page.url
    assert attempt().status == "submitted"
    page.context.close()


def test_desktop_navigator_by_keyboard_and_no_question_when_all_is_answered(browser, shipped_site):
    page = browser.new_context(locale="vi-VN", viewport=DESKTOP).new_page()
    begin(page, shipped_site)
    drawn = kinds(page)
    # From the navigator, Enter on a number puts the keyboard in that question.
    nav_link(page, 4).focus()
    page.keyboard.press("Enter")
    expect(control(page, 4)).to_be_focused()
    for n, kind in drawn.items():
        answer(page, n, kind)
    page.locator("#question-1 .flag input").check()
    expect(nav_link(page, 1)).to_have_class("qnav-item answered flagged")
    seen(page, "quiz-navigator-desktop")
    page.locator("#finish").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#confirm-unanswered")).to_be_hidden()  # nothing unanswered: that part is left out
    expect(dialog.locator("#confirm-flagged").get_by_role("link")).to_have_text(["Câu 1"])
    seen(page, "quiz-confirm-dialog-desktop")
    page.keyboard.press("Escape")
    page.locator("#question-1 .flag input").uncheck()
    expect(page.locator("#quiz-status")).to_have_text("Đã lưu đánh dấu xem lại")
    with page.expect_navigation():
        page.locator("#finish").click()  # every question answered, none marked: straight to the result
    assert "/review" in page.url
    page.context.close()


def test_without_javascript_a_confirmation_page_asks_first(browser, shipped_site):
    context = browser.new_context(locale="vi-VN", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        total = begin(page, shipped_site)
        answer(page, 2, kinds(page)[2])
        page.get_by_label("Đánh dấu để xem lại (Câu 1)").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bạn có chắc muốn nộp bài?")
        expect(page.locator("#confirm-count")).to_have_text(f"Bạn đã trả lời 1 trên {total} câu.")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "quiz-confirm-page-360")
        assert attempt().status == "open" and attempt().flagged == [0]
        with page.expect_navigation():
            page.get_by_role("link", name="Câu 3").click()
        assert page.url.endswith("#question-3")
        expect(page.locator("#question-3")).to_be_in_viewport()
        expect(nav_link(page, 2)).to_have_accessible_name("Câu 2: đã trả lời")  # back on the paper, answer kept
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").click()
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").click()
        assert "/review" in page.url
        assert attempt().status == "submitted"
    finally:
        context.close()


def test_when_time_is_up_submit_asks_nothing(browser, shipped_site):
    page = browser.new_context(locale="vi-VN", viewport=PHONE).new_page()
    begin(page, shipped_site)
    running = attempt()
    running.deadline = running.deadline - timedelta(hours=2)  # the clock ran out while the page was open
    db.session.commit()
    one = next(n for n, kind in kinds(page).items() if kind in ("single", "truefalse"))
    answer(page, one, "single")  # refused: the page learns that the time is up
    expect(page.locator("#quiz-status")).to_contain_text("hết giờ")
    with page.expect_navigation():
        page.locator("#finish").click()
    assert "/review" in page.url
    expect(page.get_by_role("dialog")).to_have_count(0)
    graded = attempt()
    assert graded.status == "submitted" and graded.auto_submitted
    page.context.close()
