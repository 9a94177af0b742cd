"""In a real browser: answers save as the learner clicks, survive closing the page, can be
changed, an answer given while offline goes with Submit, and the submitted score counts
exactly the answers that stood."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.models import Attempt, AttemptAnswer, QuestionVersion
from tests.browser.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

SLUG = "nhan-biet-lua-dao-truc-tuyen"


def choice_indices(version_id):
    version = db.session.get(QuestionVersion, version_id)
    right = [i for i, c in enumerate(version.data["choices"]) if c["fraction"] > 0]
    wrong = [i for i, c in enumerate(version.data["choices"]) if c["fraction"] <= 0]
    return right, wrong


def wait_saved(page, version):
    page.wait_for_selector(f"fieldset[data-version='{version}'].saved")


def test_autosave_resume_offline_answer_and_the_score_that_counts(page, shipped_site):
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    single = [int(f.get_attribute("data-version")) for f in page.locator("fieldset[data-version][data-type='single']").all()]
    total = page.locator("fieldset[data-version]").count()
    first, second, third = single[:3]
    (right_1, _), (right_2, wrong_2), (right_3, _) = (choice_indices(v) for v in (first, second, third))

    page.locator(f"input[name='q{first}'][value='{right_1[0]}']").check()
    wait_saved(page, first)
    page.locator(f"input[name='q{second}'][value='{wrong_2[0]}']").check()
    wait_saved(page, second)
    assert page.text_content("#quiz-status").strip() != ""  # said politely to screen readers

    page.reload()  # the phone's browser closed and came back
    assert page.locator(f"input[name='q{first}'][value='{right_1[0]}']").is_checked()
    assert page.locator(f"input[name='q{second}'][value='{wrong_2[0]}']").is_checked()
    assert page.locator("#timer-value").is_visible()

    page.locator(f"input[name='q{second}'][value='{right_2[0]}']").check()  # changes her mind
    wait_saved(page, second)

    page.route("**/answer", lambda route: route.abort())  # the signal drops
    page.locator(f"input[name='q{third}'][value='{right_3[0]}']").check()
    expect(page.locator("#quiz-status")).to_contain_text("Chưa lưu được do mất kết nối")
    expect(page.locator("#quiz-status")).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "quiz-attempt.png"), full_page=True)
    action = page.get_attribute("#quiz-form", "action")
    page.get_by_role("button", name="Nộp bài").click()  # questions are left: she is asked first
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(action)) as sent:
        with page.expect_navigation():
            page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()
    # Only the answer the server did not have travels with Submit.
    posted = sent.value.post_data
    assert f"q{third}={right_3[0]}" in posted and f"q{first}=" not in posted and f"q{second}=" not in posted

    result = page.text_content(".result")
    assert f"Điểm: 3 / {total}" in result
    verdicts = [v.strip() for v in page.locator(".verdict").all_text_contents()]
    assert sum("Đúng" in v for v in verdicts) == 3 and len(verdicts) == total
    page.screenshot(path=str(ARTIFACTS / "quiz-review.png"), full_page=True)

    db.session.expire_all()
    attempt = db.session.scalar(select(Attempt))
    assert (attempt.status, attempt.score, attempt.max_score) == ("submitted", 3.0, float(total))
    stored = {a.question_version_id: a.points for a in db.session.scalars(select(AttemptAnswer))}
    assert stored == {first: 1.0, second: 1.0, third: 1.0}  # untouched questions were not sent at all


def test_the_quiz_works_without_javascript(browser, shipped_site):
    """Old phones and strict browsers: plain form posts save, resume and submit."""
    context = browser.new_context(locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, shipped_site)
        page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
        with page.expect_navigation():
            page.get_by_role("button", name="Bắt đầu làm bài").click()
        single = [int(f.get_attribute("data-version"))
                  for f in page.locator("fieldset[data-version][data-type='single']").all()]
        total = page.locator("fieldset[data-version]").count()
        first, second = single[:2]
        (right_1, _), (right_2, _) = choice_indices(first), choice_indices(second)
        page.locator(f"input[name='q{first}'][value='{right_1[0]}']").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Lưu câu trả lời").click()
        assert page.locator(f"input[name='q{first}'][value='{right_1[0]}']").is_checked()  # saved and shown again
        page.locator(f"input[name='q{second}'][value='{right_2[0]}']").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").click()
        assert "Bạn đã trả lời 2 trên" in page.text_content("main")  # questions are left: asked first
        with page.expect_navigation():
            page.get_by_role("button", name="Nộp bài").click()
        assert f"Điểm: 2 / {total}" in page.text_content(".result")
    finally:
        context.close()
    db.session.expire_all()
    saved = {a.question_version_id: a.saved_at for a in db.session.scalars(select(AttemptAnswer))}
    assert saved[first] < saved[second]  # Submit re-sent the first answer unchanged: not written again


def test_a_second_tab_left_open_is_told_the_attempt_was_submitted(page, shipped_site):
    """She submits in one tab; the other tab still shows the questions. Her next click there
    is refused, and the page says why (not "time is up"), announced to screen readers."""
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    other = page.context.new_page()
    other.set_viewport_size({"width": 360, "height": 740})  # a cheap phone
    other.goto(page.url)
    single = [int(f.get_attribute("data-version")) for f in other.locator("fieldset[data-version][data-type='single']").all()]
    page.get_by_role("button", name="Nộp bài").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()
    assert "/review" in page.url

    last = single[-1]  # at the foot of a long page, as on a phone
    other.locator(f"input[name='q{last}'][value='0']").check()
    status = other.locator("#quiz-status")
    expect(status).to_have_text("Bài làm này đã được nộp, có thể từ một thẻ khác. Bấm Nộp bài để xem kết quả.")
    expect(status).to_have_class("sr-status warn")
    expect(status).to_be_in_viewport()  # the bar stays on screen while she scrolls
    assert "saved" not in (other.locator(f"fieldset[data-version='{last}']").get_attribute("class") or "")
    other.screenshot(path=str(ARTIFACTS / "quiz-second-tab.png"))  # what the phone's screen shows
    with other.expect_navigation():
        other.get_by_role("button", name="Nộp bài").click()
    assert "/review" in other.url
    db.session.expire_all()
    assert db.session.scalars(select(AttemptAnswer)).all() == []


def test_keyboard_focus_is_never_hidden_under_the_sticky_bar(page, shipped_site):
    """Tabbing down and back up a long paper on a phone, every focused control is below the timer bar."""
    page.set_viewport_size({"width": 360, "height": 640})
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.locator("fieldset[data-version] input").first.focus()
    hidden = []
    # Down to the foot of the paper, then back up (Shift+Tab scrolls controls in at the top).
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
        page.keyboard.press(key)
        box = page.evaluate("""() => {
            const el = document.activeElement, bar = document.querySelector('.quiz-bar');
            if (!el || !el.closest('fieldset')) return null;
            return [el.getBoundingClientRect().top, bar.getBoundingClientRect().bottom, el.name];
        }""")
        if box and box[0] < box[1]:
            hidden.append(box)
    assert hidden == []


def test_the_last_answer_chosen_is_the_one_graded_when_saves_cross_on_a_slow_network(page, shipped_site):
    """A learner changes an answer while the save of her first choice is still on its way
    (a slow mobile network delivers it late). The server must end with her last choice and
    Submit must not skip the question as saved: the page sends one save at a time per
    question, the latest value after the earlier one is answered."""
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    version = int(page.locator("fieldset[data-version][data-type='single']").first.get_attribute("data-version"))
    right, wrong = choice_indices(version)
    held = []

    def slow_first_save(route):
        if not held:  # the first save travels for 1.5 s; any later one goes straight through
            held.append(route)
            page.wait_for_timeout(1500)
        route.continue_()

    page.route("**/answer", slow_first_save)
    page.locator(f"input[name='q{version}'][value='{wrong[0]}']").check()
    page.locator(f"input[name='q{version}'][value='{right[0]}']").check()  # changes her mind at once
    wait_saved(page, version)
    page.wait_for_timeout(2000)  # every save has landed
    db.session.expire_all()
    stored = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_version_id == version))
    assert stored.response == [right[0]], "the server holds the answer on the screen"
    page.get_by_role("button", name="Nộp bài").click()
    with page.expect_navigation():
        page.get_by_role("dialog").get_by_role("button", name="Nộp bài").click()
    db.session.expire_all()
    stored = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.question_version_id == version))
    assert stored.points == 1.0
