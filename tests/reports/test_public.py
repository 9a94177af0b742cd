"""The monthly public ranking: opt-in levels, aggregates only, ties, caching, settings."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from lms.audit.models import AuditEvent
from lms.contests.models import Contest, ContestRound, Registration, RoundEntry
from lms.courses.models import Course, Enrollment
from lms.extensions import db
from lms.reports import public
from lms.reports.models import PublicRanking
from tests.conftest import CSRF_RE, login, post_form

MONTH = "2025-01"


@pytest.fixture
def world(app, make_org, make_user):
    """January 2025: school A and school B both complete 1 of 2 courses (a tie);
    school C has nobody.  In a contest round closing on 20 January, one person of each
    school takes part (B has the smaller headcount, so the higher rate)."""
    province = make_org("P", "Tỉnh Mẫu", "province", headcount=1000)
    school_a = make_org("SA", "Trường A", "school", parent=province, headcount=100)
    class_a1 = make_org("SA-1", "Lớp A1", "class", parent=school_a)
    school_b = make_org("SB", "Trường B", "school", parent=province, headcount=80)
    class_b1 = make_org("SB-1", "Lớp B1", "class", parent=school_b)
    make_org("SC", "Trường C", "school", parent=province, headcount=50)
    course = Course(slug="dvc", title="Dịch vụ công", lesson_count=2)
    db.session.add(course)
    db.session.commit()
    an = make_user("an.nguyen", org=class_a1, full_name="Nguyễn Văn An")
    cuong = make_user("cuong.le", org=class_a1, full_name="Lê Văn Cường")
    binh = make_user("binh.tran", org=class_b1, full_name="Trần Thị Bình")
    dung = make_user("dung.pham", org=class_b1, full_name="Phạm Văn Dũng")
    db.session.add_all([
        Enrollment(user_id=an.id, course_id=course.id, started_at=datetime(2024, 12, 20),
                   completed_at=datetime(2025, 1, 10, 3), score=90.0),
        Enrollment(user_id=cuong.id, course_id=course.id, started_at=datetime(2025, 1, 3)),
        Enrollment(user_id=binh.id, course_id=course.id, started_at=datetime(2025, 1, 2),
                   completed_at=datetime(2025, 1, 15, 3), score=75.0),
        Enrollment(user_id=dung.id, course_id=course.id, started_at=datetime(2025, 1, 4)),
    ])
    contest = Contest(slug="hoi-thi", title="Hội thi", status="closed")
    db.session.add(contest)
    db.session.flush()
    round_ = ContestRound(contest_id=contest.id, title="Vòng 1", opens_at=datetime(2025, 1, 10),
                          closes_at=datetime(2025, 1, 20))
    db.session.add(round_)
    db.session.flush()
    for user, org, score in ((an, class_a1, 80.0), (binh, class_b1, 60.0)):
        registration = Registration(contest_id=contest.id, user_id=user.id, org_id=org.id, full_name=user.full_name)
        db.session.add(registration)
        db.session.flush()
        db.session.add(RoundEntry(round_id=round_.id, registration_id=registration.id, score=score,
                                  submitted_at=datetime(2025, 1, 12)))
    db.session.commit()
    make_user("manager.p", org=province, roles=[("manager", province)])
    make_user("manager.a", org=school_a, roles=[("manager", school_a)])
    make_user("teacher.a", org=class_a1, roles=[("teacher", class_a1)])
    make_user("admin1", roles=[("admin", None)])
    return {"province": province, "school_a": school_a, "school_b": school_b, "course": course, "an": an}


def publish(org, kinds):
    public.set_public_kinds(None, org, kinds)
    db.session.commit()


def test_nothing_is_public_by_default(client, world):
    assert client.get(f"/ranking/P/{MONTH}").status_code == 404
    index = client.get("/ranking/")
    assert index.status_code == 200 and "Tỉnh Mẫu" not in index.get_data(as_text=True)


def test_public_page_shows_units_and_ties_but_no_people(client, world):
    publish(world["province"], ["school"])
    response = client.get(f"/ranking/P/{MONTH}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for unit in ("Trường A", "Trường B", "Trường C"):
        assert unit in html
    for person in ("Nguyễn Văn An", "Lê Văn Cường", "Trần Thị Bình", "Phạm Văn Dũng", "an.nguyen", "binh.tran"):
        assert person not in html
    assert "Lớp A1" not in html  # classes are never published
    assert "<script" not in html and "style=" not in html
    assert "<caption>" in html and 'scope="col"' in html
    assert "50,0%" in html and "=</abbr>" in html  # A and B tie on completion (a Vietnamese decimal comma)


def test_ranking_figures(app, world):
    publish(world["province"], ["school", "province"])
    setting = public.settings_for(world["province"])
    data = public.month_ranking(world["province"], setting.kinds, public.parse_month(MONTH))
    assert [s["kind"] for s in data["sections"]] == ["province", "school"]
    schools = next(s for s in data["sections"] if s["kind"] == "school")
    completion = {row.code: row for row in schools["completion"]}
    assert (completion["SA"].rank, completion["SA"].tied, completion["SA"].numerator,
            completion["SA"].denominator) == (1, True, 1, 2)
    assert (completion["SB"].rank, completion["SB"].tied) == (1, True)
    assert completion["SC"].rank is None and completion["SC"].percent is None
    contest = [(row.code, row.rank, row.numerator) for row in schools["contest"]]
    assert contest[:2] == [("SB", 1, 1), ("SA", 2, 1)]
    assert data["rounds"] == 1


def test_other_months_count_their_own_completions(app, world):
    publish(world["province"], ["school"])
    february = public.month_ranking(world["province"], ["school"], public.parse_month("2025-02"))
    schools = february["sections"][0]
    completion = {row.code: row for row in schools["completion"]}
    # Done in January: nothing completed in February, and the finished pairs drop out.
    assert completion["SA"].numerator == 0 and completion["SA"].denominator == 1
    assert february["rounds"] == 0 and schools["contest"] == []


def test_only_published_levels_and_roots(client, world):
    publish(world["school_a"], ["school"])
    html = client.get(f"/ranking/SA/{MONTH}").get_data(as_text=True)
    assert "Trường A" in html and "Trường B" not in html
    assert client.get(f"/ranking/P/{MONTH}").status_code == 404
    assert client.get(f"/ranking/SB/{MONTH}").status_code == 404
    publish(world["school_a"], [])
    assert client.get(f"/ranking/SA/{MONTH}").status_code == 404


def test_bad_and_future_months_are_404_and_picker_redirects(client, world):
    publish(world["province"], ["school"])
    for month in ("2025-13", "25-01", "2999-01", "abc"):
        assert client.get(f"/ranking/P/{month}").status_code == 404, month
    response = client.get("/ranking/P/?month=2025-01")
    assert response.status_code == 302 and response.headers["Location"].endswith("/ranking/P/2025-01")
    assert client.get("/ranking/P/").status_code == 302


def ranking_page(client, path):
    """The page without its form tokens, which are signed afresh (with the time) on every request."""
    return CSRF_RE.sub("", client.get(path).get_data(as_text=True))


def test_page_is_cached_but_settings_apply_at_once(client, world):
    publish(world["province"], ["school"])
    first = ranking_page(client, f"/ranking/P/{MONTH}")
    db.session.execute(Enrollment.__table__.update().where(Enrollment.user_id == world["an"].id)
                       .values(completed_at=None))
    db.session.commit()
    assert ranking_page(client, f"/ranking/P/{MONTH}") == first  # within the hour
    publish(world["province"], ["school", "province"])
    again = ranking_page(client, f"/ranking/P/{MONTH}")
    assert again != first and "Tỉnh Mẫu" in again


# --- settings page ------------------------------------------------------------------------


def test_manager_publishes_levels_and_it_is_audited(client, world):
    login(client, "manager.p")
    page = client.get("/ranking/settings/P")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="school"' in html and 'value="class"' not in html
    response = post_form(client, "/ranking/settings/P", {"kinds": ["school", "province"]})
    assert response.status_code == 302
    setting = db.session.scalar(select(PublicRanking))
    assert setting.kinds == ["province", "school"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ranking.settings"))
    assert event.detail == {"before": [], "after": ["province", "school"]}
    assert event.org_id == world["province"].id
    assert client.get(f"/ranking/P/{MONTH}").status_code == 200


def test_settings_refuse_unpublishable_levels(client, world):
    login(client, "manager.p")
    response = post_form(client, "/ranking/settings/P", {"kinds": ["class"]}, page="/ranking/settings/P")
    assert response.status_code == 400
    assert db.session.scalar(select(PublicRanking)) is None


def test_settings_scope(client, world):
    assert client.get("/ranking/settings/SA").status_code == 302  # sign in first
    login(client, "manager.a")
    assert client.get("/ranking/settings/SA").status_code == 200
    assert client.get("/ranking/settings/SB").status_code == 404
    assert client.get("/ranking/settings/P").status_code == 404
    assert client.get("/ranking/settings/NOPE").status_code == 404


def test_teacher_cannot_change_settings(client, world):
    login(client, "teacher.a")
    assert client.get("/ranking/settings/SA-1").status_code == 404


# --- review fixes -----------------------------------------------------------------------


def test_subtree_paths_are_read_once_per_ranking(app, world):
    from sqlalchemy import event

    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    publish(world["province"], ["province", "school"])
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        data = public.month_ranking(world["province"], ["province", "school"], public.parse_month(MONTH))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert [s["kind"] for s in data["sections"]] == ["province", "school"] and data["rounds"] == 1
    path_reads = [s for s in statements if "organization.path" in s and "organization.id, organization.path" in s]
    assert len(path_reads) == 1, path_reads


def test_managers_find_the_settings_page(client, world):
    publish(world["province"], ["school"])
    anonymous = client.get("/ranking/").get_data(as_text=True)
    assert "/ranking/settings/" not in anonymous
    assert "/ranking/settings/" not in client.get(f"/ranking/P/{MONTH}").get_data(as_text=True)
    login(client, "manager.a")
    index = client.get("/ranking/").get_data(as_text=True)
    assert 'href="/ranking/settings/SA"' in index and "/ranking/settings/P" not in index
    assert 'href="/ranking/settings/P"' not in client.get(f"/ranking/P/{MONTH}").get_data(as_text=True)
    settings = client.get("/ranking/settings/SA").get_data(as_text=True)
    assert "/ranking/" in settings and "Đơn vị bạn quản lý" in settings  # says where to find it again


def test_admin_and_province_manager_see_their_settings_links(client, world):
    login(client, "manager.p")
    assert 'href="/ranking/settings/P"' in client.get("/ranking/").get_data(as_text=True)
    publish(world["province"], ["school"])
    assert 'href="/ranking/settings/P"' in client.get(f"/ranking/P/{MONTH}").get_data(as_text=True)
    other = client.application.test_client()
    login(other, "admin1")
    assert 'href="/ranking/settings/P"' in other.get("/ranking/").get_data(as_text=True)
    teacher = client.application.test_client()
    login(teacher, "teacher.a")
    assert "/ranking/settings/" not in teacher.get("/ranking/").get_data(as_text=True)
