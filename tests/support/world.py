"""A two-unit world for access tests: sibling schools A and B under one province, contests
of both sides, and distinctive ASCII *markers* on everything unit B and contest B own.

Roles that act (``ROLE_USERS``) live on the A side; everything a test attacks lives on the
B side and carries markers (names, phones, dates of birth, emails, join codes, answer keys,
submitted work, an API token secret) that no page may show to a role outside B. Markers are
ASCII so that they survive JSON escaping, and each belongs to a *category* that says who may
legitimately see it (see ``MARKER_CATEGORIES``).

``build_world(app)`` writes it into the app's (migrated, empty) database through the real
services wherever one exists, and returns a ``World`` of ids, codes and markers: tests fill
URLs with them. ``write_files(world)`` puts back the files the world keeps on disk (a
submitted PDF, a pending roster confirmation) so a test may restore them after a request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from lms.extensions import db

PASSWORD = "correct-horse-42"

# Who may see a category (besides admins, who see everything but token secrets).
MARKER_CATEGORIES = {
    "b_name": "names of unit B's people: their unit's managers and teachers",
    "b_contact": "phones, dates of birth, emails and join codes of unit B: their unit's managers and teachers",
    "b_activity": "what unit B's people wrote (lesson feedback, assignment notes): their unit's managers and teachers",
    "cb_reg": "what contest B's participants typed when registering (phone, birth date, school): its organisers",
    "cb_key": "answer keys and explanations of contest B's open round: its organisers",
    "cb_sub": "work submitted to contest B's judged round: its participants, judges and organisers",
    "secret": "a unit B API token secret: nobody, ever (it exists only in the creation response)",
}

# The acting roles: username of the A-side person holding each (None: anonymous).
ROLE_USERS = {
    "anonymous": None,
    "learner": "mx.hsa",
    "teacher": "mx.gva",
    "manager_a": "mx.qla",
    "manager_b": "mx.qlb",
    "author": "mx.tga",
    "organiser": "mx.btca",
    "judge": "mx.gka",
    "admin": "mx.admin",
}

COURSE_MD = """---
title: "{title}"
summary: "Khoá học mẫu."
audience: [citizen, student, civil_servant]
language: vi
estimated_minutes: 10
quiz: {quiz}
pass_score: 50
certificate: true
version: 1
---
Giới thiệu.
"""

LESSON_MD = """---
title: "{title}"
minutes: 5
---
## {title}

Nội dung bài học. ![Ảnh](anh.png)
"""

COURSE_BANK = """---
title: Kiểm tra dịch vụ công
review: after_submit
---
## Ứng dụng định danh điện tử là gì?
id: q-vneid
- [x] VNeID
- [ ] Zalo

> Chính thức.
"""

# Contest B's paper: short answers, so a key is never one of the options a participant sees,
# and any appearance of the key (or explanation) text means a key leaked.
CONTEST_B_BANK = """---
title: Đề thi hội thi B
review: after_close
---
## Cơ quan nào cấp tài khoản định danh mức 2?
id: cb-1
= qxkeyalpha

> QXEXPLAINALPHA giải thích.

## Cổng nào dùng để nộp hồ sơ trực tuyến?
id: cb-2
= qxkeybravo

> QXEXPLAINBRAVO giải thích.
"""

CONTEST_A_BANK = """---
title: Đề thi hội thi A
review: after_close
---
## Câu hỏi vòng A?
id: ca-1
- [x] Đúng A
- [ ] Sai A
"""

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
SUBMITTED_PDF = (b"%PDF-1.4\n% QXFILECONTENT\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                 b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class World:
    """Ids and codes of the world, by name, and the markers no outsider may see."""

    users: dict[str, int] = field(default_factory=dict)  # username -> id
    orgs: dict[str, int] = field(default_factory=dict)  # code -> id
    ids: dict[str, int] = field(default_factory=dict)  # named objects -> id
    codes: dict[str, str] = field(default_factory=dict)  # named codes/slugs -> value
    markers: dict[str, list[str]] = field(default_factory=dict)  # category -> marker strings
    # Seeds of "B's rows": table -> ids. Rows pointing at these (by foreign key) are B's too.
    b_rows: dict[str, set[int]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # absolute path -> content

    def mark(self, category: str, *values: str) -> None:
        self.markers.setdefault(category, []).extend(v for v in values if v)

    def seed(self, table: str, *ids: int) -> None:
        self.b_rows.setdefault(table, set()).update(ids)


def _dates(day: date) -> list[str]:
    """The ways a page or export may print a date."""
    return [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%d-%m-%Y"), day.strftime("%d.%m.%Y")]


def _content(root: Path) -> tuple[Path, Path]:
    courses, quizzes = root / "courses", root / "quizzes"
    for slug, title, quiz in (("dich-vu-cong", "Dịch vụ công trực tuyến", "dvc"),
                              ("on-thi-b", "Ôn thi hội thi B", "hoi-thi-b-de")):
        folder = courses / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "course.md").write_text(COURSE_MD.format(title=title, quiz=quiz), encoding="utf-8")
        (folder / "01-gioi-thieu.md").write_text(LESSON_MD.format(title="Giới thiệu"), encoding="utf-8")
        (folder / "anh.png").write_bytes(PNG)
    quizzes.mkdir(parents=True, exist_ok=True)
    return courses, quizzes


def build_world(app) -> World:
    """Build the world into ``app``'s database (inside an app context) and return it."""
    from lms.auth.models import RoleAssignment, User
    from lms.auth.services import NewUser, create_user
    from lms.certificates.services import issue_certificate
    from lms.contests import judging, organise
    from lms.contests import services as contest_services
    from lms.contests.judging_models import ContestJudge, JudgeAssignment
    from lms.contests.models import ContestRound, RoundEntry
    from lms.core.timeutil import utcnow
    from lms.courses.models import Course, Enrollment, Lesson
    from lms.courses.services import assign_course, leave_feedback
    from lms.courses.sync import sync_content
    from lms.orgs.services import create_org
    from lms.quizzes import services as quiz_services
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.models import Question
    from lms.reports.models import PublicRanking
    from lms.reports.public import current_month
    from lms.reports.tokens import create_token

    w = World()
    now = utcnow()
    courses_dir, quizzes_dir = _content(Path(app.instance_path) / "matrix-content")
    app.config.update(COURSES_DIR=str(courses_dir), QUIZZES_DIR=str(quizzes_dir))
    sync_content(courses_dir, None)
    for slug, text in (("dvc", COURSE_BANK), ("hoi-thi-b-de", CONTEST_B_BANK), ("hoi-thi-a-de", CONTEST_A_BANK)):
        quiz_services.load_bank(slug, parse_markdown_bank(text))
    db.session.flush()

    # --- units ---------------------------------------------------------------------------
    province = create_org("MTX-P", "Tỉnh Ma Trận", "province", headcount=1000)
    school_a = create_org("MTX-A", "Trường A", "school", parent=province, headcount=100)
    class_a1 = create_org("MTX-A1", "Lớp A1", "class", parent=school_a, headcount=30)
    school_b = create_org("MTX-B", "Trường B", "school", parent=province, headcount=80)
    class_b1 = create_org("MTX-B1", "Lớp B1", "class", parent=school_b, headcount=25)
    class_a1.join_code, school_b.join_code, class_b1.join_code = "JOINAAA1", "QXJOINB0", "QXJOINB1"
    db.session.flush()
    for org in (province, school_a, class_a1, school_b, class_b1):
        w.orgs[org.code] = org.id
    w.seed("organization", school_b.id, class_b1.id)
    w.mark("b_contact", "QXJOINB0", "QXJOINB1")

    def person(username, org, full_name, roles=(), kind="student", **fields):
        user = create_user(NewUser(username=username, full_name=full_name, kind=kind, org=org,
                                   password=PASSWORD, **fields))
        for role, scope, contest_id in roles:
            db.session.add(RoleAssignment(user=user, role=role, org=scope, contest_id=contest_id))
        db.session.flush()
        w.users[username] = user.id
        return user

    # --- contests (roles on them need their ids) ----------------------------------------------
    contest_a = contest_services.create_contest(None, "hoi-thi-a", "Hội thi A", scope=school_a)
    contest_b = contest_services.create_contest(
        None, "hoi-thi-b", "Hội thi B", scope=school_b, registration_fields={"date_of_birth": True, "phone": True})
    contest_bp = contest_services.create_contest(
        None, "hoi-thi-b-kq", "Hội thi B (đã công bố)", scope=school_b,
        registration_fields={"date_of_birth": True, "phone": True})
    for contest in (contest_a, contest_b, contest_bp):
        contest.status = "open"
    db.session.flush()
    w.codes.update(contest_a=contest_a.slug, contest_b=contest_b.slug, contest_bp=contest_bp.slug)

    # --- the acting roles (A side) ---------------------------------------------------------------
    person("mx.admin", None, "Quản trị viên", [("admin", None, None)], kind="civil_servant")
    person("mx.qla", school_a, "Quản lý A", [("manager", school_a, None)], kind="civil_servant")
    person("mx.gva", school_a, "Giáo viên A", [("teacher", class_a1, None)], kind="civil_servant")
    learner = person("mx.hsa", class_a1, "Học sinh A")
    person("mx.tga", school_a, "Tác giả A", [("author", school_a, None)], kind="civil_servant")
    person("mx.btca", school_a, "Ban tổ chức A", [("organizer", None, contest_a.id)], kind="civil_servant")
    judge_a = person("mx.gka", school_a, "Giám khảo A", [("judge", None, contest_a.id)], kind="civil_servant")
    db.session.add(ContestJudge(contest_id=contest_a.id, user_id=judge_a.id))
    # A teacher of school A who also organises contest B: acting on his account is acting on
    # contest B (issue 14, fault 2), so his account counts as B's.
    orgb_in_a = person("mx.gvab", school_a, "Giáo viên A tổ chức B",
                       [("teacher", class_a1, None), ("organizer", None, contest_b.id)], kind="civil_servant")
    w.seed("user_account", orgb_in_a.id)

    # --- unit B's people, every one of them marked -----------------------------------------------
    b_people = {}
    for n, (username, org, name, roles, kind) in enumerate((
            ("mx.qlb", school_b, "Qxbname Quanly", [("manager", school_b, None)], "civil_servant"),
            ("mx.gvb", school_b, "Qxbname Giaovien", [("teacher", class_b1, None)], "civil_servant"),
            ("mx.hsb1", class_b1, "Qxbname Hocsinhmot", [], "student"),
            ("mx.hsb2", class_b1, "Qxbname Hocsinhhai", [], "student"),
            ("mx.btcb", school_b, "Qxbname Bantochuc", [("organizer", None, contest_b.id),
                                                        ("organizer", None, contest_bp.id)], "civil_servant"),
            ("mx.gkb", school_b, "Qxbname Giamkhao", [("judge", None, contest_b.id)], "civil_servant")), start=1):
        birth = date(1930 + n, n, 10 + n)
        phone, email = f"09610000{n:02d}", f"qxbmail{n}@b.example"
        user = person(username, org, name, roles, kind=kind, phone=phone, email=email, date_of_birth=birth)
        b_people[username] = user
        w.mark("b_name", name)
        w.mark("b_contact", phone, email, *_dates(birth))
    w.seed("user_account", *(u.id for u in b_people.values()))
    db.session.add(ContestJudge(contest_id=contest_b.id, user_id=b_people["mx.gkb"].id))

    # --- courses: assignments, progress, a certificate, feedback ---------------------------------
    course = db.session.scalar(select(Course).where(Course.slug == "dich-vu-cong"))
    lesson = db.session.scalar(select(Lesson).where(Lesson.course_id == course.id))
    w.codes.update(course="dich-vu-cong", lesson=lesson.slug, contest_course="on-thi-b")
    w.ids["assignment_b"] = assign_course(b_people["mx.gvb"], course, class_b1, note="QXNOTEB giao bài").id
    assign_course(db.session.get(User, w.users["mx.gva"]), course, class_a1)
    hsb1 = b_people["mx.hsb1"]
    enrollment = Enrollment(user_id=hsb1.id, course_id=course.id, completed_at=now - timedelta(days=3),
                            score=91.0, quiz_score=91.0, quiz_passed_at=now - timedelta(days=3), course_version=1)
    db.session.add(enrollment)
    db.session.flush()
    cert = issue_certificate(hsb1, course, enrollment)
    w.ids["cert_b"] = cert.id
    w.codes["cert_b"] = cert.code
    feedback = leave_feedback(hsb1, lesson, 2, "QXFEEDBACKB bài khó hiểu")
    w.ids["feedback_b"] = feedback.id
    w.mark("b_activity", "QXFEEDBACKB", "QXNOTEB")
    # A course quiz attempt of a B learner, submitted.
    dvc = quiz_services.get_bank("dvc")
    attempt = quiz_services.start_attempt(hsb1, dvc, course=course, now=now - timedelta(days=3))
    quiz_services.finish_attempt(attempt, now=now - timedelta(days=3) + timedelta(minutes=5))
    w.ids["attempt_b_course"] = attempt.id

    # --- contest A (so the organiser and judge have their own business) --------------------------
    organise.add_round(None, contest_a, organise.RoundSettings(
        title="Vòng 1 A", kind="quiz", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1),
        bank_slug="hoi-thi-a-de"))
    organise.add_round(None, contest_a, organise.RoundSettings(
        title="Vòng 2 A", kind="judged", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1)))
    contest_services.register(learner, contest_a, contest_services.RegistrationForm(full_name="Học sinh A"))

    # --- contest B: an open quiz round on a sealed bank, a closed judged round being judged ------
    round_b1 = organise.add_round(None, contest_b, organise.RoundSettings(
        title="Vòng 1 B", kind="quiz", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1),
        bank_slug="hoi-thi-b-de", hide_results_until_close=True))
    round_b2 = organise.add_round(None, contest_b, organise.RoundSettings(
        title="Vòng 2 B", kind="judged", opens_at=now - timedelta(days=3), closes_at=now - timedelta(hours=2)))
    db.session.flush()
    w.ids.update(round_b1=round_b1.id, round_b2=round_b2.id)
    w.mark("cb_key", "qxkeyalpha", "qxkeybravo", "QXEXPLAINALPHA", "QXEXPLAINBRAVO")
    bank_b = quiz_services.get_bank("hoi-thi-b-de")
    w.codes["bank_b"] = bank_b.slug
    w.seed("question_bank", bank_b.id)
    questions = list(db.session.scalars(select(Question).where(Question.bank_id == bank_b.id).order_by(Question.id)))
    w.ids["question_b"] = questions[0].id
    w.ids.update({f"version_b{i}": q.current_version_id for i, q in enumerate(questions, 1)})
    # A regrade of bank B's question whose report an outsider must not read (it shows how
    # answers fared against the sealed key).
    from lms.quizzes.models import Regrade

    regrade_b = Regrade(question_id=questions[0].id, from_version_id=questions[0].current_version_id,
                        to_version_id=questions[0].current_version_id,
                        report={"answers": 1, "skipped": 0, "attempts": [
                            {"attempt": 0, "user_id": 0, "full_name": "QXREGRADENAME", "username": "qxregrade",
                             "before": 0.0, "after": 100.0, "passed_before": False, "passed_after": True}]})
    db.session.add(regrade_b)
    db.session.flush()
    w.ids["regrade_b"] = regrade_b.id
    w.mark("cb_key", "QXREGRADENAME")

    registrations = {}
    for n, username in enumerate(("mx.hsb1", "mx.hsb2"), start=1):
        birth = date(1940 + n, 5, 20 + n)
        phone = f"09770000{n:02d}"
        registrations[username] = contest_services.register(b_people[username], contest_b, contest_services.RegistrationForm(
            full_name=b_people[username].full_name, date_of_birth=birth, phone=phone, school=f"QXREGSCHOOL{n}"))
        w.mark("cb_reg", phone, f"QXREGSCHOOL{n}", *_dates(birth))
    w.ids["registration_b"] = registrations["mx.hsb1"].id
    # hsb1 is taking round 1 now (open attempt, one answer saved); hsb2 already submitted.
    open_attempt = contest_services_start(b_people["mx.hsb1"], round_b1, now)
    quiz_services.save_answer(open_attempt, w.ids["version_b1"], ["qxkeyalpha"], now=now)
    w.ids["attempt_b_open"] = open_attempt.id
    done = contest_services_start(b_people["mx.hsb2"], round_b1, now - timedelta(minutes=30))
    quiz_services.save_answer(done, w.ids["version_b1"], ["qxkeyalpha"], now=now - timedelta(minutes=29))
    quiz_services.finish_attempt(done, now=now - timedelta(minutes=20))
    w.ids["attempt_b_done"] = done.id

    # Judged round: a file (hsb1) and an article (hsb2), judged by mx.gkb; one score given.
    judging.configure_round(None, round_b2, judges_per_entry=1, blind=False)
    judging.set_criteria(None, round_b2, [judging.CriterionInput(name="Nội dung", max_points=10.0, weight=1.0)])
    during = round_b2.opens_at + timedelta(hours=1)

    class _Upload:
        def __init__(self, data, filename):
            import io

            self.stream, self.filename = io.BytesIO(data), filename

    file_entry = judging.submit_entry(b_people["mx.hsb1"], round_b2, "file",
                                      file=_Upload(SUBMITTED_PDF, "qxfilename-bai-du-thi.pdf"), now=during)
    article = judging.submit_entry(b_people["mx.hsb2"], round_b2, "article",
                                   text="QXARTICLE bài viết dự thi của B.", now=during)
    w.mark("cb_sub", "QXFILECONTENT", "qxfilename", "QXARTICLE")
    judging.run_assignment(None, round_b2)
    db.session.flush()
    scored = db.session.scalar(select(JudgeAssignment).where(JudgeAssignment.submission_id == article.id))
    criteria = judging.criteria_of(round_b2)
    w.ids["criterion_b"] = criteria[0].id
    judging.record_score(b_people["mx.gkb"], scored, {criteria[0].id: 7.0}, "QXJUDGECOMMENT",
                         now=round_b2.closes_at + timedelta(minutes=30))
    w.mark("cb_sub", "QXJUDGECOMMENT")
    w.codes.update(submission_file=file_entry.code, submission_article=article.code)
    w.files[str(judging.stored_path(file_entry))] = SUBMITTED_PDF

    # --- contest B, published: closed rounds, results and awards -------------------------------
    past = ContestRound(position=1, kind="quiz", title="Vòng 1 B (đã xong)", opens_at=now - timedelta(days=10),
                        closes_at=now - timedelta(days=9), hide_results_until_close=True)
    contest_bp.rounds.append(past)
    db.session.flush()
    for n, username in enumerate(("mx.hsb1", "mx.hsb2"), start=1):
        birth = date(1950 + n, 7, 20 + n)
        phone = f"09780000{n:02d}"
        registration = contest_services.register(b_people[username], contest_bp, contest_services.RegistrationForm(
            full_name=b_people[username].full_name, date_of_birth=birth, phone=phone))
        db.session.add(RoundEntry(round_id=past.id, registration_id=registration.id, score=90.0 - n,
                                  seconds_taken=100.0 * n, submitted_at=past.opens_at + timedelta(minutes=n)))
        w.mark("cb_reg", phone, *_dates(birth))
    db.session.flush()
    contest_bp.prize_settings = {"first": 1, "second": 1, "third": 0, "consolation": 0}
    awards = organise.publish_results(None, contest_bp)
    w.codes["award_b"] = awards[0].code
    w.ids["round_bp1"] = past.id

    # --- API tokens, public ranking, a pending deletion, a pending roster confirmation -----------
    token_b, secret_b = create_token(b_people["mx.qlb"], school_b, "Bảng điều khiển B")
    w.ids["token_b"] = token_b.id
    w.mark("secret", secret_b)
    _token_a, secret_a = create_token(db.session.get(User, w.users["mx.qla"]), school_a, "Bảng điều khiển A")
    _token_all, secret_all = create_token(db.session.get(User, w.users["mx.admin"]), None, "Toàn quốc")
    w.codes.update(token_manager_a=secret_a, token_admin=secret_all)
    db.session.add(PublicRanking(org_id=school_b.id, kinds=["class"]))
    w.codes["month"] = f"{current_month():%Y-%m}"
    b_people["mx.hsb2"].deletion_requested_at = now - timedelta(days=8)
    teacher_b_role = db.session.scalar(select(RoleAssignment).where(
        RoleAssignment.user_id == b_people["mx.gvb"].id, RoleAssignment.role == "teacher"))
    w.ids["role_b"] = teacher_b_role.id
    db.session.flush()

    roster_dir = Path(app.instance_path) / "uploads" / "roster"
    w.codes["roster_token_b"] = "qxrosterb0123456789abc"
    roster_csv = ("Tên đăng nhập,Họ và tên,Mã đơn vị\r\nmx.hsb1,Đổi Tên Bởi Người Khác,MTX-B1\r\n"
                  ",,MTX-B1\r\n").encode()
    w.files[str(roster_dir / "qxrosterb0123456789abc.bin")] = roster_csv
    w.files[str(roster_dir / "qxrosterb0123456789abc.json")] = json.dumps(
        {"user_id": b_people["mx.qlb"].id, "filename": "lop-b1.csv", "org_id": class_b1.id}).encode()
    write_files(w)

    # --- a notice to a learner of B (lms.notifications): only its reader may open it -------------
    from lms.notifications.models import Notification

    notice_b = Notification(user_id=b_people["mx.hsb1"].id, kind="assignment_new", params={"course": "QXNOTICEB"},
                            link="/courses/dich-vu-cong/", dedupe_key="assignment_new:qx")
    db.session.add(notice_b)
    db.session.flush()
    w.ids["notice_b"] = notice_b.id
    w.mark("b_activity", "QXNOTICEB")

    # Contest B's own rows (its organisers' and judges' accounts count through the user seeds).
    w.seed("contest", contest_b.id, contest_bp.id)
    db.session.commit()
    return w


def contest_services_start(user, round_, now):
    from lms.contests import rounds

    return rounds.start_round(user, round_, now=now)


def write_files(world: World) -> None:
    """(Re)write the files the world keeps on disk."""
    for name, content in world.files.items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != content:
            path.write_bytes(content)
