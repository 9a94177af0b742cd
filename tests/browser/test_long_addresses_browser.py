"""At phone width (360 px) a long web address in a lesson, a question, an option or a matching
pair wraps inside the screen: the page never scrolls sideways (WCAG 1.4.10 Reflow). The shipped
informatics lessons teach reading such addresses, so they are the real cases."""

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.services import load_bank
from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", ["/courses/tin-hoc-thcs-cong-dan-so/doc-ten-mien",
                                  "/courses/dich-vu-cong-thuong-dung/can-cuoc-va-ho-chieu"])
def test_lessons_with_long_addresses_do_not_scroll_sideways(phone, shipped_site, path):
    sign_in(phone, shipped_site)
    phone.goto(shipped_site + path)
    assert phone.locator("#lesson-body a[href^='https://'], #lesson-body code").count() > 0
    assert phone.evaluate(SIDEWAYS) <= 0, path


def test_questions_with_long_addresses_do_not_scroll_sideways(phone, shipped_site):
    parsed = parse_markdown_bank((ROOT / "quizzes" / "tin-hoc-thcs-cong-dan-so.md").read_text(encoding="utf-8"))
    parsed.questions = [q for q in parsed.questions if "://" in repr(q.to_data()) + q.text]
    assert len(parsed.questions) >= 3
    parsed.settings.update(draw=None, shuffle_questions=False, shuffle_options=False)
    course = db.session.scalar(select(Course).where(Course.slug == "tin-hoc-thcs-cong-dan-so"))
    load_bank(course.quiz_slug, parsed)
    db.session.commit()
    sign_in(phone, shipped_site)
    phone.goto(f"{shipped_site}/quizzes/course/tin-hoc-thcs-cong-dan-so")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Bắt đầu làm bài").click()
    assert phone.locator("fieldset[data-version]").count() == len(parsed.questions)
    screenshot(phone, "quiz-long-addresses-360px")
    assert phone.evaluate(SIDEWAYS) <= 0
