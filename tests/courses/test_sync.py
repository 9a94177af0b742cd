"""`lms sync-content`: all or nothing, progress survives edits, nothing is deleted."""

from sqlalchemy import func, select

from lms.courses.models import Course, Lesson, LessonProgress
from lms.courses.services import catalogue, mark_lesson_read
from lms.courses.sync import ContentError, sync_content
from lms.extensions import db
from tests.content_fixtures import write_course


def test_sync_loads_rendered_lessons(app, content_dirs):
    courses, quizzes = content_dirs
    report = sync_content(courses, quizzes)
    db.session.commit()
    assert report.created == ["dich-vu-cong"]
    course = db.session.scalar(select(Course))
    assert course.title == "Dịch vụ công trực tuyến"
    assert course.audience == ",citizen,student,"
    assert [lesson.slug for lesson in course.lessons] == ["gioi-thieu", "vneid"]
    html = course.lessons[0].html
    assert 'href="vneid"' in html and 'class="msg msg-sms"' in html


def test_second_sync_changes_nothing(app, content_dirs):
    courses, quizzes = content_dirs
    sync_content(courses, quizzes)
    db.session.commit()
    report = sync_content(courses, quizzes)
    assert report.unchanged == ["dich-vu-cong"] and report.lessons_rendered == 0


def test_a_broken_file_changes_nothing(app, content_dirs):
    courses, quizzes = content_dirs
    sync_content(courses, quizzes)
    db.session.commit()
    lesson_file = courses / "dich-vu-cong" / "01-gioi-thieu.md"
    lesson_file.write_text(lesson_file.read_text().replace("Nội dung bài", "Nội dung MỚI"), encoding="utf-8")
    write_course(courses, slug="khoa-moi")
    (courses / "dich-vu-cong" / "02-vneid.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    try:
        sync_content(courses, quizzes)
    except ContentError as err:
        assert any("02-vneid.md" in str(p) for p in err.problems)
        db.session.rollback()
    else:
        raise AssertionError("a broken lesson must stop the sync")
    assert db.session.scalar(select(func.count(Course.id))) == 1
    assert "MỚI" not in db.session.scalar(select(Lesson.html).where(Lesson.slug == "gioi-thieu"))


def test_cli_sync_reports_and_exits_non_zero_on_problems(app, content_dirs):
    courses, quizzes = content_dirs
    app.config.update(COURSES_DIR=str(courses), QUIZZES_DIR=str(quizzes))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["sync-content"])
    assert ok.exit_code == 0, ok.output
    assert "Khoá học: mới 1," in ok.output
    (courses / "dich-vu-cong" / "course.md").write_text("---\ntitle: x\n", encoding="utf-8")
    bad = runner.invoke(args=["sync-content"])
    assert bad.exit_code == 1
    assert "chưa thay đổi gì" in bad.output


def test_progress_survives_edits_and_removed_lessons_keep_records(app, content_dirs, make_user):
    courses, quizzes = content_dirs
    sync_content(courses, quizzes)
    db.session.commit()
    learner = make_user("hs.an")
    course = db.session.scalar(select(Course))
    first, second = course.lessons
    mark_lesson_read(learner, first, seconds=60)
    mark_lesson_read(learner, second, seconds=30)
    db.session.commit()

    d = courses / "dich-vu-cong"
    (d / "01-gioi-thieu.md").write_text((d / "01-gioi-thieu.md").read_text() + "\nThêm một đoạn.\n", encoding="utf-8")
    (d / "02-vneid.md").unlink()
    (d / "03-thanh-toan.md").write_text("---\ntitle: Thanh toán\n---\nNội dung.\n", encoding="utf-8")
    (d / "01-gioi-thieu.md").write_text((d / "01-gioi-thieu.md").read_text().replace("[bài tiếp](02-vneid.md)", "[bài tiếp](03-thanh-toan.md)"), encoding="utf-8")
    report = sync_content(courses, quizzes)
    db.session.commit()
    assert report.updated == ["dich-vu-cong"] and report.lessons_retired == 1
    db.session.expire_all()
    course = db.session.get(Course, course.id)
    assert [lesson.slug for lesson in course.lessons] == ["gioi-thieu", "thanh-toan"]
    assert "Thêm một đoạn" in course.lessons[0].html
    # Progress on the edited lesson is kept; the removed lesson and its record still exist.
    assert db.session.scalar(select(func.count(LessonProgress.id)).where(LessonProgress.user_id == learner.id)) == 2
    assert db.session.scalar(select(Lesson.active).where(Lesson.slug == "vneid")) is False


def test_removed_course_is_archived_not_deleted(app, content_dirs):
    import shutil

    courses, quizzes = content_dirs
    write_course(courses, slug="khoa-hai")
    sync_content(courses, quizzes)
    db.session.commit()
    shutil.rmtree(courses / "khoa-hai")
    report = sync_content(courses, quizzes)
    db.session.commit()
    assert report.archived == ["khoa-hai"]
    assert db.session.scalar(select(func.count(Course.id))) == 2
    assert [c.slug for c in catalogue()] == ["dich-vu-cong"]


def test_vietnamese_search_with_or_without_accents(app, content_dirs):
    courses, quizzes = content_dirs
    sync_content(courses, quizzes)
    db.session.commit()
    for query in ("dịch vụ công", "dich vu cong", "DICH VU", "vneid", "tài khoản"):
        assert [c.slug for c in catalogue(query)] == ["dich-vu-cong"], query
    assert catalogue("thuế") == []
    assert [c.slug for c in catalogue(audience="student")] == ["dich-vu-cong"]
    assert catalogue(audience="civil_servant") == []
