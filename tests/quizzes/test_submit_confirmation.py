"""Submit asks first when questions are unanswered or flagged (issue 18, fault 4): the rules,
then the plain-form path a browser without JavaScript takes, the review-later flags, and the
deadline, which still submits without asking."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptAnswer
from lms.quizzes.rules import PaperCheck, check_paper, clean_flags, is_answered
from lms.quizzes.services import load_bank
from tests.conftest import csrf_token, login, post_form
from tests.quizzes.test_views import BANK, right_form, start


@pytest.fixture
def course(app, content_dirs):
    """A course whose quiz is three questions in a fixed order, 15 minutes (tests/quizzes/test_views.py)."""
    from lms.courses.models import Course
    from lms.courses.sync import sync_content

    sync_content(*content_dirs)
    load_bank("dvc", parse_markdown_bank(BANK))
    db.session.commit()
    return db.session.scalar(select(Course))


# --- rules -----------------------------------------------------------------------------


def test_what_counts_as_answered():
    for response in ([0], [2, 1], "VNeID", "3,5", ["", "Bộ Công an"], {"a": "x"}, 0, 1.5):
        assert is_answered(response), response
    for response in (None, "", "   ", [], ["", ""], ["", "  "], {}, {"a": ""}):
        assert not is_answered(response), response


def test_flags_keep_only_real_question_positions():
    questions = [1, 2, 4]  # position 0 and 3 are descriptions
    assert clean_flags(["4", 1, "1", " 2 "], questions) == [1, 2, 4]
    assert clean_flags([0, 3, 5, -1, "x", None, 1.5, True, "1e3", [1]], questions) == []
    assert clean_flags(None, questions) == []


def test_confirmation_lists_unanswered_and_flagged_numbers():
    check = check_paper([(1, True, False), (2, False, False), (3, True, True), (4, False, True)])
    assert check == PaperCheck(total=4, answered=2, unanswered=(2, 4), flagged=(3, 4))
    assert check.needs_confirmation
    assert not check_paper([(1, True, False), (2, True, False)]).needs_confirmation
    assert check_paper([(1, True, True)]).needs_confirmation  # a question she meant to look at again
    assert check_paper([]).total == 0


# --- pages -----------------------------------------------------------------------------

LINK = re.compile(r'<a href="(/quizzes/attempts/\d+\?q=\d+#question-(\d+))">Câu (\d+)</a>')


def _section(html: str, heading: str) -> list[int]:
    """Question numbers linked under ``heading`` on the confirmation page."""
    part = html.split(f"<h2>{heading}</h2>", 1)
    if len(part) < 2:
        return []
    listing = part[1].split("</ul>", 1)[0]
    return [int(n) for _, n, _ in LINK.findall(listing)]


def _first_answer(attempt) -> dict:
    form = right_form(attempt)
    first = attempt.items[0]["v"]
    return {f"q{first}": form[f"q{first}"], f"q{first}-present": "1"}


def test_submit_with_unanswered_questions_asks_first_and_keeps_the_answer(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    page = f"/quizzes/attempts/{attempt.id}"
    asked = post_form(client, page, {**_first_answer(attempt), "flags-present": "1", "action": "finish"}, page=page)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Bạn có chắc muốn nộp bài?" in html and "Bạn đã trả lời 1 trên 3 câu." in html
    assert _section(html, "Câu chưa trả lời") == [2, 3] and _section(html, "Câu đánh dấu để xem lại") == []
    assert f'href="{page}?q=2#question-2"' in html  # each number leads back to its question
    assert "Quay lại làm tiếp" in html and 'name="action" value="submit"' in html
    db.session.expire_all()
    kept = db.session.get(Attempt, attempt.id)
    assert kept.status == "open"  # the attempt is not used up
    assert [a.question_version_id for a in db.session.scalars(select(AttemptAnswer))] == [attempt.items[0]["v"]]

    # Back on the paper, the navigator says which are done, in words for screen readers.
    paper = client.get(page).get_data(as_text=True)
    assert "Câu 1<span class=\"qnav-state\">: đã trả lời</span>" in paper
    assert "Câu 2<span class=\"qnav-state\">: chưa trả lời</span>" in paper

    done = post_form(client, page, {"action": "submit"}, page=page)  # "Nộp bài" on the confirmation
    assert done.status_code == 302 and done.headers["Location"].endswith("/review")
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.status == "submitted" and graded.score == 1.0 and not graded.auto_submitted


def test_submit_with_every_question_answered_and_none_flagged_grades_at_once(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    page = f"/quizzes/attempts/{attempt.id}"
    done = post_form(client, page, {**right_form(attempt), "flags-present": "1", "action": "finish"}, page=page)
    assert done.status_code == 302 and done.headers["Location"].endswith("/review")
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).percent == 100.0


def test_a_flagged_question_is_listed_even_when_everything_is_answered(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    page = f"/quizzes/attempts/{attempt.id}"
    asked = post_form(client, page, {**right_form(attempt), "flags-present": "1", "flag": "1", "action": "finish"},
                      page=page)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Bạn đã trả lời 3 trên 3 câu." in html
    assert _section(html, "Câu chưa trả lời") == [] and _section(html, "Câu đánh dấu để xem lại") == [2]
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).flagged == [1]


def test_flags_saved_by_the_page_survive_a_reload_and_clear_with_the_form(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    page = f"/quizzes/attempts/{attempt.id}"
    url = f"{page}/answer"
    token = csrf_token(client, page)
    assert client.post(url, json={"flags": [2]}).status_code == 400  # no CSRF token
    saved = client.post(url, json={"flags": [2, 0, 2, 99, "x", -1]}, headers={"X-CSRFToken": token})
    assert saved.status_code == 200 and saved.json == {"ok": True, "flags": [0, 2]}
    assert client.post(url, json={"flags": "2"}, headers={"X-CSRFToken": token}).status_code == 400

    html = client.get(page).get_data(as_text=True)  # reloaded: the boxes and the navigator remember
    assert re.search(r'name="flag" value="0" checked', html) and re.search(r'name="flag" value="2" checked', html)
    assert not re.search(r'name="flag" value="1" checked', html)
    assert html.count(", đánh dấu để xem lại</span>") == 2

    post_form(client, page, {"action": "save"}, page=page)  # an old page without the boxes: flags stay
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).flagged == [0, 2]
    post_form(client, page, {"flags-present": "1", "flag": "2", "action": "save"}, page=page)
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).flagged == [2]


def test_a_description_cannot_be_flagged(client, content_dirs, make_user):
    from lms.courses.models import Course
    from lms.courses.sync import sync_content

    courses_dir, quizzes_dir = content_dirs
    sync_content(courses_dir, quizzes_dir)
    load_bank("dvc", parse_markdown_bank("""---
title: "Tình huống"
shuffle_questions: false
---
## Đọc tình huống
type: description

Bà Lan nhận được tin nhắn lạ.

## Bà Lan nên làm gì?
- [x] Gọi tổng đài chính thức
- [ ] Bấm vào link
"""))
    db.session.commit()
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, db.session.scalar(select(Course)))
    token = csrf_token(client, f"/quizzes/attempts/{attempt.id}")
    saved = client.post(f"/quizzes/attempts/{attempt.id}/answer", json={"flags": [0, 1]}, headers={"X-CSRFToken": token})
    assert saved.json["flags"] == [1]
    html = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert html.count('name="flag"') == 1 and html.count('class="qnav-item') == 1


def test_time_up_submits_without_asking_and_flags_are_refused(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    page = f"/quizzes/attempts/{attempt.id}"
    token = csrf_token(client, page)
    db.session.expire_all()
    late = db.session.get(Attempt, attempt.id)
    late.deadline = late.deadline - timedelta(minutes=20)
    db.session.commit()
    refused = client.post(f"{page}/answer", json={"flags": [0]}, headers={"X-CSRFToken": token})
    assert refused.status_code == 409 and refused.json["closed"]
    done = client.post(page, data={"csrf_token": token, "flags-present": "1", "action": "finish"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/review")  # no confirmation
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.status == "submitted" and graded.auto_submitted and graded.flagged == []


def test_in_the_grace_period_submit_goes_through_without_asking(client, course, make_user):
    """The clock shows 0:00 and the page says "press Submit to see your result"; answers
    still arriving within the grace period count, and nothing is asked."""
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    page = f"/quizzes/attempts/{attempt.id}"
    token = csrf_token(client, page)
    db.session.expire_all()
    ending = db.session.get(Attempt, attempt.id)
    ending.deadline = ending.deadline - timedelta(minutes=15, seconds=5)  # 5 s ago: within the grace
    db.session.commit()
    done = client.post(page, data={"csrf_token": token, **_first_answer(attempt), "action": "finish"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/review")
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.status == "submitted" and graded.score == 1.0
