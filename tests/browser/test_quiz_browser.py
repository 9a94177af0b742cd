"""In a real browser: answers save as the learner clicks, survive closing the page, can be
changed, and the submitted score counts exactly the answers that stood."""

import pytest
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


def test_autosave_resume_change_of_mind_and_the_score_that_counts(page, shipped_site):
    sign_in(page, shipped_site)
    page.goto(f"{shipped_site}/quizzes/course/{SLUG}")
    with page.expect_navigation():
        page.get_by_role("button", name="Bắt đầu làm bài").click()
    single = [int(f.get_attribute("data-version")) for f in page.locator("fieldset[data-version][data-type='single']").all()]
    total = page.locator("fieldset[data-version]").count()
    first, second = single[:2]
    (right_1, _), (right_2, wrong_2) = choice_indices(first), choice_indices(second)

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
    page.screenshot(path=str(ARTIFACTS / "quiz-attempt.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Nộp bài").click()

    result = page.text_content(".result")
    assert f"Điểm: 2 / {total}" in result
    verdicts = [v.strip() for v in page.locator(".verdict").all_text_contents()]
    assert sum("Đúng" in v for v in verdicts) == 2 and len(verdicts) == total
    page.screenshot(path=str(ARTIFACTS / "quiz-review.png"), full_page=True)

    db.session.expire_all()
    attempt = db.session.scalar(select(Attempt))
    assert (attempt.status, attempt.score, attempt.max_score) == ("submitted", 2.0, float(total))
    stored = {a.question_version_id: a.points for a in db.session.scalars(select(AttemptAnswer))}
    # The submit form also sends the untouched questions, stored as empty answers worth 0.
    assert stored.pop(first) == stored.pop(second) == 1.0 and set(stored.values()) <= {0.0}
