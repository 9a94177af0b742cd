"""A small world for the reminder tests: a class with learners, a course, a contest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from lms.contests.models import Contest, ContestRound, Registration, RoundEntry
from lms.courses.models import Assignment, Course, Enrollment
from lms.extensions import db

# 10:00 on 12 May 2026 in Vietnam (03:00 UTC).
NOW = datetime(2026, 5, 12, 3, 0)
YESTERDAY = NOW - timedelta(days=1)


@dataclass
class World:
    tree: dict
    an: object      # learner of class A1, with an email address
    binh: object    # learner of class A1, with an email address, reads English
    chi: object     # learner of class A1, no email address
    khac: object    # learner of class B1
    course: Course


@pytest.fixture
def world(app, sample_tree, make_user):
    klass = sample_tree["class_a1"]
    an = make_user("hs.an", org=klass, full_name="Nguyễn Văn An", kind="student", email="an@example.vn")
    binh = make_user("hs.binh", org=klass, full_name="Lê Thị Bình", kind="student", email="binh@example.vn")
    binh.locale = "en"
    chi = make_user("hs.chi", org=klass, full_name="Trần Minh Chi", kind="student")
    khac = make_user("hs.khac", org=sample_tree["class_b1"], full_name="Phạm Khác", kind="student",
                     email="khac@example.vn")
    course = Course(slug="dich-vu-cong", title="Dịch vụ công trực tuyến", lesson_count=2,
                    translations={"en": {"title": "Online public services"}})
    db.session.add(course)
    db.session.commit()
    app.config["PUBLIC_BASE_URL"] = "https://hoc.example.vn"
    return World(sample_tree, an, binh, chi, khac, course)


def assign(world, org, due_on=None, created_at=YESTERDAY) -> Assignment:
    assignment = Assignment(course_id=world.course.id, org_id=org.id, due_on=due_on, created_at=created_at)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def complete(user, course) -> None:
    db.session.add(Enrollment(user_id=user.id, course_id=course.id, completed_at=NOW - timedelta(days=2)))
    db.session.commit()


def contest_with_round(opens_at, closes_at, status="open", slug="hoi-thi") -> tuple[Contest, ContestRound]:
    contest = Contest(slug=slug, title="Hội thi tuyên truyền viên giỏi", status=status)
    db.session.add(contest)
    db.session.flush()
    round_ = ContestRound(contest_id=contest.id, position=1, kind="judged", title="Vòng 1",
                          opens_at=opens_at, closes_at=closes_at)
    db.session.add(round_)
    db.session.commit()
    return contest, round_


def register(contest, user, at) -> Registration:
    registration = Registration(contest_id=contest.id, user_id=user.id, org_id=user.org_id,
                                full_name=user.full_name, created_at=at)
    db.session.add(registration)
    db.session.commit()
    return registration


def hand_in(round_, registration, at) -> RoundEntry:
    entry = RoundEntry(round_id=round_.id, registration_id=registration.id, submitted_at=at, score=80.0)
    db.session.add(entry)
    db.session.commit()
    return entry
