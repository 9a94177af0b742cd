"""In a real browser at phone width: a steps lesson shows one step per screen in large type,
the date of its facts, and its language versions (issue 19)."""

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from lms.courses.sync import sync_content
from lms.extensions import db
from tests.browser.conftest import screenshot, sign_in
from tests.content_fixtures import write_course

pytestmark = pytest.mark.browser

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 160"><rect width="360" height="160" fill="#eef"/>'
       '<text x="20" y="90" font-family="sans-serif" font-size="28">{}</text></svg>')
STEPS = """---
title: Đăng nhập VNeID bằng vân tay
facts_as_of: 2026-11
sources:
  - Nghị định 69/2024/NĐ-CP
---
Bài này có ba bước. Làm cùng con cháu lần đầu.

## Bước 1: Mở ứng dụng

![Màn hình điện thoại có ứng dụng VNeID](buoc-1.svg)

Chạm vào ứng dụng VNeID.

## Bước 2: Chạm vân tay

![Ngón tay đặt lên cảm biến](buoc-2.svg)

Đặt ngón tay lên chỗ quét.

## Bước 3: Xong

![Dấu tích xanh](buoc-3.svg)

Bạn đã vào được ứng dụng.
"""


@pytest.fixture
def steps_site(live_server, tmp_path):
    app, base = live_server
    courses, quizzes = tmp_path / "c", tmp_path / "q"
    quizzes.mkdir()
    (quizzes / "dvc.md").write_text("---\ntitle: Q\n---\n## Ứng dụng định danh?\n- [x] VNeID\n- [ ] Zalo\n", encoding="utf-8")
    folder = write_course(courses, slug="cao-tuoi", lessons=(("01", "gioi-thieu", "Giới thiệu"),))
    course_md = folder / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace("version: 1", "version: 1\nlayout: steps"), encoding="utf-8")
    (folder / "01-gioi-thieu.md").write_text(STEPS, encoding="utf-8")
    (folder / "01-gioi-thieu.km.md").write_text("---\ntitle: ចូល VNeID\n---\nអត្ថបទខ្មែរ\n", encoding="utf-8")
    for n in (1, 2, 3):
        (folder / f"buoc-{n}.svg").write_text(SVG.format(f"Bước {n}"), encoding="utf-8")
    app.config.update(COURSES_DIR=str(courses), QUIZZES_DIR=str(quizzes))
    sync_content(courses, quizzes)
    db.session.commit()
    return base


def test_one_step_per_screen_at_phone_width(browser, steps_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{steps_site}/courses/cao-tuoi/gioi-thieu")
        status = page.locator(".steps-status")
        assert status.text_content() == "Bước 1 / 3"
        assert page.get_by_text("Chạm vào ứng dụng VNeID.").is_visible()
        assert not page.get_by_text("Đặt ngón tay lên chỗ quét.").is_visible()
        assert page.get_by_role("button", name="← Bước trước").is_disabled()
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#lesson-body p')).fontSize)")
        assert size >= 20, size  # large type for elderly readers
        screenshot(page, "steps-lesson-step1-360px")
        page.get_by_role("button", name="Bước tiếp →").click()
        assert status.text_content() == "Bước 2 / 3"
        assert page.get_by_text("Đặt ngón tay lên chỗ quét.").is_visible()
        assert page.evaluate("document.activeElement.textContent") == "Bước 2: Chạm vân tay"
        page.get_by_role("button", name="Bước tiếp →").click()
        assert status.text_content() == "Bước 3 / 3"
        assert not page.get_by_role("button", name="Bước tiếp →").is_visible()
        assert page.get_by_text("Thông tin được kiểm tra đến tháng 11/2026.").is_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        screenshot(page, "steps-lesson-step3-360px")
        page.keyboard.press("Shift+Tab")  # keyboard users reach the buttons too
        page.get_by_role("button", name="← Bước trước").focus()
        page.keyboard.press("Enter")
        assert status.text_content() == "Bước 2 / 3"
        page.get_by_role("link", name="Tiếng Khmer").click()
        assert page.locator("article.lesson").get_attribute("lang") == "km"
        assert page.get_by_text("អត្ថបទខ្មែរ").is_visible()
        screenshot(page, "steps-lesson-khmer-360px")
    finally:
        context.close()


def test_without_script_every_step_shows(browser, steps_site):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{steps_site}/courses/cao-tuoi/gioi-thieu")
        for text in ("Chạm vào ứng dụng VNeID.", "Đặt ngón tay lên chỗ quét.", "Bạn đã vào được ứng dụng."):
            assert page.get_by_text(text).is_visible()
    finally:
        context.close()


# Records what the lesson hands to the browser's speech engine, then lets the real engine run.
SPEECH_SPY = """
window.__spoken = [];
if ('speechSynthesis' in window) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (u) => { window.__spoken.push(u.text); speak(u); };
}
"""
# This machine's Chromium has no voice (no speech-dispatcher), so a phone whose engine reads on
# and on is stood in for by one that takes every utterance and never finishes.
SPEECH_STAND_IN = """
window.__spoken = [];
window.speechSynthesis.speak = (u) => {
  window.__spoken.push(u.text);
  if (u.onstart) { setTimeout(() => u.onstart(new Event('start')), 0); }
};
"""
TAP = "Bấm “Đọc to” để bắt đầu nghe."
FAILED = ("Máy này chưa đọc to được. Hãy cài giọng đọc trong phần cài đặt của điện thoại "
          "(chuyển văn bản thành giọng nói), hoặc đọc chữ trên trang.")


def read_aloud(page):
    box = page.locator("#read-aloud")
    return (box, box.locator(".read-aloud-status"), box.locator("button").first,
            box.get_by_role("button", name="Dừng", exact=True))


@contextmanager
def lesson_on_a_phone(browser, base, speech_script):
    """The steps lesson open at 360 px, with ``speech_script`` run before the page's own."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    context.add_init_script(speech_script)
    page = context.new_page()
    try:
        page.goto(f"{base}/courses/cao-tuoi/gioi-thieu")
        yield page
    finally:
        context.close()


def test_read_aloud_is_on_by_default_and_says_what_the_real_engine_did(browser, steps_site):
    with lesson_on_a_phone(browser, steps_site, SPEECH_SPY) as page:
        box, status, play, stop = read_aloud(page)
        expect(box).to_be_visible()
        # The read-aloud button comes before the step buttons, in reading and tab order.
        assert page.evaluate("""document.querySelector('#read-aloud button').compareDocumentPosition(
                                  document.querySelector('#lesson-steps button')) & Node.DOCUMENT_POSITION_FOLLOWING""")
        page.wait_for_function("window.__spoken.length > 0")  # nobody pressed anything: reading is on
        first = page.evaluate("window.__spoken")
        assert first[0] == "Bài này có ba bước. Làm cùng con cháu lần đầu." and "Đặt ngón tay lên chỗ quét." not in first
        # Chromium refuses speech before a first tap on the page: the page asks for one.
        expect(status).to_have_text(TAP)
        expect(play).to_have_text("Đọc to")
        expect(stop).to_be_hidden()

        page.evaluate("window.__spoken = []")
        page.get_by_role("button", name="Bước tiếp →").click()  # a tap: the browser lets the page speak
        page.wait_for_function("window.__spoken.length > 0")
        spoken = page.evaluate("window.__spoken")
        assert "Đặt ngón tay lên chỗ quét." in spoken and "Chạm vào ứng dụng VNeID." not in spoken
        expect(play).to_be_in_viewport()  # the new step shows from the read-aloud buttons down
        # Without a voice the engine fails: the page says so, never "Pause" over silence.
        page.wait_for_timeout(500)
        if status.text_content() == FAILED:
            expect(play).to_have_text("Đọc to")
            expect(stop).to_be_hidden()
        else:
            expect(play).to_have_text("Tạm dừng")
            expect(stop).to_be_visible()


def test_stop_turns_reading_off_until_the_learner_starts_it_again(browser, steps_site):
    with lesson_on_a_phone(browser, steps_site, SPEECH_STAND_IN) as page:
        _, status, play, stop = read_aloud(page)
        page.wait_for_function("window.__spoken.length > 0")
        expect(play).to_have_text("Tạm dừng")
        assert status.text_content() not in (TAP, FAILED, "")  # reading (with whatever voice there is)
        assert page.evaluate("getComputedStyle(document.querySelector('.read-aloud-big'), '::before').content") == "none"
        page.evaluate("window.__spoken = []")
        page.get_by_role("button", name="Bước tiếp →").click()
        page.wait_for_function("window.__spoken.length > 0")
        assert "Đặt ngón tay lên chỗ quét." in page.evaluate("window.__spoken")
        expect(stop).to_be_in_viewport()  # in reach right after the tap, no scrolling up

        stop.click()
        expect(play).to_have_text("Đọc to")
        assert page.evaluate("localStorage.getItem('lms-read-aloud')") == "off"
        page.reload()
        page.evaluate("window.__spoken = []")
        page.get_by_role("button", name="Bước tiếp →").click()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__spoken") == []  # stopped stays stopped, on this page and the next
        expect(play).to_have_text("Đọc to")
        expect(stop).to_be_hidden()
        play.click()  # and starts again when asked
        page.wait_for_function("window.__spoken.length > 0")
        assert page.evaluate("localStorage.getItem('lms-read-aloud')") == "on"


def test_the_step_survives_reload_and_back_and_the_last_step_leads_on(browser, steps_site):
    with lesson_on_a_phone(browser, steps_site, SPEECH_STAND_IN) as page:
        status, onward = page.locator(".steps-status"), page.locator(".step-onward")
        expect(onward).to_be_hidden()
        page.get_by_role("button", name="Bước tiếp →").click()
        page.get_by_role("button", name="Bước tiếp →").click()
        expect(status).to_have_text("Bước 3 / 3")
        assert page.url.endswith("#buoc-3")
        page.reload()  # a grandparent's phone reloads: still on step 3
        expect(status).to_have_text("Bước 3 / 3")
        expect(page.get_by_text("Bạn đã vào được ứng dụng.")).to_be_visible()
        page.go_back()  # the phone's back button goes back one step, not out of the lesson
        expect(status).to_have_text("Bước 2 / 3")
        expect(page.get_by_text("Đặt ngón tay lên chỗ quét.")).to_be_visible()
        page.go_forward()
        expect(status).to_have_text("Bước 3 / 3")
        # The last step's big button leads on (here, not signed in, to the final quiz).
        expect(onward).to_be_visible()
        assert page.evaluate("document.querySelector('.step-onward').getBoundingClientRect().height") >= 44
        with page.expect_navigation():
            onward.click()
        assert page.url.endswith("/login?next=%2Fquizzes%2Fcourse%2Fcao-tuoi"), page.url


def test_signed_in_the_last_step_marks_the_lesson_read(browser, steps_site):
    from lms.auth.services import NewUser, create_user
    from lms.courses.models import LessonProgress

    create_user(NewUser(username="ba.lan", full_name="Nguyễn Thị Lan", password="mat khau cua ba"))
    db.session.commit()
    with lesson_on_a_phone(browser, steps_site, SPEECH_STAND_IN) as page:
        sign_in(page, steps_site, "ba.lan", "mat khau cua ba")
        page.goto(f"{steps_site}/courses/cao-tuoi/gioi-thieu#buoc-3")
        onward = page.locator(".step-onward")
        expect(onward).to_have_text("Tôi đã đọc xong bài này: làm bài kiểm tra cuối khoá")
        with page.expect_navigation():
            onward.click()
        assert db.session.query(LessonProgress).count() == 1
