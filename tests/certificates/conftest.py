"""A learner who completed a certificate course: the starting point of most certificate tests."""

import pytest
from sqlalchemy import select

from lms.courses.models import Course
from lms.courses.services import mark_lesson_read, record_quiz_result
from lms.courses.sync import sync_content
from lms.extensions import db

NAME = "Nguyễn Thị Hoà"


@pytest.fixture
def completed(app, content_dirs, make_user, sample_tree):
    """(learner, course): hs.hoa read every lesson and passed the quiz with 90, so the course
    issued her certificate."""
    sync_content(*content_dirs)
    db.session.commit()
    course = db.session.scalar(select(Course))
    learner = make_user("hs.hoa", org=sample_tree["class_a1"], full_name=NAME, kind="student")
    for lesson in course.lessons:
        mark_lesson_read(learner, lesson)
    record_quiz_result(learner, course, 90.0, passed=True)
    db.session.commit()
    return learner, course
