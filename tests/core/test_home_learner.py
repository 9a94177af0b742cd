"""A learner's home (issue 18): assigned courses with due dates said in words, progress and
the next step of each, recent results, certificates and contests open to her; visitors keep
today's page; staff who also learn see both parts."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from lms.contests import organise, rounds
from lms.contests import services as contest_services
from lms.core.timeutil import utcnow, vn_today
from lms.courses.models import Assignment, Course
from lms.courses.services import mark_lesson_read, record_quiz_result
from lms.courses.sync import sync_content
from lms.extensions import db
from lms.learner.services import learner_home
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank
from tests.conftest import login
from tests.content_fixtures import write_course

BANK = "---\ntitle: Kiểm tra\nshuffle_questions: false\n---\n## Câu 1\n- [x] A\n- [ ] B\n\n## Câu 2\n- [x] C\n- [ ] D\n"


@pytest.fixture
def school(app, content_dirs, sample_tree):
    """Three courses (each with two lessons and the "dvc" quiz), two assigned to class A1."""
    courses_dir, quizzes_dir = content_dirs
    write_course(courses_dir, slug="an-toan-du-lieu")
    write_course(courses_dir, slug="chu-ky-so")
    sync_content(courses_dir, quizzes_dir)
    quiz_services.load_bank("dvc", parse_markdown_bank(BANK))
    titles = {"dich-vu-cong": "Dịch vụ công trực tuyến", "an-toan-du-lieu": "An toàn dữ liệu",
              "chu-ky-so": "Chữ ký số"}
    courses = {c.slug: c for c in db.session.scalars(select(Course))}
    for slug, title in titles.items():
        courses[slug].title = title
    today = vn_today()
    db.session.add(Assignment(course_id=courses["dich-vu-cong"].id, org_id=sample_tree["class_a1"].id,
                              due_on=today - timedelta(days=2)))
    db.session.add(Assignment(course_id=courses["an-toan-du-lieu"].id, org_id=sample_tree["school_a"].id,
                              due_on=today + timedelta(days=2)))
    db.session.commit()
    return courses


def main(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def cards(html: str, section: str) -> list[str]:
    part = main(html).split(f'id="home-{section}"', 1)
    return part[1].split("</section>", 1)[0].split('<li class="home-card')[1:] if len(part) > 1 else []


def test_a_visitor_keeps_todays_page(client, school):
    html = client.get("/").get_data(as_text=True)
    assert "Học cách sử dụng dịch vụ công trực tuyến" in html or 'href="/register"' in html
    assert "home-courses" not in html and "home.css" not in html


def test_assigned_courses_with_due_dates_in_words_progress_and_next_step(client, school, make_user, sample_tree):
    learner = make_user("hs.an", org=sample_tree["class_a1"], full_name="Nguyễn Văn An")
    mark_lesson_read(learner, school["chu-ky-so"].lessons[0])  # begun on her own, not assigned
    for lesson in school["an-toan-du-lieu"].lessons:
        mark_lesson_read(learner, lesson)
    db.session.commit()
    login(client, "hs.an")
    html = client.get("/").get_data(as_text=True)
    courses = cards(html, "courses")
    assert [re.search(r">([^<]+)</a></h3>", c).group(1) for c in courses] == [
        "Dịch vụ công trực tuyến", "An toàn dữ liệu", "Chữ ký số"]  # overdue, due soon, begun
    overdue, soon, own = courses
    day = (vn_today() - timedelta(days=2)).strftime("%d/%m/%Y")
    assert f"⚠ Quá hạn: hạn chót {day}" in overdue and 'is-overdue"' in overdue  # words and sign, not colour alone
    assert "Bắt đầu: Giới thiệu" in overdue and "đã hoàn thành 0%" in overdue
    soon_day = (vn_today() + timedelta(days=2)).strftime("%d/%m/%Y")
    assert f"◷ Sắp đến hạn: {soon_day} (còn 2 ngày)" in soon
    assert "Làm bài kiểm tra cuối khoá" in soon and 'href="/quizzes/course/an-toan-du-lieu"' in soon
    assert 'value="67"' in soon  # 2 lessons of 3 steps
    assert "Hạn:" not in own and "Tiếp tục: Tài khoản VNeID" in own


def test_results_certificates_and_the_next_step_after_passing(client, school, make_user, sample_tree):
    learner = make_user("hs.an", org=sample_tree["class_a1"])
    course = school["dich-vu-cong"]
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    attempt = quiz_services.start_attempt(learner, quiz_services.get_bank("dvc"), course=course)
    quiz_services.save_answer(attempt, attempt.items[0]["v"], ["0"])
    quiz_services.finish_attempt(attempt)  # 50%: not passed
    db.session.commit()
    login(client, "hs.an")
    html = client.get("/").get_data(as_text=True)
    assert "Làm lại bài kiểm tra cuối khoá" in cards(html, "courses")[0]
    results = main(html).split('id="home-results"', 1)[1].split("</section>", 1)[0]
    assert f'href="/quizzes/attempts/{attempt.id}/review">Kiểm tra</a>' in results
    assert "<strong>50%</strong> · ✗ Chưa đạt" in results

    record_quiz_result(learner, course, 100.0, True)  # passed: complete, the certificate is issued
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    card = next(c for c in cards(html, "courses") if "Dịch vụ công trực tuyến" in c)
    assert "Tải chứng nhận (PDF)" in card and "Quá hạn" not in card  # a completed course is not overdue
    certificates = main(html).split('id="home-certificates"', 1)[1].split("</section>", 1)[0]
    assert "Dịch vụ công trực tuyến" in certificates and "Tải tệp PDF" in certificates


def contest_with_round(scope, *, opens_in=timedelta(hours=-1), slug="hoi-thi", title="Hội thi Dịch vụ công"):
    contest = contest_services.create_contest(None, slug, title, scope=scope)
    contest.status = "open"
    quiz_services.load_bank(f"{slug}-bank", parse_markdown_bank("---\ntitle: V1\n---\n## Câu 1\n- [x] A\n- [ ] B\n"))
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now + opens_in, closes_at=now + opens_in + timedelta(hours=2),
        bank_slug=f"{slug}-bank", time_limit_minutes=10))
    db.session.commit()
    return contest


def test_contests_open_to_her_registration_then_the_round_then_submitted(client, school, make_user, sample_tree):
    learner = make_user("hs.an", org=sample_tree["class_a1"])
    contest = contest_with_round(sample_tree["province"])
    contest_with_round(sample_tree["school_b"], slug="truong-b", title="Hội thi của Trường B")  # not her unit
    later = contest_with_round(None, slug="sap-mo", title="Hội thi sắp mở", opens_in=timedelta(days=1))
    draft = contest_with_round(None, slug="nhap", title="Hội thi nháp")
    draft.status = "draft"
    db.session.commit()
    login(client, "hs.an")
    shown = cards(client.get("/").get_data(as_text=True), "contests")
    assert len(shown) == 2 and "Hội thi của Trường B" not in "".join(shown) and "Hội thi nháp" not in "".join(shown)
    mine = next(c for c in shown if "Hội thi Dịch vụ công" in c)
    assert "Đang mở đăng ký." in mine and 'href="/contests/hoi-thi/">Đăng ký dự thi</a>' in mine

    contest_services.register(learner, contest, contest_services.RegistrationForm(full_name="Nguyễn An"))
    contest_services.register(learner, later, contest_services.RegistrationForm(full_name="Nguyễn An"))
    db.session.commit()
    shown = cards(client.get("/").get_data(as_text=True), "contests")
    mine = next(c for c in shown if "Hội thi Dịch vụ công" in c)
    assert "Vòng 1 đang mở đến" in mine and ">Vào thi</a>" in mine and "Đăng ký dự thi" not in mine
    assert "Vòng 1 mở lúc" in next(c for c in shown if "Hội thi sắp mở" in c)

    attempt = rounds.start_round(learner, contest.rounds[0])
    quiz_services.finish_attempt(attempt)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    mine = next(c for c in cards(html, "contests") if "Hội thi Dịch vụ công" in c)
    assert "✓ Bạn đã nộp bài." in mine and "Vào thi" not in mine
    # Its score stays hidden until the round closes, on the home as on the review.
    results = main(html).split('id="home-results"', 1)[1].split("</section>", 1)[0]
    assert "Hội thi Dịch vụ công: Vòng 1" in results and "Kết quả sẽ được công bố sau." in results
    assert "%" not in results


def test_a_teacher_who_learns_sees_her_courses_and_one_who_does_not_is_not_told_to_begin(
        client, school, make_user, sample_tree):
    make_user("gv.a1", org=sample_tree["class_a1"], roles=[("teacher", sample_tree["class_a1"])])
    login(client, "gv.a1")
    html = client.get("/").get_data(as_text=True)
    assert cards(html, "courses")  # her class's courses reach her too
    assert 'href="/courses/assignments"' in html.split('<main id="main"', 1)[0]  # her pages, in the menu

    make_user("ql.b", org=sample_tree["school_b"], roles=[("manager", sample_tree["school_b"])])
    client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)})
    login(client, "ql.b")
    html = client.get("/").get_data(as_text=True)
    assert "home-courses" not in html and "Bạn chưa được giao khoá học nào" not in html
    assert 'href="/courses/assignments"' in html and 'href="/courses/">Khoá học của tôi</a>' in html


def test_a_new_learner_is_told_where_to_begin(client, school, make_user, sample_tree):
    make_user("dan", org=sample_tree["class_b1"])
    login(client, "dan")
    html = main(client.get("/").get_data(as_text=True))
    assert "Bạn chưa được giao khoá học nào." in html and 'href="/courses/">Xem các khoá học</a>' in html


def test_the_home_stays_light_and_its_queries_do_not_grow_with_courses(
        client, school, make_user, sample_tree, content_dirs):
    learner = make_user("hs.an", org=sample_tree["class_a1"])
    login(client, "hs.an")

    def queries():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            response = client.get("/")
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert response.status_code == 200
        return len(statements), len(response.data)

    few, _ = queries()
    courses_dir, quizzes_dir = content_dirs
    for i in range(6):
        write_course(courses_dir, slug=f"khoa-{i}")
    sync_content(courses_dir, quizzes_dir)
    for course in db.session.scalars(select(Course).where(Course.slug.like("khoa-%"))):
        db.session.add(Assignment(course_id=course.id, org_id=sample_tree["class_a1"].id,
                                  due_on=vn_today() + timedelta(days=10)))
        mark_lesson_read(learner, course.lessons[0])
    db.session.commit()
    many, weight = queries()
    assert many == few
    assert len(learner_home(learner).courses) == 8
    assert weight < 16 * 1024, weight  # eight courses; the issue measured the home at 9.9 KiB with CSS
