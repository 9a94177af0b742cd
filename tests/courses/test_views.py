"""Course pages: catalogue, reading, progress, print view, feedback, assignments, page weight."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from lms.courses.models import Enrollment, LessonFeedback
from lms.courses.sync import sync_content
from lms.extensions import db
from tests.conftest import csrf_token, login, post_form
from tests.content_fixtures import write_course

STATIC = Path(__file__).resolve().parents[2] / "lms" / "static" / "css"


@pytest.fixture
def courses(app, content_dirs):
    courses_dir, quizzes_dir = content_dirs
    course = courses_dir / "dich-vu-cong"
    (course / "anh.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    (course / "01-gioi-thieu.en.md").write_text("---\ntitle: Introduction\n---\nEnglish text here.\n", encoding="utf-8")
    (course / "02-vneid.md").write_text(
        "---\ntitle: Tài khoản VNeID\n---\n| Mức | Cách |\n|--|--|\n| 2 | Công an |\n\n![Ảnh](anh.png)\n", encoding="utf-8")
    (course / "secret.txt").write_text("x", encoding="utf-8")
    app.config.update(COURSES_DIR=str(courses_dir), QUIZZES_DIR=str(quizzes_dir))
    sync_content(courses_dir, quizzes_dir)
    db.session.commit()
    return courses_dir, quizzes_dir


def count_queries(client, url):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_catalogue_search_without_accents_and_audience(client, courses):
    page = client.get("/courses/?q=dich+vu+cong").get_data(as_text=True)
    assert "Dịch vụ công trực tuyến" in page
    assert "Dịch vụ công trực tuyến" not in client.get("/courses/?q=thue").get_data(as_text=True)
    assert "Dịch vụ công trực tuyến" not in client.get("/courses/?audience=civil_servant").get_data(as_text=True)


def test_catalogue_query_count_does_not_grow_with_courses(client, courses, make_user):
    courses_dir, quizzes_dir = courses
    make_user("hs.an")
    login(client, "hs.an")
    few = count_queries(client, "/courses/")
    for i in range(9):
        write_course(courses_dir, slug=f"khoa-{i}")
    sync_content(courses_dir, quizzes_dir)
    db.session.commit()
    assert count_queries(client, "/courses/") == few


def test_reading_marks_progress_and_resumes(client, courses, make_user):
    user = make_user("hs.an")
    login(client, "hs.an")
    page = client.get("/courses/dich-vu-cong/gioi-thieu").get_data(as_text=True)
    assert "Bài 1 / 2" in page or "Lesson 1 of 2" in page
    assert 'class="msg msg-sms"' in page and 'rel="next"' in page
    response = post_form(client, "/courses/dich-vu-cong/gioi-thieu/read", {}, page="/courses/dich-vu-cong/gioi-thieu")
    assert response.headers["Location"].endswith("/courses/dich-vu-cong/vneid")
    client.get("/courses/dich-vu-cong/vneid")
    course_page = client.get("/courses/dich-vu-cong/").get_data(as_text=True)
    assert "/courses/dich-vu-cong/vneid" in course_page.split('class="actions"')[1].split("</p>")[0]
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == user.id))
    assert enrollment.completed_at is None  # the quiz is still to pass


def test_completion_without_quiz(client, courses, make_user):
    courses_dir, quizzes_dir = courses
    course_md = courses_dir / "dich-vu-cong" / "course.md"
    course_md.write_text(course_md.read_text().replace("quiz: dvc\n", ""), encoding="utf-8")
    sync_content(courses_dir, quizzes_dir)
    db.session.commit()
    user = make_user("hs.an")
    login(client, "hs.an")
    for lesson in ("gioi-thieu", "vneid"):
        post_form(client, f"/courses/dich-vu-cong/{lesson}/read", {}, page=f"/courses/dich-vu-cong/{lesson}")
    db.session.expire_all()
    assert db.session.scalar(select(Enrollment.completed_at).where(Enrollment.user_id == user.id)) is not None


def test_english_translation_with_fallback(client, courses):
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/"})
    assert "English text here." in client.get("/courses/dich-vu-cong/gioi-thieu").get_data(as_text=True)
    assert "Công an" in client.get("/courses/dich-vu-cong/vneid").get_data(as_text=True)  # no translation: Vietnamese


def test_media_serves_images_only_from_the_course(client, courses):
    assert client.get("/courses/dich-vu-cong/media/anh.png").status_code == 200
    assert client.get("/courses/dich-vu-cong/media/secret.txt").status_code == 404
    assert client.get("/courses/dich-vu-cong/media/..%2Fcourse.md").status_code == 404
    assert client.get("/courses/dich-vu-cong/media/../course.md").status_code == 404


def test_print_view_has_every_lesson(client, courses):
    page = client.get("/courses/dich-vu-cong/print").get_data(as_text=True)
    assert "1. Giới thiệu" in page and "2. Tài khoản VNeID" in page and "leaflet-columns" in page


def test_feedback_and_publishing(client, courses, make_user):
    make_user("hs.an")
    make_user("tacgia", roles=[("author", None)])
    login(client, "hs.an")
    post_form(client, "/courses/dich-vu-cong/gioi-thieu/feedback", {"rating": "5", "comment": "Rất dễ hiểu"},
              page="/courses/dich-vu-cong/gioi-thieu")
    feedback = db.session.scalar(select(LessonFeedback))
    assert feedback.rating == 5 and not feedback.published
    token = csrf_token(client, "/")
    assert client.post(f"/courses/feedback/{feedback.id}/publish", data={"csrf_token": token, "publish": "1"}).status_code == 404
    assert client.get("/courses/dich-vu-cong/feedback").status_code == 404
    client.post("/logout", data={"csrf_token": token})
    login(client, "tacgia")
    assert "Rất dễ hiểu" in client.get("/courses/dich-vu-cong/feedback").get_data(as_text=True)
    post_form(client, f"/courses/feedback/{feedback.id}/publish", {"publish": "1"}, page="/courses/dich-vu-cong/feedback")
    assert "Rất dễ hiểu" in client.get("/courses/dich-vu-cong/gioi-thieu").get_data(as_text=True)


def test_assignments_scope_and_overdue(client, courses, make_user, sample_tree):
    from lms.courses.models import Assignment

    make_user("gv.a1", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    make_user("hs.a1", org=sample_tree["class_a1"])
    login(client, "gv.a1")
    page = client.get("/courses/assignments").get_data(as_text=True)
    assert "Lớp A1" in page and "Lớp B1" not in page
    post_form(client, "/courses/assignments", {"course": "dich-vu-cong", "org_id": str(sample_tree["class_b1"].id)},
              page="/courses/assignments")
    assert db.session.scalar(select(Assignment.id)) is None  # not a choice for this teacher
    post_form(client, "/courses/assignments", {"course": "dich-vu-cong", "org_id": str(sample_tree["class_a1"].id),
                                               "due_on": (date.today() + timedelta(days=3)).isoformat()},
              page="/courses/assignments")
    assignment = db.session.scalar(select(Assignment))
    assert assignment.org_id == sample_tree["class_a1"].id
    assignment.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "hs.a1")
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert 'class="overdue"' in catalogue and ("Quá hạn" in catalogue or "Overdue" in catalogue)


def test_learner_and_teacher_agree_on_overdue_before_7am_in_vietnam(client, courses, make_user, sample_tree,
                                                                  monkeypatch):
    """At 03:00 in Vietnam (20:00 UTC the day before) a course due "yesterday" is overdue on the
    learner's own page exactly when the teacher's report says so (both read the Vietnam day)."""
    from datetime import datetime

    from lms.core import timeutil
    from lms.courses.models import Assignment, Course
    from lms.reports import services as reports

    course = db.session.scalar(select(Course).where(Course.slug == "dich-vu-cong"))
    db.session.add(Assignment(course_id=course.id, org_id=sample_tree["class_a1"].id, due_on=date(2030, 1, 1)))
    make_user("hs.a1", org=sample_tree["class_a1"])
    db.session.commit()
    login(client, "hs.a1")
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2030, 1, 1, 20, 0))  # 2 January, 03:00 in Vietnam
    catalogue = client.get("/courses/").get_data(as_text=True)
    assert 'class="overdue"' in catalogue
    matrix = reports.class_matrix(sample_tree["class_a1"], course.id)
    assert [row.overdue for row in matrix.rows] == [True]
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2030, 1, 1, 16, 0))  # 23:00 on 1 January
    assert 'class="overdue"' not in client.get("/courses/").get_data(as_text=True)
    assert [row.overdue for row in reports.class_matrix(sample_tree["class_a1"], course.id).rows] == [False]


def test_lesson_page_weighs_under_60_kb_with_its_css(client, courses, make_user):
    make_user("hs.an")
    login(client, "hs.an")
    html = client.get("/courses/dich-vu-cong/gioi-thieu").data
    weight = len(html) + (STATIC / "site.css").stat().st_size + (STATIC / "lesson.css").stat().st_size
    assert weight < 60 * 1024, weight


def test_managers_publish_feedback_of_their_own_learners_only(client, courses, make_user, sample_tree):
    make_user("hs.a1", org=sample_tree["class_a1"])
    make_user("hs.b1", org=sample_tree["class_b1"])
    make_user("ql.a", org=sample_tree["school_a"], roles=[("manager", sample_tree["school_a"])])
    for username, comment in (("hs.a1", "Ý kiến lớp A1"), ("hs.b1", "Ý kiến lớp B1")):
        login(client, username)
        post_form(client, "/courses/dich-vu-cong/gioi-thieu/feedback", {"rating": "4", "comment": comment},
                  page="/courses/dich-vu-cong/gioi-thieu")
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "ql.a")
    page = client.get("/courses/dich-vu-cong/feedback").get_data(as_text=True)
    assert "Ý kiến lớp A1" in page and "Ý kiến lớp B1" not in page
    other = db.session.scalar(select(LessonFeedback).where(LessonFeedback.comment == "Ý kiến lớp B1"))
    mine = db.session.scalar(select(LessonFeedback).where(LessonFeedback.comment == "Ý kiến lớp A1"))
    token = csrf_token(client, "/")
    assert client.post(f"/courses/feedback/{other.id}/publish", data={"csrf_token": token, "publish": "1"}).status_code == 404
    client.post(f"/courses/feedback/{mine.id}/publish", data={"csrf_token": token, "publish": "1"})
    db.session.expire_all()
    assert db.session.get(LessonFeedback, mine.id).published and not db.session.get(LessonFeedback, other.id).published
