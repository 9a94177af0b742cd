"""A seeded platform for the fuzz tests: the shipped courses and question banks, the demo
tree and accounts (``lms demo``), and the objects every kind of route acts on - a course
attempt and a contest attempt of a learner, a certificate, lesson feedback, a judged round
with a judge, an API token, a pending deletion - plus throw-away targets for the routes
that deactivate, merge or delete, so that fuzzing them leaves the accounts used to sign
in untouched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from lms.auth.models import RoleAssignment, User
from lms.auth.services import NewUser, create_user
from lms.core.demo import DEMO_PASSWORD, load_demo_data
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import create_org

PASSWORD = DEMO_PASSWORD
COURSE = "su-dung-dich-vu-cong-truc-tuyen"
CONTEST = "tuyen-truyen-vien-gioi-2026"


@dataclass
class FuzzWorld:
    """Ids and slugs of the seeded objects, by the name a route's arguments use."""

    ids: dict[str, int] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)
    api_secret: str = ""


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _org(code: str) -> Organization:
    return db.session.scalar(select(Organization).where(Organization.code == code))


def build_fuzz_world() -> FuzzWorld:
    """Seed the current app's (empty, migrated) database; commit; return what was made."""
    from lms.certificates.services import issue_certificate
    from lms.contests import judging, organise, rounds
    from lms.contests import services as contest_services
    from lms.contests.models import Contest, Registration
    from lms.courses.models import Assignment, Course, Enrollment, Lesson
    from lms.courses.services import leave_feedback
    from lms.courses.sync import sync_content
    from lms.privacy.services import request_deletion
    from lms.quizzes.models import Question, QuestionBank
    from lms.quizzes.services import start_attempt, sync_bank_files
    from lms.reports.tokens import create_token

    quizzes = Path(current_app.config["QUIZZES_DIR"])
    sync_bank_files(quizzes)
    sync_content(Path(current_app.config["COURSES_DIR"]), quizzes)
    load_demo_data()
    db.session.commit()

    klass = _org("HN-THPT-CVA-11A1")
    school = _org("HN-THPT-CVA")
    spare_org = create_org("HN-THPT-CVA-11A9", "Lớp 11A9", "class", parent=school, headcount=30)
    create_org("HN-THPT-CVA-11A8", "Lớp 11A8", "class", parent=school, headcount=30)
    victim = create_user(NewUser(username="nan.nhan", full_name="Nạn Nhân", kind="student", org=klass,
                                 password=PASSWORD, date_of_birth=date(2009, 1, 1)))
    leaver = create_user(NewUser(username="hs.roi", full_name="Người Rời Đi", kind="student", org=klass,
                                 password=PASSWORD, date_of_birth=date(2009, 2, 2)))
    self_service = create_user(NewUser(username="hs.tu", full_name="Tự Phục Vụ", kind="student", org=klass,
                                       password=PASSWORD, date_of_birth=date(2009, 3, 3)))
    judge = create_user(NewUser(username="gk.tham", full_name="Giám Khảo", kind="civil_servant",
                                org=_org("HN-SGDDT"), password=PASSWORD))
    author = create_user(NewUser(username="tg.soan", full_name="Tác Giả", kind="civil_servant",
                                 org=_org("HN-SGDDT"), password=PASSWORD))
    db.session.add(RoleAssignment(user=author, role="author", org=None))
    victim_role = RoleAssignment(user=victim, role="teacher", org=spare_org)
    db.session.add(victim_role)
    request_deletion(leaver)
    request_deletion(self_service)  # so that the privacy page offers "cancel" too
    db.session.flush()

    admin, learner = _user("admin"), _user("hs.an")
    course = db.session.scalar(select(Course).where(Course.slug == COURSE))
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id).order_by(Lesson.position))
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == learner.id,
                                                            Enrollment.course_id == course.id))
    certificate = issue_certificate(learner, course, enrollment)
    feedback = leave_feedback(_user("hs.hoa"), lesson, 4, "Bài dễ hiểu")
    bank = db.session.scalar(select(QuestionBank).where(QuestionBank.slug == course.quiz_slug))
    course_attempt = start_attempt(learner, bank, course=course)
    question = db.session.scalar(select(Question).where(Question.bank_id == bank.id).order_by(Question.id))
    assignment = db.session.scalar(select(Assignment).where(Assignment.org_id == klass.id))

    contest = db.session.scalar(select(Contest).where(Contest.slug == CONTEST))
    # Every registration field on the form (the demo asks only for birth date and phone).
    contest.registration_fields = {"date_of_birth": True, "phone": True, "school": False, "class_name": False,
                                   "unit_name": False}
    now = utcnow().replace(microsecond=0)
    judged = organise.add_round(admin, contest, organise.RoundSettings(
        title="Vòng sản phẩm", kind="judged", opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=30)))
    judging.add_judge(admin, contest, judge)
    for user in (learner, _user("hs.hoa")):
        contest_services.register(user, contest, contest_services.RegistrationForm(
            full_name=user.full_name, date_of_birth=date(2009, 5, 1), phone="0912345678"))
    contest_attempt = rounds.start_round(learner, contest.rounds[0])
    judging.configure_round(admin, judged, accepted_kinds=["link", "article", "file"])
    entry = judging.submit_entry(_user("hs.hoa"), judged, "article", text="Bài dự thi về dịch vụ công.")
    token, secret = create_token(_user("quanly.sgd"), _org("HN-SGDDT"), "Bảng điều khiển")
    db.session.commit()

    registration = db.session.scalar(select(Registration).where(Registration.user_id == learner.id))
    return FuzzWorld(
        ids={"org_id": spare_org.id, "user_id": victim.id, "token_id": token.id,
             "assignment_id": assignment.id if assignment else 0, "attempt_id": course_attempt.id,
             "contest_attempt_id": contest_attempt.id, "question_id": question.id,
             "cert_id": certificate.id if certificate else 0, "feedback_id": feedback.id,
             "registration_id": registration.id, "deletion_user_id": leaver.id,
             "judge_user_id": judge.id, "self_user_id": self_service.id, "role_assignment_id": victim_role.id},
        strings={"contest": CONTEST, "bank": bank.slug, "course_slug": course.slug, "lesson_slug": lesson.slug,
                 "org_code": "HN-THPT-CVA", "class_code": "HN-THPT-CVA-11A1",
                 "cert_code": certificate.code if certificate else "x", "judged_round": str(judged.position),
                 "entry_code": entry.code},
        api_secret=secret)
