"""Issue 15, faults 10 and 11: rosters as teachers really send them.

- Excel drops the 0 of a mobile number (912345678): the 0 is given back, with a note on the
  row in the preview; other malformed numbers are row problems.
- Dates of birth are read from the date Excel stored, whatever format shows it.
- A name typed with a look-alike of Đ (Ð U+00D0) is stored with Đ and found by
  "do thi dao" and "Đỗ Thị Đào"; a decomposed (NFD) name is stored composed.
- Names that begin a spreadsheet formula are imported as text and exported neutralised.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.roster.parsing import parse_roster
from lms.roster.services import apply_plan, plan_import
from tests.conftest import csrf_token, login
from tests.support.shared_fixtures import public_case as shared_case
from tests.support.shared_fixtures import xlsx_with_formats


def public_case(name: str) -> bytes:
    return shared_case(name).read_bytes()


@pytest.fixture
def classes(sample_tree, make_org):
    return {code: make_org(code, code, "class", parent=sample_tree["school_a"])
            for code in ("HN-THPT-CVA-11A1", "HN-THPT-CVA-11A2")}


def _xlsx(rows) -> bytes:
    return xlsx_with_formats(rows)


def test_mobile_numbers_that_lost_their_zero_get_it_back_with_a_note(app, classes):
    plan = plan_import(parse_roster("r.xlsx", public_case("roster-phone-leading-zero-lost.xlsx")))
    assert plan.issues == []
    assert [(r.values["full_name"], r.values["phone"], r.values["date_of_birth"]) for r in plan.rows] == [
        ("Lò Thị Mai", "0912345678", date(2009, 4, 7)), ("Vàng A Sử", "0386001122", date(2009, 11, 23))]
    assert [(n.row, n.column) for n in plan.notes] == [(2, "phone"), (3, "phone")]
    assert str(plan.notes[0].message).startswith("số điện thoại 912345678 được thêm số 0 đầu: 0912345678")
    apply_plan(plan)
    db.session.commit()
    assert db.session.scalar(select(User.phone).where(User.full_name == "Lò Thị Mai")) == "0912345678"


def test_the_note_is_in_the_roster_preview_in_vietnamese(client, classes, make_user):
    make_user("admin.x", roles=[("admin", None)])
    login(client, "admin.x")
    token = csrf_token(client, "/admin/roster/")
    page = client.post("/admin/roster/", content_type="multipart/form-data", data={
        "csrf_token": token, "org_id": "0", "dry_run": "y",
        "file": (io.BytesIO(public_case("roster-phone-leading-zero-lost.xlsx")), "lop.xlsx")}).get_data(as_text=True)
    assert "số điện thoại 912345678 được thêm số 0 đầu: 0912345678" in page
    assert "số điện thoại 386001122 được thêm số 0 đầu: 0386001122" in page


def test_other_malformed_numbers_are_row_problems(app, classes):
    text = ("Họ và tên,Mã lớp,Số điện thoại\n"
            "An,HN-THPT-CVA-11A1,abc\nBình,HN-THPT-CVA-11A1,12345678\nChi,HN-THPT-CVA-11A1,+84 912 345 678\n")
    plan = plan_import(parse_roster("r.csv", text.encode()))
    assert [(i.row, i.column) for i in plan.issues] == [(2, "phone"), (3, "phone")]
    assert str(plan.issues[0].message).startswith("abc không phải là số điện thoại")
    assert [r.values["phone"] for r in plan.rows] == ["0912345678"] and plan.notes == []


def test_a_phone_column_formatted_to_show_the_zero_is_read_as_shown(app, classes):
    data = _xlsx([["Họ và tên", "Mã lớp", "Số điện thoại"],
                  ["An", "HN-THPT-CVA-11A1", (912345678, "0#########")],
                  ["Bình", "HN-THPT-CVA-11A1", (18001096, "General")]])
    plan = plan_import(parse_roster("r.xlsx", data))
    assert plan.issues == [] and [r.values["phone"] for r in plan.rows] == ["0912345678", "18001096"]
    assert plan.notes == []  # nothing was changed: the sheet showed the 0


@pytest.mark.parametrize("code", ["dd/mm/yyyy", "d/m/yyyy", "mm-dd-yy", "m/d/yyyy", "mm/dd/yyyy", "d-mmm-yy",
                                  "yyyy-mm-dd", "dddd, mmmm dd, yyyy", "[$-42A]dd/mm/yyyy"])
def test_a_date_of_birth_cell_gives_its_date_whatever_its_format(app, classes, code):
    data = _xlsx([["Họ và tên", "Mã lớp", "Ngày sinh"],
                  ["An", "HN-THPT-CVA-11A1", (datetime(2009, 4, 7), code)]])
    parsed = parse_roster("r.xlsx", data)
    assert parsed.rows[0].values["date_of_birth"] == "07/04/2009"
    plan = plan_import(parsed)
    assert plan.issues == [] and plan.rows[0].values["date_of_birth"] == date(2009, 4, 7)


def test_look_alike_and_decomposed_names_are_stored_searchable(client, classes, make_user):
    plan = plan_import(parse_roster("r.csv", public_case("roster-eth-lookalike-and-nfd-names.csv")))
    assert plan.issues == []
    apply_plan(plan)
    db.session.commit()
    dao = db.session.scalar(select(User).where(User.username == "daodt120609"))
    assert dao is not None and dao.full_name == "Đỗ Thị Đào" and dao.name_search == "do thi dao"
    duc = db.session.scalar(select(User).where(User.username == "ducnv130609"))
    assert duc.full_name == "Nguyễn Văn Đức" and unicodedata.is_normalized("NFC", duc.full_name)
    make_user("admin.x", roles=[("admin", None)])
    login(client, "admin.x")
    for query in ("do thi dao", "Đỗ Thị Đào", "\u00d0ỗ Thị \u00d0ào", "dao"):
        page = client.get("/admin/users/", query_string={"q": query}).get_data(as_text=True)
        assert "daodt120609" in page, query
    # Importing the file again finds the same people: nothing new.
    again = plan_import(parse_roster("r.csv", public_case("roster-eth-lookalike-and-nfd-names.csv")))
    assert again.count("create") == 0 and again.count("unchanged") == 2


def test_formula_like_names_are_imported_as_text_and_exported_neutralised(app, classes):
    from lms.reports.exports import write_csv, write_xlsx
    from lms.reports.services import CompletionRow

    data = public_case("roster-formula-injection-names.csv")
    typed = [row[0] for row in csv.reader(io.StringIO(data.decode("utf-8")))][1:]
    plan = plan_import(parse_roster("r.csv", data))
    assert plan.issues == [] and [r.values["full_name"] for r in plan.rows] == typed
    apply_plan(plan)
    db.session.commit()
    users = list(db.session.scalars(select(User).where(User.full_name.in_(typed)).order_by(User.id)))
    assert [u.full_name for u in users] == typed  # stored as typed: text, never evaluated
    rows = [CompletionRow("HN-THPT-CVA-11A1", "11A1", "11A1", u.username, u.full_name, "dvc", "Dịch vụ công", True,
                          None, None, 0, 1, None, None, None, False) for u in users]
    out = io.BytesIO()
    write_csv(rows, out)
    exported = [row[4] for row in csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig")))][1:]
    assert exported == ["'" + name for name in typed]
    out = io.BytesIO()
    write_xlsx(rows, out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    cells = [row[4] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["'" + name for name in typed] and {c.data_type for c in cells} == {"s"}


def test_the_excel_template_keeps_what_is_typed_as_text(client, sample_tree, make_user):
    """Prevention: in the downloaded template every column is formatted Text ("@"), so Excel
    keeps the 0 of a phone number and a birth date as typed."""
    make_user("admin.x", roles=[("admin", None)])
    login(client, "admin.x")
    data = client.get("/admin/roster/template.xlsx").data
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert {sheet.column_dimensions[letter].number_format for letter in "ABCDEFG"} == {"@"}
    parsed = parse_roster("mau.xlsx", data)
    assert parsed.issues == [] and parsed.rows[0].values["phone"] == "0912345678"
