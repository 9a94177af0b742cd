"""A quiz page's heading names the quiz once (issue 18): "Bài kiểm tra: Kiểm tra: …" read twice."""

from lms.courses.services import mark_lesson_read
from lms.extensions import db
from lms.quizzes.titles import prefixed_title
from tests.conftest import login
from tests.quizzes.test_views import course  # noqa: F401  (the fixture: a course whose quiz is "Kiểm tra cuối khoá")


def test_a_title_that_already_says_quiz_gets_no_prefix():
    assert prefixed_title("Bài kiểm tra", "Kiểm tra: An toàn dữ liệu") == "Kiểm tra: An toàn dữ liệu"
    assert prefixed_title("Bài kiểm tra", "KIEM TRA cuối khoá") == "KIEM TRA cuối khoá"  # case and accents
    assert prefixed_title("Bài kiểm tra", "bài kiểm tra số 2") == "bài kiểm tra số 2"
    assert prefixed_title("Quiz", "Quiz: Online services") == "Quiz: Online services"
    # Other titles keep the prefix, also those that only share a syllable or a word inside.
    assert prefixed_title("Bài kiểm tra", "An toàn dữ liệu") == "Bài kiểm tra: An toàn dữ liệu"
    assert prefixed_title("Bài kiểm tra", "Trà xanh và sức khoẻ") == "Bài kiểm tra: Trà xanh và sức khoẻ"
    assert prefixed_title("Bài kiểm tra", "Kiểm soát dữ liệu") == "Bài kiểm tra: Kiểm soát dữ liệu"
    assert prefixed_title("Quiz", "Quizzes of the year") == "Quiz: Quizzes of the year"


def test_the_course_quiz_page_does_not_repeat_the_word(client, course, make_user):  # noqa: F811
    learner = make_user("hs.an")
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    db.session.commit()
    login(client, "hs.an")
    page = client.get(f"/quizzes/course/{course.slug}").get_data(as_text=True)
    assert "<h1>Kiểm tra cuối khoá</h1>" in page
    assert "Bài kiểm tra: Kiểm tra" not in page
    # The course's title does not say "quiz": the browser tab keeps the prefix.
    assert f"<title>Bài kiểm tra: {course.title} · " in page
