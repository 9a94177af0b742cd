"""Completion facts from the real database: counting rules, scope, date filters and
the roll-up on random trees (every unit = its own learners + its children)."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import datetime, timedelta

import pytest

from lms.access.adapters import can_view_unit_report
from lms.auth.models import RoleAssignment
from lms.certificates.models import Certificate
from lms.courses.models import Assignment, Course, Enrollment, Lesson, LessonProgress
from lms.extensions import db
from lms.reports import services
from lms.reports.rollup import Totals, own_totals
from lms.reports.services import ReportFilter

TOTAL_FIELDS = [f.name for f in fields(Totals)]
HANG = "Nguyễn Thị Hằng"


def add_course(slug, title, lessons=3, quiz=True):
    course = Course(slug=slug, title=title, audience=",citizen,student,", lesson_count=lessons,
                    quiz_slug=slug if quiz else None)
    db.session.add(course)
    db.session.flush()
    for i in range(lessons):
        db.session.add(Lesson(course_id=course.id, slug=f"l{i}", position=i, title=f"Bài {i + 1}"))
    db.session.flush()
    return course


def read_lessons(user, course, n):
    lessons = db.session.query(Lesson).filter_by(course_id=course.id).order_by(Lesson.position).all()
    for lesson in lessons[:n]:
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, read_at=datetime(2026, 3, 1)))


def certify(user, course, serial):
    db.session.add(Certificate(serial=serial, code=serial.replace("-", "") + "X", user_id=user.id,
                               course_id=course.id, org_id=user.org_id, full_name=user.full_name,
                               course_title=course.title, completed_on=datetime(2026, 3, 10).date(),
                               score=90, issuer_name="Sở", signature="sig"))


@pytest.fixture
def world(app, make_org, make_user):
    """Province > commune > (school A > class A1), (school B > class B1), two courses.

    The course "dvc" is assigned to the commune, due yesterday (Vietnam date).
    """
    province = make_org("P", "Tỉnh Mẫu", "province")
    commune = make_org("XA", "Xã An Bình", "commune", parent=province)
    school_a = make_org("SA", "Trường A", "school", parent=commune)
    class_a1 = make_org("SA-1", "Lớp A1", "class", parent=school_a)
    school_b = make_org("SB", "Trường B", "school", parent=commune)
    class_b1 = make_org("SB-1", "Lớp B1", "class", parent=school_b)
    dvc = add_course("dvc", "Dịch vụ công trực tuyến", lessons=3)
    vneid = add_course("vneid", "Tài khoản VNeID", lessons=2, quiz=False)
    yesterday = services.vn_today() - timedelta(days=1)
    db.session.add(Assignment(course_id=dvc.id, org_id=commune.id, due_on=yesterday))
    db.session.commit()

    hang = make_user("hs.hang", org=class_a1, full_name=HANG, kind="student")
    binh = make_user("hs.binh", org=class_a1, full_name="Trần Văn Bình", kind="student")
    lan = make_user("hs.lan", org=class_b1, full_name="Lê Thị Lan", kind="student")
    cuong = make_user("cb.cuong", org=school_a, full_name="Phạm Văn Cường", kind="civil_servant")
    completed = datetime(2026, 3, 10, 3, 0)  # 10:00 in Vietnam
    db.session.add_all([
        Enrollment(user_id=hang.id, course_id=dvc.id, started_at=datetime(2026, 3, 1, 2, 0),
                   completed_at=completed, score=90.0, quiz_score=90.0),
        Enrollment(user_id=binh.id, course_id=dvc.id, started_at=datetime(2026, 3, 2, 2, 0), quiz_score=40.0),
        Enrollment(user_id=lan.id, course_id=vneid.id, started_at=datetime(2026, 4, 1, 2, 0),
                   completed_at=datetime(2026, 4, 30, 18, 30)),  # 1 May in Vietnam
    ])
    read_lessons(hang, dvc, 3)
    read_lessons(binh, dvc, 1)
    read_lessons(lan, vneid, 2)
    certify(hang, dvc, "DVC-2026-000001")
    db.session.commit()
    admin = make_user("admin", roles=[("admin", None)])
    manager_a = make_user("ql.a", org=school_a, roles=[("manager", school_a)])
    manager_b = make_user("ql.b", org=school_b, roles=[("manager", school_b)])
    teacher = make_user("gv.a1", org=school_a, roles=[("teacher", class_a1)])
    nobody = make_user("nobody", org=class_a1)
    return dict(province=province, commune=commune, school_a=school_a, class_a1=class_a1, school_b=school_b,
                class_b1=class_b1, dvc=dvc, vneid=vneid, hang=hang, binh=binh, lan=lan, cuong=cuong, admin=admin,
                manager_a=manager_a, manager_b=manager_b, teacher=teacher, nobody=nobody, yesterday=yesterday)


def test_scope_roots(world):
    assert services.report_scope_roots(world["admin"]) is None
    assert [o.code for o in services.report_scope_roots(world["manager_a"])] == ["SA"]
    assert [o.code for o in services.report_scope_roots(world["teacher"])] == ["SA-1"]
    assert services.report_scope_roots(world["nobody"]) == []
    assert can_view_unit_report(world["manager_a"], world["class_a1"])
    assert not can_view_unit_report(world["manager_a"], world["school_b"])
    assert not can_view_unit_report(world["manager_a"], world["commune"])
    assert can_view_unit_report(world["admin"], world["school_b"])


def test_rollup_counts(world):
    nodes, totals = services.completion_rollup(world["province"])
    assert {n.code for n in nodes} == {"P", "XA", "SA", "SA-1", "SB", "SB-1"}
    a1 = totals[world["class_a1"].id]
    # Hằng completed dvc, Bình started it, the staff accounts (4 in total) sit there too.
    assert a1.completed == 1 and a1.started == 2 and a1.certificates == 1
    assert a1.learners == 3  # hang, binh, nobody
    assert a1.enrolled_or_assigned == 3  # nobody is assigned dvc through the commune
    assert a1.overdue == 2  # binh and nobody: assigned, due yesterday, not done
    assert a1.average_score == pytest.approx(65.0)
    b1 = totals[world["class_b1"].id]
    assert (b1.learners, b1.enrolled_or_assigned, b1.completed) == (1, 2, 1)  # lan: dvc assigned + vneid
    province = totals[world["province"].id]
    assert province.completed == 2
    assert province.certificates == 1
    commune = totals[world["commune"].id]
    children = totals[world["school_a"].id] + totals[world["school_b"].id]
    for name in TOTAL_FIELDS:
        assert getattr(commune, name) == getattr(children, name)


def test_facts_and_rows_agree(world):
    nodes, facts = services.completion_facts(world["commune"])
    rows = list(services.completion_rows(world["commune"]))
    pairs = [f for f in facts if f.course_id is not None]
    assert len(rows) == len(pairs)
    assert sum(r.completed_at is not None for r in rows) == sum(f.completed for f in pairs)
    hang = next(r for r in rows if r.username == "hs.hang")
    assert hang.full_name == HANG
    assert hang.org_path_names == "Xã An Bình › Trường A › Lớp A1"
    assert hang.completed_at == datetime(2026, 3, 10, 10, 0)  # Vietnam time
    assert hang.certificate_serial == "DVC-2026-000001"
    assert (hang.lessons_read, hang.lessons_total, hang.score, hang.assigned) == (3, 3, 90.0, True)
    assert hang.due_on == world["yesterday"] and not hang.overdue
    binh = next(r for r in rows if r.username == "hs.binh")
    assert binh.overdue and binh.score == 40.0 and binh.lessons_read == 1
    lan = [r for r in rows if r.username == "hs.lan"]
    assert {(r.course_slug, r.assigned, r.enrolled_at is None) for r in lan} == {("dvc", True, True),
                                                                                 ("vneid", False, False)}


def test_rows_stream_in_small_batches(world):
    """Batching must not split or duplicate a learner's rows."""
    big = list(services.completion_rows(None, batch=10_000))
    small = list(services.completion_rows(None, batch=1))
    assert small == big


def test_filters(world):
    dvc = world["dvc"]
    _, totals = services.completion_rollup(world["province"], ReportFilter(course_id=dvc.id))
    assert totals[world["province"].id].completed == 1
    _, totals = services.completion_rollup(world["province"], ReportFilter(audience="civil_servant"))
    province = totals[world["province"].id]
    assert province.learners == 1 and province.completed == 0  # only Cường
    # Lan's completion is on 1 May in Vietnam (30 April in UTC): the range uses Vietnam dates.
    may = ReportFilter(since=datetime(2026, 5, 1).date(), until=datetime(2026, 5, 31).date())
    _, totals = services.completion_rollup(world["province"], may)
    assert totals[world["province"].id].completed == 1
    april = ReportFilter(since=datetime(2026, 4, 1).date(), until=datetime(2026, 4, 30).date())
    rows = list(services.completion_rows(world["province"], april))
    assert not any(r.completed_at for r in rows)
    # Hằng completed in March: before the range, so her pair is left out altogether.
    assert not any(r.username == "hs.hang" for r in rows)


def test_subtree_scope_only(world):
    rows = list(services.completion_rows(world["school_a"]))
    assert {r.org_code for r in rows} <= {"SA", "SA-1"}
    assert "hs.lan" not in {r.username for r in rows}
    # Inherited assignment from the commune (above the scope root) still counts.
    assert any(r.assigned for r in rows)


def test_dashboard_and_matrix(world):
    dash = services.dashboard_data(world["province"], learners_of=world["class_a1"].id)
    assert dash.monthly == [("2026-03", 1), ("2026-04", 0), ("2026-05", 1)]
    assert sorted(dash.scores) == [40.0, 90.0]
    assert [line.full_name for line in dash.learners] == [HANG, "Nobody", "Trần Văn Bình"]
    matrix = services.class_matrix(world["class_a1"])
    assert matrix.course.slug == "dvc"
    assert len(matrix.lessons) == 3
    by_name = {r.full_name: r for r in matrix.rows}
    assert by_name[HANG].read == [True, True, True] and not by_name[HANG].behind
    assert by_name["Trần Văn Bình"].behind and by_name["Trần Văn Bình"].overdue
    assert matrix.median_read == 1


def test_matrix_for_a_course_the_class_has_nothing_of(world):
    other = add_course("thue", "Khai thuế điện tử")
    db.session.commit()
    matrix = services.class_matrix(world["class_a1"], other.id)
    assert matrix.course is None and matrix.requested == other and matrix.rows == []
    assert [c.slug for c in matrix.courses] == ["dvc"]  # still offered to choose from
    # The class's own course, asked for or not, and an unknown id fall back to it.
    for course_id in (world["dvc"].id, None, 999_999):
        matrix = services.class_matrix(world["class_a1"], course_id)
        assert matrix.course.slug == "dvc" and matrix.requested is None


# --- random trees ----------------------------------------------------------------------


def build_random_world(seed: int, make_org, make_user, units: int = 18, learners: int = 60):
    rng = random.Random(seed)
    kinds = ["province", "commune", "school", "class"]
    root = make_org(f"R{seed}", f"Gốc {seed}", "province")
    orgs = [root]
    for i in range(units):
        parent = rng.choice(orgs)
        orgs.append(make_org(f"R{seed}-{i}", f"Đơn vị {i}", kinds[min(parent.depth + 1, 3)], parent=parent))
    courses = [add_course(f"c{seed}-{i}", f"Khoá {i}", lessons=rng.randint(1, 4)) for i in range(3)]
    for org in rng.sample(orgs, 5):
        course = rng.choice(courses)
        if not db.session.query(Assignment).filter_by(course_id=course.id, org_id=org.id).first():
            due = services.vn_today() + timedelta(days=rng.randint(-20, 20))
            db.session.add(Assignment(course_id=course.id, org_id=org.id, due_on=due))
    db.session.commit()
    users = []
    for i in range(learners):
        user = make_user(f"u{seed}-{i}", org=rng.choice(orgs), full_name=f"Học viên {i}",
                         kind=rng.choice(["student", "citizen"]))
        users.append(user)
        for course in rng.sample(courses, rng.randint(0, 3)):
            done = rng.random() < 0.4
            db.session.add(Enrollment(
                user_id=user.id, course_id=course.id, started_at=datetime(2026, 1, 1),
                completed_at=datetime(2026, rng.randint(1, 6), rng.randint(1, 28)) if done else None,
                score=float(rng.randint(0, 100)) if done else None,
                quiz_score=float(rng.randint(0, 100)) if rng.random() < 0.5 else None))
            if rng.random() < 0.5:
                read_lessons(user, course, rng.randint(0, course.lesson_count))
    db.session.commit()
    return root, orgs, users


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_tree_rolls_up_exactly(app, make_org, make_user, seed):
    root, orgs, users = build_random_world(seed, make_org, make_user)
    nodes, facts = services.completion_facts(root)
    own = own_totals(facts)
    _, rolled = services.completion_rollup(root)
    children: dict[int, list[int]] = {}
    for n in nodes:
        children.setdefault(n.parent_id, []).append(n.id)
    for n in nodes:
        expected = own.get(n.id, Totals())
        for child in children.get(n.id, []):
            expected = expected + rolled[child]
        for name in TOTAL_FIELDS:
            assert getattr(rolled[n.id], name) == pytest.approx(getattr(expected, name)), (n.code, name)
    # The root holds every learner, and every enrollment is a counted pair.
    top = rolled[root.id]
    assert top.learners == len(users)
    enrolled = db.session.query(Enrollment).count()
    assert top.enrolled_or_assigned >= enrolled
    assert top.completed == db.session.query(Enrollment).filter(Enrollment.completed_at.is_not(None)).count()
    # A unit's figures do not depend on where the report starts (inherited assignments).
    for org in orgs[1:6]:
        _, sub = services.completion_rollup(org)
        for name in TOTAL_FIELDS:
            assert getattr(sub[org.id], name) == pytest.approx(getattr(rolled[org.id], name)), (org.code, name)
    # Exports carry exactly the counted pairs.
    rows = list(services.completion_rows(root, batch=7))
    assert len(rows) == top.enrolled_or_assigned
    assert sum(r.overdue for r in rows) == top.overdue


def test_role_assignment_model_is_used(world):
    """Report scope follows RoleAssignment rows, so revoking a role closes the reports."""
    db.session.query(RoleAssignment).filter_by(user_id=world["manager_a"].id).delete()
    db.session.commit()
    db.session.expire_all()
    assert services.report_scope_roots(db.session.get(type(world["manager_a"]), world["manager_a"].id)) == []


def test_streams_on_sqlite_and_postgresql(any_db_app, make_org, make_user):
    """Server-side cursor on PostgreSQL: batches, and two interleaved streams on one connection."""
    root, orgs, users = build_random_world(5, make_org, make_user, units=8, learners=25)
    whole = list(services.completion_rows(root, batch=1000))
    assert whole == list(services.completion_rows(root, batch=2))
    assert whole, "the random world should have pairs"
    first, second = services.completion_rows(root, batch=3), services.completion_rows(root, batch=5)
    head = [next(first), next(second)]
    rest_a, rest_b = list(first), list(second)
    assert [head[0], *rest_a] == whole
    assert [head[1], *rest_b] == whole
    nodes, totals = services.completion_rollup(root)
    assert totals[root.id].enrolled_or_assigned == len(whole)
