"""Formula injection (OWASP "CSV Injection", ASVS 5.0 1.2.10) and private temp files: the
one cell-writing function, the writers built on it, and that nothing in lms bypasses them."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from lms.core.cells import csv_writer, new_workbook, safe_cell, unquote_cell
from lms.core.files import atomic_output, private_temp_file, private_tmp_dir, sweep_private_tmp

LMS = Path(__file__).resolve().parents[2] / "lms"
HOSTILE = ['=HYPERLINK("http://phishing.example/","Xem điểm")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\0=1", "  =1+1", "\u00a0@SUM(A1)", "\n-1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_starting_with_a_trigger_gets_a_quote(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell(safe_cell(text)) == "'" + text  # idempotent
    assert unquote_cell(safe_cell(text)) == text  # our importers get the original back


@pytest.mark.parametrize("value", [-5, -5.5, 0, 3, 90.0, Decimal("-1.5"), True, False, None, date(2026, 3, 31),
                                   datetime(2026, 3, 1, 9, 0)])
def test_numbers_dates_and_booleans_are_left_typed(value):
    result = safe_cell(value)
    assert result is value or (result == value and type(result) is type(value))


@pytest.mark.parametrize("text", ["Nguyễn Thị Hằng", "", "'=already quoted", "a=b", "0912000111", "5-3", "Lớp 6A1",
                                  "'plain"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text
    if not text.startswith("'="):  # that one reads as our own quoting and loses its quote
        assert unquote_cell(text) == text


def test_anything_else_is_written_as_safe_text():
    class Lazy:
        def __str__(self):
            return "=1+1"

    assert safe_cell(Lazy()) == "'=1+1"


def test_csv_writer_neutralises_text_only():
    out = io.StringIO()
    csv_writer(out).writerows([HOSTILE[:4] + [-5, 2.5, date(2026, 1, 2)]])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row[:4] == ["'" + text for text in HOSTILE[:4]]
    assert row[4:] == ["-5", "2.5", "2026-01-02"]


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers(app, tmp_path):
    from openpyxl.cell import WriteOnlyCell

    workbook = new_workbook()
    sheet = workbook.create_sheet("S")
    styled = WriteOnlyCell(sheet, value="=1+1")  # openpyxl has already typed this as a formula
    sheet.append([HOSTILE[0], styled, -5, datetime(2026, 3, 1, 9, 0), "bad\x01control", "#N/A text"])
    path = tmp_path / "out.xlsx"
    workbook.save(path)
    cells = next(load_workbook(path).active.iter_rows())
    assert [c.data_type for c in cells[:2]] == ["s", "s"]
    assert cells[0].value == "'" + HOSTILE[0] and cells[1].value == "'=1+1"
    assert cells[2].value == -5 and cells[2].data_type == "n"
    assert cells[3].value == datetime(2026, 3, 1, 9, 0) and cells[3].is_date
    assert cells[4].value == "badcontrol"


# --- every writer goes through lms.core.cells ---------------------------------------------

BYPASS = re.compile(r"\bcsv\.(writer|DictWriter)\(|\bWorkbook\(|from openpyxl import [^\n]*\bWorkbook\b|"
                    r"\bopenpyxl\.Workbook\b|NamedTemporaryFile|mkdtemp\(|tempfile\.TemporaryFile|"
                    r"gettempdir\(")


def test_no_module_writes_spreadsheets_or_temp_files_on_its_own():
    """CSV/XLSX writers and export temp files are created only by lms.core.cells and
    lms.core.files; anything else would bypass formula neutralising or the private folder."""
    allowed = {LMS / "core" / "cells.py", LMS / "core" / "files.py"}
    offenders = []
    for path in LMS.rglob("*.py"):
        if path in allowed:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BYPASS.search(line) and not line.lstrip().startswith("#"):
                offenders.append(f"{path.relative_to(LMS.parent)}:{number}: {line.strip()}")
    assert offenders == []


# --- private temp files -----------------------------------------------------------------------


def test_private_tmp_dir_is_0700_and_files_0600(app):
    folder = private_tmp_dir()
    assert folder == Path(app.instance_path) / "tmp"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    with private_temp_file() as handle:
        assert stat.S_IMODE(os.fstat(handle.fileno()).st_mode) == 0o600
        assert list(folder.iterdir()) == []  # anonymous: no name anyone could open


def test_openpyxl_sheet_xml_is_private_and_removed(app):
    folder = private_tmp_dir()
    workbook = new_workbook()
    sheet = workbook.create_sheet("S")
    sheet.append(["Nguyễn Thị Hằng"])
    [xml] = list(folder.iterdir())
    assert stat.S_IMODE(xml.stat().st_mode) == 0o600
    workbook.save(io.BytesIO())
    assert list(folder.iterdir()) == []
    abandoned = new_workbook()
    abandoned.create_sheet("S").append(["x"])
    assert len(list(folder.iterdir())) == 1
    abandoned.discard()
    assert list(folder.iterdir()) == []


def test_stale_files_are_swept_at_startup(app, tmp_path):
    from lms import create_app

    folder = private_tmp_dir()
    old, fresh = folder / "openpyxl-old.xml", folder / "lms-fresh.xlsx"
    old.write_text("personal data")
    fresh.write_text("an export in progress")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    assert sweep_private_tmp(app.instance_path) == 1
    assert not old.exists() and fresh.exists()
    os.utime(fresh, (day_ago, day_ago))
    create_app({"TESTING": True, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "x"},
               instance_path=app.instance_path)
    assert not fresh.exists()


def test_atomic_output_part_file_and_result_are_private(tmp_path):
    target = tmp_path / "export.csv"
    with atomic_output(target) as handle:
        [part] = [p for p in tmp_path.iterdir()]
        assert part.name.endswith(".part") and stat.S_IMODE(part.stat().st_mode) == 0o600
        handle.write("x")
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
