"""Demo data for `make run`: a small tree from a province down to classes, and accounts
for each role. Loading it twice changes nothing."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from lms.auth.models import RoleAssignment, User
from lms.auth.services import NewUser, create_user
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import create_org

DEMO_PASSWORD = "demo-dvc-2026"
# The demo contest's paper: a bank of its own, the quiz of no course. A round seals the keys
# of the bank it draws from while it is scheduled or running (docs/contests.md), so drawing
# from a course's quiz would hide that course's answers and scores, and pause its practice,
# for the month the demo round stays open.
DEMO_CONTEST_BANK = "hoi-thi-tuyen-truyen-vien-gioi"
# What the demo contest drew from before it had a bank of its own (see _unseal_old_demo_round).
_OLD_DEMO_CONTEST_BANK = "ky-nang-tuyen-truyen-vien"

# (code, name, kind, parent code, headcount, join code)
DEMO_ORGS = [
    ("VN", "Việt Nam", "other", None, None, None),
    ("HN", "Thành phố Hà Nội", "province", "VN", None, None),
    ("HN-SGDDT", "Sở Giáo dục và Đào tạo Hà Nội", "department", "HN", 120, None),
    ("HN-THPT-CVA", "Trường THPT Chu Văn An", "school", "HN-SGDDT", 1500, None),
    ("HN-THPT-CVA-11A1", "Lớp 11A1", "class", "HN-THPT-CVA", 42, "LOP11A1X"),
    ("HN-THPT-CVA-11A2", "Lớp 11A2", "class", "HN-THPT-CVA", 40, "LOP11A2X"),
    ("HN-THPT-VD", "Trường THPT Việt Đức", "school", "HN-SGDDT", 1700, None),
    ("HN-THPT-VD-10A1", "Lớp 10A1", "class", "HN-THPT-VD", 45, "LOP10A1X"),
    ("HN-PHUONG-BD", "UBND phường Ba Đình", "commune", "HN", 60, "PBADINH2"),
    ("LC", "Tỉnh Lào Cai", "province", "VN", None, None),
    ("LC-XA-SAPA", "UBND xã Sa Pa", "commune", "LC", 35, "XASAPA26"),
]

# (username, full name, kind, org code, roles as (role, org code or None))
DEMO_USERS = [
    ("admin", "Quản trị hệ thống", "civil_servant", "VN", [("admin", None)]),
    ("quanly.sgd", "Trần Thị Thu Hương", "civil_servant", "HN-SGDDT", [("manager", "HN-SGDDT")]),
    ("gv.cva", "Lê Văn Đức", "civil_servant", "HN-THPT-CVA", [("teacher", "HN-THPT-CVA-11A1")]),
    ("hs.an", "Nguyễn Văn An", "student", "HN-THPT-CVA-11A1", []),
    ("hs.hoa", "Phạm Thị Hoà", "student", "HN-THPT-CVA-11A1", []),
    ("hs.minh", "Đỗ Quang Minh", "student", "HN-THPT-VD-10A1", []),
    ("cb.badinh", "Hoàng Thị Lụa", "civil_servant", "HN-PHUONG-BD", []),
    ("cb.sapa", "Giàng A Páo", "civil_servant", "LC-XA-SAPA", [("manager", "LC-XA-SAPA")]),
]


def _date_headcounts_back(org_ids: list[int]) -> None:
    """The demo units stand for units that existed long before the demo contest, whose round
    opened an hour ago: their headcounts count from 30 days back, so the contest pages do not
    flag them as set after the first round opened."""
    from datetime import timedelta

    from sqlalchemy import update

    from lms.core.timeutil import utcnow
    from lms.orgs.models import HeadcountChange

    if org_ids:
        db.session.execute(update(HeadcountChange).where(HeadcountChange.org_id.in_(org_ids))
                           .values(effective_at=utcnow() - timedelta(days=30)))


def load_demo_data() -> list[str]:
    report = []
    orgs: dict[str, Organization] = {
        o.code: o for o in db.session.scalars(select(Organization))
    }
    created_orgs = 0
    new_org_codes: list[str] = []
    for code, name, kind, parent_code, headcount, join_code in DEMO_ORGS:
        if code in orgs:
            continue
        org = create_org(code, name, kind, parent=orgs.get(parent_code), headcount=headcount)
        org.join_code = join_code
        orgs[code] = org
        created_orgs += 1
        new_org_codes.append(code)
    db.session.flush()
    _date_headcounts_back([orgs[code].id for code in new_org_codes])
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_([u[0] for u in DEMO_USERS])))}
    created_users = 0
    for username, full_name, kind, org_code, roles in DEMO_USERS:
        user = users.get(username)
        if user is None:
            user = create_user(NewUser(username=username, full_name=full_name, kind=kind,
                                       org=orgs[org_code], password=DEMO_PASSWORD,
                                       date_of_birth=date(2009, 5, 1) if kind == "student" else None))
            created_users += 1
        for role, scope in roles:
            held = db.session.scalar(select(RoleAssignment).where(
                RoleAssignment.user_id == user.id, RoleAssignment.role == role))
            if held is None:
                assignment = RoleAssignment(user=user, role=role, org=orgs.get(scope) if scope else None)
                db.session.add(assignment)
    db.session.flush()
    _demo_assignment(orgs, users)
    extra = _demo_progress() + _demo_contest(orgs)
    report.append(_("Demo organisations: %(created)d created, %(there)d already there.", created=created_orgs,
                    there=len(DEMO_ORGS) - created_orgs))
    report.append(_("Demo accounts: %(created)d created, %(there)d already there.", created=created_users,
                    there=len(DEMO_USERS) - created_users))
    report.append(_("Sign in as admin / quanly.sgd / gv.cva / hs.an with the password %(password)s",
                    password=DEMO_PASSWORD))
    report.append(_("Join codes: LOP11A1X (class 11A1), XASAPA26 (commune Sa Pa)."))
    return report + extra


def _demo_assignment(orgs, users) -> None:
    """The class 11A1 is assigned the first course, due in a month, when the course is loaded."""
    from datetime import timedelta

    from lms.courses.models import Assignment, Course

    course = db.session.scalar(select(Course).where(Course.slug == "su-dung-dich-vu-cong-truc-tuyen"))
    klass = orgs.get("HN-THPT-CVA-11A1")
    if course is None or klass is None:
        return
    exists = db.session.scalar(select(Assignment.id).where(Assignment.course_id == course.id,
                                                           Assignment.org_id == klass.id))
    if exists is None:
        teacher = db.session.scalar(select(User).where(User.username == "gv.cva"))
        db.session.add(Assignment(course_id=course.id, org_id=klass.id, assigned_by_id=teacher.id if teacher else None,
                                  due_on=date.today() + timedelta(days=30), note="Hoàn thành trước buổi ngoại khoá"))


def _demo_progress() -> list[str]:
    """Some reading in class 11A1 and 10A1, so the reports have something to show."""
    from lms.courses.models import Course, Enrollment, Lesson
    from lms.courses.services import mark_lesson_read

    course = db.session.scalar(select(Course).where(Course.slug == "su-dung-dich-vu-cong-truc-tuyen"))
    if course is None:
        return []
    lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id, Lesson.active.is_(True))
                                      .order_by(Lesson.position)))
    plan = {"hs.an": len(lessons), "hs.hoa": 2, "hs.minh": 1}
    done = 0
    for username, count in plan.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or db.session.scalar(select(Enrollment.id).where(
                Enrollment.user_id == user.id, Enrollment.course_id == course.id)):
            continue
        for lesson in lessons[:count]:
            mark_lesson_read(user, lesson)
        done += 1
    db.session.flush()
    if not done:
        return []
    return [_("Demo progress: hs.an read every lesson of the first course, hs.hoa two, hs.minh one.")]


def _demo_contest(orgs) -> list[str]:
    """An open contest for Hà Nội with a quiz round running for a month, organised by quanly.sgd."""
    from datetime import timedelta

    from lms.contests import organise, services
    from lms.contests.models import Contest
    from lms.core.timeutil import utcnow
    from lms.quizzes.models import QuestionBank

    slug = "tuyen-truyen-vien-gioi-2026"
    bank_id = db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == DEMO_CONTEST_BANK))
    existing = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if existing is not None:
        return _unseal_old_demo_round(existing, bank_id)
    if bank_id is None:  # `lms sync-content` has not loaded quizzes/ yet
        return []
    contest = services.create_contest(
        None, slug, "Hội thi tuyên truyền viên dịch vụ công trực tuyến giỏi 2026",
        rules_md="Hội thi dành cho cán bộ, giáo viên, học sinh trên địa bàn Hà Nội.\n\n"
                 "- Vòng sơ khảo: trắc nghiệm trực tuyến, mỗi người một lượt.\n"
                 "- Câu hỏi phụ dùng để phân định khi bằng điểm.",
        scope=orgs.get("HN"), registration_fields={"date_of_birth": True, "phone": True})
    contest.status = "open"
    contest.prize_settings = {"first": 1, "second": 2, "third": 3, "consolation": 5, "collective": 1,
                              "collective_level": "school"}
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng sơ khảo", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=30),
        bank_slug=DEMO_CONTEST_BANK, draw=10, time_limit_minutes=20,
        tiebreaker_question="Có bao nhiêu thí sinh trả lời đúng tất cả các câu hỏi?", freeze_minutes=60))
    organiser = db.session.scalar(select(User).where(User.username == "quanly.sgd"))
    if organiser is not None:  # seeded like the other demo roles (organise.add_organiser needs an admin)
        db.session.add(RoleAssignment(user=organiser, role="organizer", contest_id=contest.id))
    db.session.flush()
    return [_("Demo contest: %(url)s (organised by quanly.sgd), quiz round open for 30 days, drawing 10 "
              "questions from the bank %(bank)s.", url=f"/contests/{slug}/", bank=DEMO_CONTEST_BANK)]


def _unseal_old_demo_round(contest, bank_id: int | None) -> list[str]:
    """A demo database loaded before the contest had its own bank has its round drawing from
    the course quiz ky-nang-tuyen-truyen-vien, sealing that course for a month. While nobody
    has entered the round, point it at the contest bank (`make run` runs `lms demo` each
    time, so such a database is mended on the next start); once someone has, leave it."""
    from lms.quizzes.models import Attempt, QuestionBank

    old_id = db.session.scalar(select(QuestionBank.id).where(QuestionBank.slug == _OLD_DEMO_CONTEST_BANK))
    mended = 0
    for round_ in contest.rounds:
        if bank_id is None or old_id is None or round_.bank_id != old_id:
            continue
        if db.session.scalar(select(Attempt.id).where(Attempt.round_id == round_.id).limit(1)) is not None:
            continue
        round_.bank_id = bank_id
        mended += 1
    db.session.flush()
    if not mended:
        return []
    return [_("Demo contest: its quiz round now draws from %(bank)s, so the course %(old)s shows its answers and "
              "practice again.", bank=DEMO_CONTEST_BANK, old=_OLD_DEMO_CONTEST_BANK)]


def force_demo_password_change() -> int:
    """Mark every demo account still holding DEMO_PASSWORD as having to change it at its next
    sign-in (auth's before-request redirect); returns how many. Used when demo data is loaded
    in production, where the public password would otherwise open an admin account
    (OWASP ASVS 2.3.1: initial passwords must be changed at first use)."""
    from werkzeug.security import check_password_hash

    users = db.session.scalars(select(User).where(User.username.in_([u[0] for u in DEMO_USERS]))).all()
    forced = 0
    for user in users:
        if user.password_hash and check_password_hash(user.password_hash, DEMO_PASSWORD):
            user.must_change_password = True
            forced += 1
    db.session.flush()
    return forced
