"""In a real browser: a bank exported from Moodle (HTML answers, entities, a two-paragraph
question) reads as text, its options are named by their words, and a longer question text
describes its group; the per-answer feedback is on the review."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.courses.models import Course
from lms.extensions import db
from lms.quizzes.services import load_bank
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.quizzes.test_question_rendering import gift_bank

pytestmark = pytest.mark.browser

SLUG = "nhan-biet-lua-dao-truc-tuyen"


def test_moodle_html_bank_reads_as_text_and_review_shows_feedback(page, shipped_site):
    course = db.session.scalar(select(Course).where(Course.slug == SLUG))
    load_bank(course.quiz_slug, gift_bank("public-cases", "gift-moodle-export-html-answers.gift.txt"))
    db.session.commit()
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()

    group = page.get_by_role("group", name="Câu 1. Ứng dụng nào dùng để định danh điện tử mức 2?")
    expect(group).to_be_visible()
    group.get_by_label("VNeID", exact=True).check()  # the option's name is its words, not <p>VNeID</p>
    expect(page.get_by_text("Một ứng dụng tải từ đường link là", exact=True)).to_be_visible()
    voice = page.get_by_role("group", name="Câu 3.")
    expect(voice).to_have_accessible_description("Nghe đoạn thông báo: Thông báo này nhắc người dân làm gì?")
    voice.get_by_label("Cài ứng dụng lạ").check()
    expect(page.locator("body")).not_to_contain_text("<p>")
    expect(page.locator("body")).not_to_contain_text("&agrave;")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-moodle-html.png"), full_page=True)

    page.get_by_role("button", name="Nộp bài").click()  # questions are left: asked first
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()
    expect(page.locator(".feedback")).to_contain_text("Chưa đúng.")
    page.screenshot(path=str(ARTIFACTS / "quiz-moodle-html-review.png"), full_page=True)
