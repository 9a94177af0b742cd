"""The next step of a course (issue 18, fault 5): the rule without a database, then the
course page after the last lesson, after failing and after passing the quiz."""

from sqlalchemy import select

from lms.courses.models import Course
from lms.courses.rules import (
    NEXT_CERTIFICATE,
    NEXT_DONE,
    NEXT_LESSON,
    NEXT_QUIZ,
    NextStep,
    next_step,
    step_after_reading,
)
from lms.courses.services import learner_courses, mark_lesson_read, record_quiz_result
from lms.courses.sync import sync_content
from lms.extensions import db
from tests.conftest import csrf_token, login

LESSONS = [11, 12, 13]


def test_first_the_lessons_in_order_or_the_one_left_open():
    assert next_step(LESSONS, [], has_quiz=True) == NextStep(NEXT_LESSON, lesson_id=11)
    assert next_step(LESSONS, [11], has_quiz=True) == NextStep(NEXT_LESSON, lesson_id=12, resumed=True)
    # She opened lesson 13 without finishing it: back there, not to the first unread.
    assert next_step(LESSONS, [11], last_opened_id=13, has_quiz=True).lesson_id == 13
    # The one she opened last is read already: the first unread one.
    assert next_step(LESSONS, [11, 13], last_opened_id=13, has_quiz=True).lesson_id == 12
    assert next_step(LESSONS, [], last_opened_id=11, has_quiz=False) == NextStep(NEXT_LESSON, 11, resumed=True)
    # A passed quiz does not skip a lesson still unread (the course is complete only then).
    assert next_step(LESSONS, [11, 12], has_quiz=True, quiz_passed=True).lesson_id == 13


def test_after_the_last_lesson_the_quiz_then_the_certificate_then_done():
    every = LESSONS
    assert next_step(LESSONS, every, last_opened_id=13, has_quiz=True) == NextStep(NEXT_QUIZ)
    assert next_step(LESSONS, every, has_quiz=True, quiz_tried=True) == NextStep(NEXT_QUIZ, resumed=True)
    assert next_step(LESSONS, every, has_quiz=True, quiz_tried=True, quiz_passed=True,
                     certificate_id=7) == NextStep(NEXT_CERTIFICATE, certificate_id=7)
    assert next_step(LESSONS, every, has_quiz=True, quiz_passed=True) == NextStep(NEXT_DONE)  # no certificate
    assert next_step(LESSONS, every, has_quiz=False, certificate_id=7).kind == NEXT_CERTIFICATE
    assert next_step(LESSONS, every, has_quiz=False) == NextStep(NEXT_DONE)


def test_a_lesson_added_later_and_retired_lessons():
    # Read 11-13 and a lesson since retired (99); lesson 14 was added after she finished.
    assert next_step(LESSONS + [14], [11, 12, 13, 99], has_quiz=True, quiz_passed=True,
                     certificate_id=7) == NextStep(NEXT_LESSON, lesson_id=14, resumed=True)
    assert next_step([], [], has_quiz=True) == NextStep(NEXT_QUIZ)
    assert next_step([], [99], has_quiz=False) == NextStep(NEXT_DONE)


def test_after_reading_a_lesson_the_next_one_and_after_the_last_the_quiz_or_the_course():
    # Not the last lesson: the one after it, read or not.
    assert step_after_reading(LESSONS, [], 11, has_quiz=True) == NextStep(NEXT_LESSON, lesson_id=12, resumed=True)
    assert step_after_reading(LESSONS, [11, 12, 13], 12, has_quiz=True).lesson_id == 13
    # The last lesson: never "the next lesson" (issue 18), but the quiz until it is passed...
    assert step_after_reading(LESSONS, [11, 12], 13, has_quiz=True) == NextStep(NEXT_QUIZ)
    assert step_after_reading(LESSONS, [11, 12], 13, has_quiz=True, quiz_tried=True) == NextStep(NEXT_QUIZ, resumed=True)
    # ... an earlier lesson skipped ...
    assert step_after_reading(LESSONS, [11], 13, has_quiz=True) == NextStep(NEXT_LESSON, lesson_id=12, resumed=True)
    # ... and with the quiz passed or none, the certificate or the end of the course.
    assert step_after_reading(LESSONS, [11, 12], 13, has_quiz=True, quiz_passed=True) == NextStep(NEXT_DONE)
    assert step_after_reading(LESSONS, [11, 12], 13, has_quiz=False) == NextStep(NEXT_DONE)
    assert step_after_reading(LESSONS, LESSONS, 13, has_quiz=False, certificate_id=7).kind == NEXT_CERTIFICATE


def read_button(html: str) -> str:
    return html.split('/read" class="actions">', 1)[1].split("</button>", 1)[0]


def test_the_last_lesson_leads_to_the_final_quiz_then_to_the_course(app, client, content_dirs, make_user):
    sync_content(*content_dirs)
    db.session.commit()
    course = db.session.scalar(select(Course))
    first, last = course.lessons
    learner = make_user("hs.an")
    login(client, "hs.an")
    page = client.get("/courses/dich-vu-cong/gioi-thieu").get_data(as_text=True)
    assert "Tôi đã đọc xong bài này" in read_button(page)
    assert client.post("/courses/dich-vu-cong/gioi-thieu/read", data={"csrf_token": csrf_token(client, "/courses/")}
                       ).headers["Location"] == "/courses/dich-vu-cong/vneid"

    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    button = read_button(page)
    assert "Tôi đã đọc xong bài này: làm bài kiểm tra cuối khoá" in button and "sang bài tiếp" not in button
    # The pager offers the quiz where other lessons offer the next lesson.
    assert 'href="/quizzes/course/dich-vu-cong" rel="next">Bài kiểm tra cuối khoá →</a>' in page
    reply = client.post("/courses/dich-vu-cong/vneid/read", data={"csrf_token": csrf_token(client, "/courses/")})
    assert reply.headers["Location"] == "/quizzes/course/dich-vu-cong"
    assert "Hãy làm bài kiểm tra cuối khoá" in client.get(reply.headers["Location"]).get_data(as_text=True)

    # Read already, quiz failed: the same way, said as done.
    record_quiz_result(learner, course, 40.0, False)
    db.session.commit()
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert "✓ Đã đọc: làm bài kiểm tra cuối khoá" in read_button(page)

    # Quiz passed (the course is complete): back to the course page, its certificate.
    record_quiz_result(learner, course, 90.0, True)
    db.session.commit()
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert "✓ Đã đọc: về trang khoá học" in read_button(page)
    assert client.post("/courses/dich-vu-cong/vneid/read", data={"csrf_token": csrf_token(client, "/courses/")}
                       ).headers["Location"] == "/courses/dich-vu-cong/"


def test_the_last_lesson_of_a_course_without_a_quiz_finishes_it(app, client, content_dirs, make_user):
    courses_dir, quizzes_dir = content_dirs
    course_md = courses_dir / "dich-vu-cong" / "course.md"
    course_md.write_text("\n".join(line for line in course_md.read_text(encoding="utf-8").splitlines()
                                   if not line.startswith("quiz:")) + "\n", encoding="utf-8")
    sync_content(courses_dir, quizzes_dir)
    db.session.commit()
    make_user("hs.an")
    login(client, "hs.an")
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    # The first lesson is unread: the last one sends the learner back to it.
    assert "Tôi đã đọc xong bài này: sang bài chưa đọc" in read_button(page)
    assert client.post("/courses/dich-vu-cong/vneid/read", data={"csrf_token": csrf_token(client, "/courses/")}
                       ).headers["Location"] == "/courses/dich-vu-cong/gioi-thieu"
    client.post("/courses/dich-vu-cong/gioi-thieu/read", data={"csrf_token": csrf_token(client, "/courses/")})
    page = client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)
    assert "✓ Đã đọc: về trang khoá học" in read_button(page) and "/quizzes/" not in page


def test_the_shipped_last_lesson_links_its_final_quiz():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "courses" / "su-dung-dich-vu-cong-truc-tuyen"
    last = sorted(p for p in root.glob("[0-9][0-9]-*.md") if p.name.count(".") == 1)[-1]
    text = last.read_text(encoding="utf-8")
    assert "[làm bài kiểm tra cuối khoá](/quizzes/course/su-dung-dich-vu-cong-truc-tuyen)" in text
    assert "quiz: su-dung-dich-vu-cong-truc-tuyen" in (root / "course.md").read_text(encoding="utf-8")


# --- the course page ------------------------------------------------------------------


def actions(html: str) -> str:
    return html.split('id="next-step"', 1)[1].split("</p>", 1)[0]


def test_course_page_points_to_the_quiz_after_the_last_lesson_then_to_the_certificate(
        app, client, content_dirs, make_user):
    courses_dir, quizzes_dir = content_dirs
    sync_content(courses_dir, quizzes_dir)
    db.session.commit()
    course = db.session.scalar(select(Course))
    first, last = course.lessons
    assert 'href="/courses/dich-vu-cong/gioi-thieu">Bắt đầu: Giới thiệu</a>' in actions(
        client.get("/courses/dich-vu-cong/").get_data(as_text=True))  # a visitor: the first lesson

    learner = make_user("hs.an")
    login(client, "hs.an")
    mark_lesson_read(learner, first)
    db.session.commit()
    assert ">Tiếp tục: Tài khoản VNeID</a>" in actions(client.get("/courses/dich-vu-cong/").get_data(as_text=True))

    mark_lesson_read(learner, last)  # the last lesson: the page used to say "Tiếp tục: Tài khoản VNeID"
    db.session.commit()
    step = actions(client.get("/courses/dich-vu-cong/").get_data(as_text=True))
    assert 'href="/quizzes/course/dich-vu-cong">Làm bài kiểm tra cuối khoá</a>' in step and "Tiếp tục" not in step

    record_quiz_result(learner, course, 40.0, False)
    db.session.commit()
    assert ">Làm lại bài kiểm tra cuối khoá</a>" in actions(client.get("/courses/dich-vu-cong/").get_data(as_text=True))

    record_quiz_result(learner, course, 90.0, True)  # completes the course: the certificate is issued
    db.session.commit()
    page = client.get("/courses/dich-vu-cong/").get_data(as_text=True)
    [state] = learner_courses(learner, [course]).values()
    assert state.step.kind == NEXT_CERTIFICATE and state.percent == 100
    assert f'href="/certificates/{state.step.certificate_id}.pdf">Tải chứng nhận (PDF)</a>' in actions(page)
    assert 'href="/certificates/mine"' in actions(page)
    assert client.get(f"/certificates/{state.step.certificate_id}.pdf").status_code == 200


def test_a_revoked_certificate_is_not_offered(app, client, content_dirs, make_user):
    from lms.certificates.models import Certificate
    from lms.core.timeutil import utcnow

    sync_content(*content_dirs)
    db.session.commit()
    course = db.session.scalar(select(Course))
    learner = make_user("hs.an")
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    record_quiz_result(learner, course, 90.0, True)
    db.session.commit()
    cert = db.session.scalar(select(Certificate))
    cert.revoked_at = utcnow()
    db.session.commit()
    login(client, "hs.an")
    step = actions(client.get("/courses/dich-vu-cong/").get_data(as_text=True))
    assert "Đã hoàn thành khoá học" in step and "/certificates/" not in step


# --- due dates on the learner's home --------------------------------------------------


def test_due_dates_are_overdue_due_soon_or_later_on_the_vietnam_day():
    from datetime import date

    from lms.courses.rules import DUE_LATER, DUE_OVERDUE, DUE_SOON, due_state, home_order

    today = date(2026, 11, 24)
    assert due_state(date(2026, 11, 23), False, today) == DUE_OVERDUE
    assert due_state(date(2026, 11, 24), False, today) == DUE_SOON  # the day itself: not overdue yet
    assert due_state(date(2026, 11, 27), False, today) == DUE_SOON  # three days ahead
    assert due_state(date(2026, 11, 28), False, today) == DUE_LATER
    assert due_state(date(2026, 11, 1), True, today) is None  # completed: nothing to chase
    assert due_state(None, False, today) is None
    courses = {
        "later": home_order(DUE_LATER, date(2026, 12, 9), True, False),
        "sooner later": home_order(DUE_LATER, date(2026, 12, 1), True, False),
        "overdue": home_order(DUE_OVERDUE, date(2026, 11, 1), True, False),
        "soon": home_order(DUE_SOON, date(2026, 11, 26), True, False),
        "assigned, no date": home_order(None, None, True, False),
        "her own": home_order(None, None, False, False),
        "completed": home_order(None, date(2026, 11, 1), True, True),
    }
    assert sorted(courses, key=courses.get) == [
        "overdue", "soon", "sooner later", "later", "assigned, no date", "her own", "completed"]
