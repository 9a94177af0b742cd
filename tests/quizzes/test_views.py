"""Taking a course quiz through the pages, as a learner's browser would post them."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.courses.models import Course, Enrollment
from lms.courses.services import mark_lesson_read
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt, AttemptAnswer, QuestionVersion
from lms.quizzes.services import load_bank
from tests.conftest import csrf_token, login, post_form

BANK = """---
title: "Kiểm tra cuối khoá"
time_limit_minutes: 15
max_attempts: 2
shuffle_options: false
shuffle_questions: false
---
## Ứng dụng định danh điện tử quốc gia là gì?
- [x] VNeID
- [ ] Zalo

> VNeID do Bộ Công an phát triển.

## Có nên đọc mã OTP cho người lạ?
- [ ] Đúng
- [x] Sai

## Dấu hiệu lừa đảo (chọn tất cả đáp án đúng)
- [x] Thúc giục chuyển tiền
- [x] Link lạ
- [ ] Tên miền .gov.vn
"""


@pytest.fixture
def course(app, content_dirs):
    courses_dir, quizzes_dir = content_dirs
    sync_content(courses_dir, quizzes_dir)
    load_bank("dvc", parse_markdown_bank(BANK))
    db.session.commit()
    return db.session.scalar(select(Course))


def right_form(attempt):
    form = {}
    for item in attempt.items:
        v = db.session.get(QuestionVersion, item["v"])
        form[f"q{v.id}"] = [str(i) for i, c in enumerate(v.data["choices"]) if c["fraction"] > 0]
        form[f"q{v.id}-present"] = "1"
    return form


def start(client, course):
    response = post_form(client, f"/quizzes/course/{course.slug}/start", {}, page=f"/quizzes/course/{course.slug}")
    assert response.status_code == 302
    attempt_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(Attempt, attempt_id)


def test_take_the_quiz_with_plain_forms_and_complete_the_course(client, course, make_user):
    learner = make_user("hs.an")
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    db.session.commit()
    login(client, "hs.an")
    page = client.get(f"/quizzes/course/{course.slug}").get_data(as_text=True)
    assert "Kiểm tra cuối khoá" in page and "15" in page
    attempt = start(client, course)
    html = client.get(f"/quizzes/attempts/{attempt.id}").get_data(as_text=True)
    assert 'type="radio"' in html and 'type="checkbox"' in html and 'id="timer"' in html
    response = post_form(client, f"/quizzes/attempts/{attempt.id}", {**right_form(attempt), "action": "submit"},
                         page=f"/quizzes/attempts/{attempt.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    review = client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "100%" in review and "VNeID do Bộ Công an phát triển." in review
    db.session.expire_all()
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    assert enrollment.completed_at is not None and enrollment.score == 100.0


def test_double_submit_gives_one_result(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    token = csrf_token(client, f"/quizzes/attempts/{attempt.id}")
    for _ in range(2):
        response = client.post(f"/quizzes/attempts/{attempt.id}",
                               data={"csrf_token": token, "action": "submit", **right_form(attempt)})
        assert response.headers["Location"].endswith("/review")
    db.session.expire_all()
    attempts = list(db.session.scalars(select(Attempt)))
    assert len(attempts) == 1 and attempts[0].status == "submitted" and attempts[0].percent == 100.0
    # The second click is not mistaken for a late answer.
    assert "gửi sau hạn" not in client.get(f"/quizzes/attempts/{attempt.id}/review").get_data(as_text=True)


def test_many_clicks_on_submit_with_answers_give_one_result_and_no_error(app, client, course, make_user):
    """Submit pressed again and again (or from several tabs) while each post still carries
    answers: every post must end on the result, none on an error page. On PostgreSQL each
    post locks the attempt before writing, so two posts never wait on each other's lock."""
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    token = csrf_token(client, f"/quizzes/attempts/{attempt.id}")
    cookies = {c.key: c.value for c in client._cookies.values()}
    form = {"csrf_token": token, "action": "submit", **right_form(attempt)}
    statuses, barrier = [], threading.Barrier(8)

    def click():
        tab = app.test_client()
        for key, value in cookies.items():
            tab.set_cookie(key, value)
        barrier.wait()
        response = tab.post(f"/quizzes/attempts/{attempt.id}", data=form)
        statuses.append((response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=click) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 8 and all(code == 302 and where.endswith("/review") for code, where in statuses), statuses
    db.session.expire_all()
    [done] = db.session.scalars(select(Attempt)).all()
    assert done.status == "submitted" and done.percent == 100.0


def test_autosave_needs_csrf_and_refuses_late_answers(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    v = attempt.items[0]["v"]
    url = f"/quizzes/attempts/{attempt.id}/answer"
    assert client.post(url, json={"v": v, "values": ["0"]}).status_code == 400  # no token
    token = csrf_token(client, f"/quizzes/attempts/{attempt.id}")
    ok = client.post(url, json={"v": v, "values": ["0"]}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.json["ok"] and 0 < ok.json["seconds_left"] <= 15 * 60
    db.session.expire_all()
    a = db.session.get(Attempt, attempt.id)
    a.deadline = a.deadline - timedelta(minutes=20)
    db.session.commit()
    late = client.post(url, json={"v": v, "values": ["1"]}, headers={"X-CSRFToken": token})
    assert late.status_code == 409 and late.json["closed"] and late.json["message"].startswith("Đã hết giờ.")
    # Opening the page now grades the attempt as it stood.
    assert client.get(f"/quizzes/attempts/{attempt.id}").status_code == 302
    db.session.expire_all()
    graded = db.session.get(Attempt, attempt.id)
    assert graded.status == "submitted" and graded.auto_submitted and graded.score == 1.0


def test_an_answer_from_a_tab_left_open_after_submitting_is_refused_with_the_reason(client, course, make_user):
    """Two tabs: one submits; the other, still showing the questions, sends an answer (by
    script, then as a plain form). The page must say the attempt was submitted, not that
    time ran out, and the answer must not be stored."""
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    v = attempt.items[0]["v"]
    token = csrf_token(client, f"/quizzes/attempts/{attempt.id}")
    client.post(f"/quizzes/attempts/{attempt.id}", data={"csrf_token": token, "action": "submit"})
    stale = client.post(f"/quizzes/attempts/{attempt.id}/answer", json={"v": v, "values": ["0"]},
                        headers={"X-CSRFToken": token})
    assert stale.status_code == 409 and stale.json["closed"]
    assert stale.json["message"] == "Bài làm này đã được nộp, có thể từ một thẻ khác. Bấm Nộp bài để xem kết quả."
    db.session.expire_all()
    assert db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)).all() == []


def test_another_learner_cannot_open_or_answer_my_attempt(client, course, make_user):
    make_user("hs.an")
    make_user("hs.binh")
    login(client, "hs.an")
    attempt = start(client, course)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "hs.binh")
    assert client.get(f"/quizzes/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/quizzes/attempts/{attempt.id}/review").status_code == 404
    token = csrf_token(client, "/")
    assert client.post(f"/quizzes/attempts/{attempt.id}/answer", json={"v": 1, "values": ["0"]},
                       headers={"X-CSRFToken": token}).status_code == 404


def test_attempt_limit_is_enforced_on_the_server(client, course, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    for _ in range(2):
        attempt = start(client, course)
        post_form(client, f"/quizzes/attempts/{attempt.id}", {"action": "submit"}, page=f"/quizzes/attempts/{attempt.id}")
    response = post_form(client, f"/quizzes/course/{course.slug}/start", {}, page=f"/quizzes/course/{course.slug}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/quizzes/course/{course.slug}")
    assert "đã dùng hết 2 lượt" in client.get(f"/quizzes/course/{course.slug}").get_data(as_text=True)
