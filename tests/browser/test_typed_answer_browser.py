"""In a real browser on a phone-sized screen (360x740): a typed answer is saved while the
learner types, without leaving the field, so that a reload keeps it (issue 18: the navigator
said "answered" while the answer was saved only when the field lost focus)."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.formats.gift import parse_gift
from lms.quizzes.models import AttemptAnswer
from lms.quizzes.services import load_bank
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

SLUG = "nhan-biet-lua-dao-truc-tuyen"
GIFT = """::duoi:: Gõ phần đuôi tên miền của các trang cơ quan nhà nước Việt Nam. {=.gov.vn =gov.vn}

::so:: Số điện thoại khẩn cấp của công an là số mấy? {#113}

::app:: Ứng dụng định danh điện tử là gì? {=VNeID ~Zalo}
"""


def stored(version_id):
    db.session.expire_all()
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_version_id == version_id))
    return answer.response if answer else None


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()


def test_a_typed_answer_is_saved_while_typing_and_survives_a_reload(phone, shipped_site):
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    parsed = parse_gift(GIFT)
    assert parsed.issues == []
    parsed.settings.update(shuffle_questions=False, shuffle_options=False)
    load_bank(course.quiz_slug, parsed)
    db.session.commit()
    page = phone
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()

    text = page.locator("fieldset[data-type='short'] input[type='text']")
    version = int(page.locator("fieldset[data-type='short']").get_attribute("data-version"))
    text.press_sequentially(".gov.vn", delay=40)  # typed, and the field keeps the focus
    expect(page.locator("#quiz-nav a.answered")).to_have_count(1)
    page.wait_for_timeout(2000)  # a pause in typing
    expect(text).to_be_focused()
    assert stored(version) == ".gov.vn"
    screenshot(page, "quiz-typed-answer-360")
    page.reload()
    expect(page.locator("fieldset[data-type='short'] input[type='text']")).to_have_value(".gov.vn")
    expect(page.locator("#quiz-nav a.answered")).to_have_count(1)

    # Typed and the page reloaded at once, before the pause: saved as the page goes away.
    number = page.locator("fieldset[data-type='numeric'] input[type='text']")
    numeric = int(page.locator("fieldset[data-type='numeric']").get_attribute("data-version"))
    number.press_sequentially("113", delay=20)
    page.reload()
    deadline = time.monotonic() + 5
    while stored(numeric) != "113" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored(numeric) == "113"
    page.goto(page.url)
    expect(page.locator("fieldset[data-type='numeric'] input[type='text']")).to_have_value("113")
    expect(page.locator("fieldset[data-type='short'] input[type='text']")).to_have_value(".gov.vn")
