"""The export files themselves: CSV read back with Python's csv module, XLSX opened
with openpyxl and checked cell by cell, and memory staying flat while streaming."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date, datetime

from openpyxl import load_workbook

from lms.reports import exports
from lms.reports.services import CompletionRow, completion_rows
from tests.reports import test_services
from tests.reports.test_services import HANG

world = test_services.world  # the shared fixture

ENGLISH = ["Unit code", "Unit", "Unit path", "Username", "Full name", "Course code", "Course", "Assigned",
           "Due date", "Enrolled at", "Lessons read", "Lessons in course", "Completed at", "Score (%)",
           "Certificate", "Overdue"]


def test_header_msgids_are_english(app):
    assert [title for title, _width in exports.COLUMNS] == ENGLISH


def sample_row(i: int = 0) -> CompletionRow:
    return CompletionRow(
        "SA-1", "Lớp A1", "Tỉnh Mẫu › Trường A › Lớp A1", f"hs.{i}", HANG, "dvc", "Dịch vụ công trực tuyến",
        True, date(2026, 3, 31), datetime(2026, 3, 1, 9, 0), 3, 3, datetime(2026, 3, 10, 10, 0), 90.0,
        "DVC-2026-000001", False)


def test_csv_has_bom_and_vietnamese_names(app, tmp_path):
    path = tmp_path / "out.csv"
    assert exports.write_csv([sample_row()], path) == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == exports.headers()
    assert rows[1] == ["SA-1", "Lớp A1", "Tỉnh Mẫu › Trường A › Lớp A1", "hs.0", HANG, "dvc",
                       "Dịch vụ công trực tuyến", exports._yes_no()[0], "2026-03-31", "2026-03-01 09:00", "3", "3",
                       "2026-03-10 10:00", "90.0", "DVC-2026-000001", ""]


def test_csv_quotes_awkward_values(app):
    row = sample_row()._replace(full_name='Lê "Bé", Ba\nTư', score=None, completed_at=None,
                                certificate_serial=None)
    text = "".join(exports.csv_chunks([row]))
    parsed = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert parsed[1][4] == 'Lê "Bé", Ba\nTư'
    assert parsed[1][12] == "" and parsed[1][13] == "" and parsed[1][14] == ""


def test_xlsx_cell_by_cell(app, world, tmp_path):
    path = tmp_path / "out.xlsx"
    rows = list(completion_rows(world["province"]))
    count = exports.write_xlsx(rows, path)
    assert count == len(rows)
    book = load_workbook(path)
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header == exports.headers()
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.max_row == count + 1
    index = next(i for i, r in enumerate(rows) if r.username == "hs.hang" and r.course_slug == "dvc")
    cells = sheet[index + 2]
    expected = rows[index]
    assert cells[0].value == "SA-1"
    assert cells[1].value == "Lớp A1"
    assert cells[2].value == "Tỉnh Mẫu › Xã An Bình › Trường A › Lớp A1"
    assert cells[3].value == "hs.hang"
    assert cells[4].value == HANG
    assert cells[5].value == "dvc"
    assert cells[6].value == "Dịch vụ công trực tuyến"
    assert cells[7].value == exports._yes_no()[0]
    # Dates are real date cells with a display format, not text.
    assert isinstance(cells[8].value, datetime) and cells[8].value.date() == expected.due_on
    assert cells[8].number_format == exports.DATE_FORMAT and cells[8].is_date
    assert cells[9].value == datetime(2026, 3, 1, 9, 0) and cells[9].number_format == exports.DATETIME_FORMAT
    assert cells[10].value == 3 and cells[11].value == 3
    assert cells[12].value == datetime(2026, 3, 10, 10, 0) and cells[12].is_date
    assert cells[13].value == 90.0
    assert cells[14].value == "DVC-2026-000001"
    assert cells[15].value in (None, "")
    binh = next(i for i, r in enumerate(rows) if r.username == "hs.binh")
    cells = sheet[binh + 2]
    assert cells[12].value is None and cells[15].value == exports._yes_no()[0]


def test_xlsx_empty_export_still_has_header(app, tmp_path):
    path = tmp_path / "empty.xlsx"
    assert exports.write_xlsx([], path) == 0
    sheet = load_workbook(path).active
    assert [c.value for c in sheet[1]] == exports.headers() and sheet.max_row == 1


def test_csv_memory_is_flat(app):
    """Peak memory while streaming 40,000 rows is about that of 4,000."""

    def peak(n: int) -> int:
        rows = (sample_row(i) for i in range(n))
        tracemalloc.start()
        for _chunk in exports.csv_chunks(rows):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    small, large = peak(4_000), peak(40_000)
    assert large < small * 1.5 + 100_000


def test_csv_http_chunks_are_bounded(app):
    chunks = list(exports.csv_chunks((sample_row(i) for i in range(5_000)), chunk_rows=1000))
    assert len(chunks) >= 5
    assert max(len(c) for c in chunks) < 1000 * 400
