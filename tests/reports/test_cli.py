"""`lms export-completion`: files, filters, scope (--as), audit."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from lms.audit.models import AuditEvent
from lms.extensions import db
from tests.reports import test_services
from tests.reports.test_services import HANG

world = test_services.world  # the shared fixture


def run(app, *args):
    return app.test_cli_runner().invoke(args=["export-completion", *args])


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_csv_to_file(app, world, tmp_path):
    out = tmp_path / "a.csv"
    result = run(app, "--org", "SA", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_csv(out)
    assert HANG in {r[4] for r in rows[1:]}
    assert {r[0] for r in rows[1:]} <= {"SA", "SA-1"}
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.actor_id is None
    assert event.detail["via"] == "cli" and event.detail["scope"] == "SA" and event.detail["format"] == "csv"


def test_csv_to_stdout(app, world, tmp_path, monkeypatch):
    result = run(app, "--org", "SB")
    assert result.exit_code == 0
    assert "Lê Thị Lan" in result.stdout
    assert HANG not in result.stdout
    monkeypatch.chdir(tmp_path)
    dashed = run(app, "--org", "SB", "-o", "-")  # "-" means standard output, not a file named "-"
    assert dashed.exit_code == 0 and "Lê Thị Lan" in dashed.stdout
    assert not (tmp_path / "-").exists()


def test_xlsx_with_filters(app, world, tmp_path):
    out = tmp_path / "a.xlsx"
    result = run(app, "--org", "P", "--course", "vneid", "--since", "2026-05-01", "--format", "xlsx",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[3], r[5]) for r in rows] == [("hs.lan", "vneid")]
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.detail["since"] == "2026-05-01" and event.detail["course_id"] == world["vneid"].id


def test_manager_scope_is_enforced(app, world, tmp_path):
    out = tmp_path / "b.csv"
    result = run(app, "--org", "SB", "--as", "ql.a", "-o", str(out))
    assert result.exit_code != 0
    assert "Không có đơn vị nào mang mã SB" in result.output
    assert not out.exists()
    assert db.session.query(AuditEvent).filter_by(action="report.export").count() == 0
    # Within scope it works, and with no --org it defaults to the manager's unit.
    result = run(app, "--as", "ql.a", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert {r[0] for r in read_csv(out)[1:]} <= {"SA", "SA-1"}
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.detail["on_behalf_of"] == "ql.a" and event.detail["scope"] == "SA"


def test_people_without_scope_and_bad_input(app, world):
    assert run(app, "--as", "nobody").exit_code != 0
    assert run(app, "--org", "NOPE").exit_code != 0
    assert run(app, "--course", "nope").exit_code != 0
    assert run(app, "--since", "31/12/2026").exit_code == 2


def test_empty_org_is_not_set_and_keeps_the_scope(app, world, tmp_path):
    """--org "" (an unset shell variable) used to skip the scope checks and export every unit."""
    out = tmp_path / "c.csv"
    result = run(app, "--as", "ql.a", "--org", "", "-o", str(out))
    assert result.exit_code == 0, result.output
    units = {r[0] for r in read_csv(out)[1:]}
    assert units and units <= {"SA", "SA-1"}
    event = db.session.query(AuditEvent).filter_by(action="report.export").one()
    assert event.detail["scope"] == "SA" and event.detail["on_behalf_of"] == "ql.a"
    # Blanks count as empty too, and an empty --as is refused rather than ignored.
    assert run(app, "--as", "ql.a", "--org", "  ", "-o", str(out)).exit_code == 0
    assert {r[0] for r in read_csv(out)[1:]} <= {"SA", "SA-1"}
    refused = run(app, "--as", "", "-o", str(tmp_path / "d.csv"))
    assert refused.exit_code == 2 and "--as cần một tên đăng nhập" in refused.output
    assert not (tmp_path / "d.csv").exists()


def test_xlsx_to_standard_output_is_refused(app, world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(app, "--org", "SA", "--format", "xlsx", "-o", "-")
    assert result.exit_code == 2
    assert "Không thể ghi XLSX ra đầu ra chuẩn" in result.output
    assert not (tmp_path / "-").exists()
    assert db.session.query(AuditEvent).filter_by(action="report.export").count() == 0


def test_audit_event_gets_the_row_count(app, world, tmp_path):
    out = tmp_path / "a.xlsx"
    assert run(app, "--org", "SA", "--format", "xlsx", "-o", str(out)).exit_code == 0
    assert run(app, "--org", "SA").exit_code == 0  # CSV to standard output
    events = db.session.query(AuditEvent).filter_by(action="report.export").order_by(AuditEvent.id).all()
    sheet_rows = load_workbook(out).active.max_row - 1
    assert [e.detail["rows"] for e in events] == [sheet_rows, sheet_rows] and sheet_rows > 0


def test_a_failed_export_leaves_no_file_and_an_unfinished_audit_entry(app, world, tmp_path, monkeypatch):
    from lms.reports import services

    real = services.completion_rows

    def broken(*args, **kwargs):
        rows = real(*args, **kwargs)
        yield next(rows)
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "completion_rows", broken)
    folder = tmp_path / "out"
    folder.mkdir()
    for fmt in ("csv", "xlsx"):
        out = folder / f"a.{fmt}"
        out.write_text("the previous export")
        result = run(app, "--org", "SA", "--format", fmt, "-o", str(out))
        assert result.exit_code != 0
        assert out.read_text() == "the previous export"  # not replaced by half a file
    assert sorted(p.name for p in folder.iterdir()) == ["a.csv", "a.xlsx"]  # no .part left behind
    events = db.session.query(AuditEvent).filter_by(action="report.export").all()
    assert len(events) == 2 and all("rows" not in e.detail for e in events)  # recorded, never finished
