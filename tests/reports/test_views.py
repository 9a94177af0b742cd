"""Report pages: drill-down, figures on the page, class matrix, scope (404 across schools)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.conftest import csrf_token, login
from tests.reports import test_services
from tests.reports.test_services import HANG

world = test_services.world  # the shared fixture


def test_anonymous_is_sent_to_login(client, world):
    response = client.get("/reports/")
    assert response.status_code in (302, 401)


def test_without_report_scope_everything_is_404(client, world):
    login(client, "nobody")
    for url in ("/reports/", "/reports/org/SA", "/reports/class/SA-1", "/reports/org/SA/export.csv",
                "/reports/org/SA/export.xlsx"):
        assert client.get(url).status_code == 404, url


def test_admin_drills_down_from_the_top(client, world):
    login(client, "admin")
    page = client.get("/reports/").get_data(as_text=True)
    assert "Tỉnh Mẫu" in page and "/reports/org/P" in page
    page = client.get("/reports/org/P").get_data(as_text=True)
    assert "Xã An Bình" in page and "/reports/org/XA" in page
    page = client.get("/reports/org/XA").get_data(as_text=True)
    assert "Trường A" in page and "Trường B" in page
    page = client.get("/reports/org/SA-1").get_data(as_text=True)
    assert HANG in page and "Trần Văn Bình" in page
    # The class's average score (65 % of the points) in the Vietnamese way, with its unit.
    assert ">65,0%<" in page
    assert 'role="img"' in page  # charts are accessible SVG
    assert "<script" not in page and "style=" not in page


def test_manager_sees_only_own_school(client, world):
    login(client, "ql.a")
    landing = client.get("/reports/?audience=student")
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/reports/org/SA?audience=student")
    page = client.get("/reports/org/SA").get_data(as_text=True)
    assert "Trường A" in page and "Trường B" not in page
    assert client.get("/reports/org/SA").status_code == 200
    assert client.get("/reports/org/SA-1").status_code == 200
    for url in ("/reports/org/SB", "/reports/org/SB-1", "/reports/org/XA", "/reports/org/P",
                "/reports/class/SB-1", "/reports/org/SB/export.csv", "/reports/org/SB/export.xlsx",
                "/reports/org/SB-1/export.csv", "/reports/org/NOPE"):
        assert client.get(url).status_code == 404, url
    # Breadcrumb starts at the manager's own root, not above it.
    page = client.get("/reports/org/SA-1").get_data(as_text=True)
    assert "/reports/org/XA" not in page


def english(user):
    """Pages speak the user's language; these tests read the English msgids."""
    user.locale = "en"
    db.session.commit()


def test_teacher_sees_class_matrix(client, world):
    english(world["teacher"])
    login(client, "gv.a1")
    page = client.get("/reports/class/SA-1").get_data(as_text=True)
    assert "Dịch vụ công trực tuyến" in page
    assert HANG in page
    assert "Behind" in page and "overdue" in page
    assert "median" in page
    assert client.get("/reports/class/SB-1").status_code == 404
    assert client.get("/reports/org/SA").status_code == 404  # above the teacher's class


def test_filters_are_kept_in_links(client, world):
    english(world["admin"])
    login(client, "admin")
    dvc = world["dvc"].id
    page = client.get(f"/reports/org/XA?course={dvc}&since=2026-01-01").get_data(as_text=True)
    assert f"/reports/org/SA?course={dvc}&amp;since=2026-01-01" in page
    assert f"/reports/org/XA/export.csv?course={dvc}&amp;since=2026-01-01" in page
    bad = client.get("/reports/org/XA?since=2026-05-01&until=2026-04-01")
    assert bad.status_code == 200
    assert "The end date is before the start date." in bad.get_data(as_text=True)


def test_csv_export_from_page(client, world):
    login(client, "ql.a")
    response = client.get("/reports/org/SA/export.csv", buffered=False)
    assert response.status_code == 200
    assert response.is_streamed  # a generator, not a string built in memory
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    names = {r[4] for r in rows[1:]}
    assert HANG in names and "Lê Thị Lan" not in names
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.actor_id == world["manager_a"].id
    assert event.org_id == world["school_a"].id
    assert event.detail["format"] == "csv" and event.detail["via"] == "web"


def test_xlsx_export_from_page(client, world):
    login(client, "admin")
    response = client.get(f"/reports/org/XA/export.xlsx?course={world['dvc'].id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    names = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert HANG in names
    assert sheet.freeze_panes == "A2"
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.detail["course_id"] == world["dvc"].id and event.detail["format"] == "xlsx"


@pytest.mark.parametrize("url", ["/reports/", "/reports/org/P", "/reports/class/SA-1"])
def test_pages_have_table_headers_with_scope(client, world, url):
    login(client, "admin")
    page = client.get(url).get_data(as_text=True)
    if "<table" in page:
        assert 'scope="col"' in page and "<caption>" in page


def test_an_invalid_filter_field_is_dropped_alone_and_the_page_says_so(client, world):
    """An end date before the start date used to drop every filter (course too), while the
    form still showed them and the download links fetched everything."""
    english(world["admin"])
    login(client, "admin")
    dvc = world["dvc"].id
    page = client.get(f"/reports/org/XA?course={dvc}&since=2026-05-01&until=2026-04-01").get_data(as_text=True)
    assert "The end date is before the start date." in page
    assert "These filter fields were not applied because their values are invalid: To (date)." in page
    assert f"/reports/org/XA/export.csv?course={dvc}&amp;since=2026-05-01\"" in page  # until left out
    assert f"/reports/org/SA?course={dvc}&amp;since=2026-05-01\"" in page
    # A course that is not a choice is dropped, the dates stay.
    page = client.get("/reports/org/XA?course=999999&since=2026-05-01").get_data(as_text=True)
    assert "not applied because their values are invalid: Course." in page
    assert "/reports/org/XA/export.csv?since=2026-05-01\"" in page
    # Nothing invalid, no note.
    assert "not applied" not in client.get(f"/reports/org/XA?course={dvc}").get_data(as_text=True)


def test_invalid_filter_survives_the_redirect_to_the_managers_unit(client, world):
    english(world["manager_a"])
    login(client, "ql.a")
    landing = client.get("/reports/?since=2026-05-01&until=2026-04-01")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith("/reports/org/SA?since=2026-05-01&until=2026-04-01")
    page = client.get(landing.headers["Location"]).get_data(as_text=True)
    assert "not applied because their values are invalid: To (date)." in page


def test_export_applies_only_the_valid_fields(client, world):
    login(client, "admin")
    response = client.get(f"/reports/org/XA/export.csv?course={world['vneid'].id}&since=2026-05-01&until=2026-01-01")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {r[5] for r in rows[1:]} == {"vneid"}  # the course filter still applies
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.detail["course_id"] == world["vneid"].id and event.detail["until"] is None


def test_class_view_with_a_course_the_class_has_nothing_of(client, world):
    """The dashboard's course filter can name a course no student of the class started: the
    page says exactly that (it used to claim no course was assigned at all)."""
    from tests.reports.test_services import add_course

    other = add_course("thue", "Khai thuế điện tử")
    db.session.commit()
    english(world["teacher"])
    login(client, "gv.a1")
    page = client.get(f"/reports/class/SA-1?course={other.id}").get_data(as_text=True)
    assert "No student of this class has started “Khai thuế điện tử” yet" in page
    assert "No course is assigned to this class" not in page
    assert f'<option value="{world["dvc"].id}"' in page  # the class's own courses to choose from
    # An id that is no course at all shows the class's first course.
    page = client.get("/reports/class/SA-1?course=999999").get_data(as_text=True)
    assert "Dịch vụ công trực tuyến" in page and HANG in page


def test_ranking_settings_link_for_those_who_may_use_it(client, world):
    login(client, "ql.a")
    page = client.get("/reports/org/SA").get_data(as_text=True)
    assert 'href="/ranking/settings/SA"' in page
    assert client.get("/ranking/settings/SA").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "gv.a1")  # a teacher reads the class report but may not publish rankings
    page = client.get("/reports/org/SA-1").get_data(as_text=True)
    assert "/ranking/settings/" not in page
    assert client.get("/ranking/settings/SA-1").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "admin")
    assert 'href="/ranking/settings/XA"' in client.get("/reports/org/XA").get_data(as_text=True)
