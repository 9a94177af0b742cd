"""Progress, completion, quiz results, assignments and feedback rules with a real database."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.core.errors import ServiceError
from lms.courses import services
from lms.courses.models import Course, Enrollment, LessonProgress
from lms.courses.sync import sync_content
from lms.extensions import db


@pytest.fixture
def course(app, content_dirs):
    sync_content(*content_dirs)
    db.session.commit()
    return db.session.scalar(select(Course))


def test_completion_waits_for_the_quiz(course, make_user):
    learner = make_user("hs.an")
    for lesson in course.lessons:
        services.mark_lesson_read(learner, lesson, seconds=90)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id))
    assert enrollment.completed_at is None  # the course has a quiz
    services.record_quiz_result(learner, course, 60.0, passed=False)
    assert enrollment.completed_at is None
    services.record_quiz_result(learner, course, 85.0, passed=True)
    assert enrollment.completed_at is not None
    assert enrollment.score == 85.0 and enrollment.course_version == 1


def test_completion_hooks_run_once(course, make_user):
    calls = []
    services.COMPLETION_HOOKS.append(lambda user, c, e: calls.append((user.id, c.id)))
    try:
        learner = make_user("hs.binh")
        services.record_quiz_result(learner, course, 90.0, passed=True)
        for lesson in course.lessons:
            services.mark_lesson_read(learner, lesson)
        services.mark_lesson_read(learner, course.lessons[0])
        assert calls == [(learner.id, course.id)]
    finally:
        services.COMPLETION_HOOKS.pop()


def test_time_spent_is_capped_and_accumulates(course, make_user):
    learner = make_user("hs.an")
    lesson = course.lessons[0]
    services.mark_lesson_read(learner, lesson, seconds=100)
    services.mark_lesson_read(learner, lesson, seconds=10 ** 6)
    row = db.session.scalar(select(LessonProgress).where(LessonProgress.user_id == learner.id))
    assert row.seconds_spent == 100 + services.MAX_SECONDS_PER_VIEW


def test_assignment_reaches_learners_below_the_unit(course, make_user, sample_tree):
    teacher = make_user("gv.a", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    in_class = make_user("hs.a1", org=sample_tree["class_a1"])
    elsewhere = make_user("hs.b1", org=sample_tree["class_b1"])
    due = date.today() + timedelta(days=7)
    services.assign_course(teacher, course, sample_tree["class_a1"], due_on=due)
    db.session.commit()
    assert [(a.course.slug, a.due_on) for a in services.assignments_for(in_class)] == [("dich-vu-cong", due)]
    assert services.assignments_for(elsewhere) == []
    with pytest.raises(ServiceError):
        services.assign_course(teacher, course, sample_tree["class_b1"])
    with pytest.raises(ServiceError):
        services.assign_course(teacher, course, sample_tree["class_a1"], due_on=date.today() - timedelta(days=1))


def test_manager_assignment_covers_the_subtree_and_survives_a_merge(course, make_user, sample_tree):
    from lms.orgs.services import merge_org

    manager = make_user("ql.tinh", org=sample_tree["province"], roles=[("manager", sample_tree["province"])])
    admin = make_user("admin", roles=[("admin", None)])
    learner = make_user("hs.b1", org=sample_tree["class_b1"])
    services.assign_course(manager, course, sample_tree["school_b"])
    db.session.commit()
    assert len(services.assignments_for(learner)) == 1
    merge_org(sample_tree["school_b"], sample_tree["school_a"], actor=admin)
    db.session.commit()
    db.session.expire_all()
    assert len(services.assignments_for(learner)) == 1  # the class moved under A with its learners


def test_feedback_is_one_per_learner_and_republished_after_edit(course, make_user):
    learner = make_user("hs.an")
    author = make_user("tac.gia", roles=[("author", None)])
    lesson = course.lessons[0]
    fb = services.leave_feedback(learner, lesson, 4, "Bài  viết dễ hiểu")
    services.set_feedback_published(author, fb, True)
    assert [f.comment for f in services.published_feedback(lesson)] == ["Bài viết dễ hiểu"]
    again = services.leave_feedback(learner, lesson, 5, "Rất hay, cảm ơn")
    assert again.id == fb.id and again.rating == 5 and not again.published
    assert services.published_feedback(lesson) == []
    with pytest.raises(ServiceError):
        services.leave_feedback(learner, lesson, 6, None)
    assert services.lesson_feedback_summary(course) == {lesson.id: (1, 5.0)}


def test_due_dates_are_checked_against_the_vietnam_day(course, make_user, sample_tree, monkeypatch):
    """20:00 UTC on 1 January is 03:00 on 2 January in Vietnam: a due date of 1 January is past,
    whatever the server's own clock zone says (it used to be date.today())."""
    from datetime import datetime

    from lms.core import timeutil

    teacher = make_user("gv.a", org=sample_tree["school_a"], roles=[("teacher", sample_tree["class_a1"])])
    monkeypatch.setattr(timeutil, "utcnow", lambda: datetime(2030, 1, 1, 20, 0))
    with pytest.raises(ServiceError) as err:
        services.assign_course(teacher, course, sample_tree["class_a1"], due_on=date(2030, 1, 1))
    assert err.value.field == "due_on"
    assignment = services.assign_course(teacher, course, sample_tree["class_a1"], due_on=date(2030, 1, 2))
    assert assignment.due_on == date(2030, 1, 2)  # today in Vietnam is not past
