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
    assert "No organisation has the code SB" in result.output
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
