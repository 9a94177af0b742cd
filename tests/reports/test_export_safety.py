"""Faults 5 and 8 of issue 14, through HTTP as a manager would download them: names typed
at registration or in a roster (fixture roster-formula-injection-names.csv) never become
live formulas, and the XLSX leaves no file behind, private while it exists."""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lms.courses.models import Enrollment
from lms.extensions import db
from lms.reports import services
from tests.conftest import login
from tests.reports.test_services import add_course

FIXTURE = Path("/work/shared/fixtures/public-cases/roster-formula-injection-names.csv")
TRIGGERS = tuple("=+-@\t\r")


def hostile_names() -> list[str]:
    if FIXTURE.exists():
        with FIXTURE.open(encoding="utf-8-sig", newline="") as fh:
            return [row["Họ và tên"] for row in csv.DictReader(fh)]
    return ['=HYPERLINK("http://phishing.example/","Xem điểm")', "+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]


@pytest.fixture
def system_tmp(tmp_path_factory, monkeypatch):
    """The process's "system temp folder", private to this test so it can be inspected."""
    folder = tmp_path_factory.mktemp("system-tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def hostile(any_db_app, make_org, make_user, system_tmp):
    school = make_org("SA", "Trường A", "school")
    klass = make_org("SA-1", "Lớp A1", "class", parent=school)
    course = add_course("dvc", "Dịch vụ công trực tuyến", lessons=2)
    names = hostile_names()
    for i, name in enumerate(names):
        user = make_user(f"hs.{i}", org=klass, full_name=name, kind="student")
        db.session.add(Enrollment(user_id=user.id, course_id=course.id, started_at=datetime(2026, 3, 1, 2, 0),
                                  completed_at=datetime(2026, 3, 10, 3, 0), score=90.0, quiz_score=90.0))
    db.session.commit()
    make_user("ql.a", org=school, roles=[("manager", school)])
    client = any_db_app.test_client()
    login(client, "ql.a")
    return {"app": any_db_app, "client": client, "names": names,
            "instance_tmp": Path(any_db_app.instance_path) / "tmp", "system_tmp": system_tmp}


def leftovers(world) -> list[str]:
    found = []
    for folder in (world["instance_tmp"], world["system_tmp"]):
        if folder.exists():
            found += [str(p) for p in folder.iterdir()]
    return found


def test_completion_csv_quotes_formula_names(hostile):
    response = hostile["client"].get("/reports/org/SA/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    names = [row[4] for row in rows[1:] if row[3].startswith("hs.")]
    assert sorted(names) == sorted("'" + name for name in hostile["names"])
    assert not [cell for row in rows for cell in row if cell.startswith(TRIGGERS)]
    staff = [row for row in rows[1:] if row[3].startswith("hs.")][0]
    assert staff[13] == "90.0" and staff[12] == "2026-03-10 10:00"  # numbers and dates plain


def test_completion_xlsx_has_text_not_formulas_and_leaves_no_file(hostile):
    response = hostile["client"].get("/reports/org/SA/export.xlsx")
    assert response.status_code == 200
    body = response.get_data()
    response.close()
    sheet = load_workbook(io.BytesIO(body)).active
    learners = [row for row in sheet.iter_rows(min_row=2) if str(row[3].value).startswith("hs.")]
    assert sorted(row[4].value for row in learners) == sorted("'" + name for name in hostile["names"])
    assert {row[4].data_type for row in learners} == {"s"}
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    first = learners[0]
    assert first[13].value == 90.0 and first[13].data_type == "n"
    assert first[12].value == datetime(2026, 3, 10, 10, 0) and first[12].is_date
    assert leftovers(hostile) == []


def spy_rows(world, monkeypatch, fail_after=None):
    """Wrap the real row generator: note every temp file and its mode while the XLSX is being
    written; optionally fail mid-way as a dropped database connection would."""
    seen = {}
    real = services.completion_rows

    def rows(*args, **kwargs):
        for number, row in enumerate(real(*args, **kwargs)):
            for name in leftovers(world):
                seen[name] = stat.S_IMODE(os.stat(name).st_mode)
            if fail_after is not None and number >= fail_after:
                raise RuntimeError("database went away")
            yield row

    monkeypatch.setattr(services, "completion_rows", rows)
    return seen


def test_xlsx_temp_files_are_private_while_they_exist(hostile, monkeypatch):
    seen = spy_rows(hostile, monkeypatch)
    response = hostile["client"].get("/reports/org/SA/export.xlsx")
    assert response.status_code == 200 and response.get_data()[:2] == b"PK"
    response.close()
    assert seen, "the sheet's temp file should have been seen while rows were written"
    assert all(Path(name).parent == hostile["instance_tmp"] for name in seen)  # never the system temp
    assert set(seen.values()) == {0o600}
    assert stat.S_IMODE(hostile["instance_tmp"].stat().st_mode) == 0o700
    assert leftovers(hostile) == []


def test_xlsx_failing_mid_way_leaves_no_file(hostile, monkeypatch):
    spy_rows(hostile, monkeypatch, fail_after=2)
    with pytest.raises(RuntimeError):  # TESTING propagates; in production the 500 page
        hostile["client"].get("/reports/org/SA/export.xlsx")
    assert leftovers(hostile) == []


def test_cli_xlsx_export_is_private_and_leaves_nothing(hostile, tmp_path):
    out = tmp_path / "out" / "completion.xlsx"
    out.parent.mkdir()
    result = hostile["app"].test_cli_runner().invoke(args=["export-completion", "--org", "SA", "--format", "xlsx",
                                                           "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.parent.iterdir()] == ["completion.xlsx"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    sheet = load_workbook(out).active
    assert "f" not in {c.data_type for row in sheet.iter_rows() for c in row}
    assert leftovers(hostile) == []


def test_every_text_column_of_the_completion_exports_is_neutralised(app, tmp_path):
    """The CSV hot path decides the common case inline (lms.reports.exports._csv_batches):
    formula text in any text column of a row, present or future, must still come out quoted."""
    from lms.reports import exports
    from tests.reports.test_exports import sample_row

    row = sample_row()
    text_fields = [name for name in row._fields if isinstance(getattr(row, name), str)]
    assert len(text_fields) >= 8
    for payload in hostile_names() + [" =1+1", "\t=1+1"]:
        hostile_row = row._replace(**{name: payload for name in text_fields})
        text = "".join(exports.csv_chunks([hostile_row]))
        record = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1]
        columns = [row._fields.index(name) for name in text_fields]
        assert [record[i] for i in columns] == ["'" + payload] * len(columns)
        path = tmp_path / "out.xlsx"
        exports.write_xlsx([hostile_row], path)
        cells = list(load_workbook(path).active.iter_rows(min_row=2))[0]
        assert [cells[i].value for i in columns] == ["'" + payload] * len(columns)
        assert {cells[i].data_type for i in columns} == {"s"}
