"""Completion exports: CSV (UTF-8 with BOM) and XLSX, both streamed.

Rows come from ``services.completion_rows`` (a generator over a server-side
cursor), are formatted one at a time and written out in chunks, so memory
stays flat however many rows there are.  The BOM is there because Excel on
Windows otherwise opens a UTF-8 CSV as the ANSI code page and mangles every
Vietnamese name; the XLSX writer uses openpyxl's write-only mode for the same
reason the contest report does.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import islice
from typing import BinaryIO

from flask_babel import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from lms.audit.services import record_audit
from lms.core.cells import (
    MAY_CHANGE,
    append_styled,
    csv_writer,
    new_workbook,
    safe_cell,
    save_workbook,
)
from lms.core.files import atomic_output, private_temp_file
from lms.reports.services import CompletionRow, ReportFilter

BOM = "\ufeff"
DATE_FORMAT = "dd/mm/yyyy"  # how dates are written in Vietnam
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Rows buffered before a CSV chunk is handed to the writer or the HTTP server.
CSV_CHUNK_ROWS = 2000


def N_(message: str) -> str:
    """Marks a msgid for extraction; it is translated when the export runs."""
    return message


# (header msgid, column width) in CompletionRow order.
COLUMNS = [
    (N_("Unit code"), 14), (N_("Unit"), 28), (N_("Unit path"), 48), (N_("Username"), 18), (N_("Full name"), 28),
    (N_("Course code"), 18), (N_("Course"), 36), (N_("Assigned"), 10), (N_("Due date"), 12), (N_("Enrolled at"), 17),
    (N_("Lessons read"), 10), (N_("Lessons in course"), 10), (N_("Completed at"), 17), (N_("Score (%)"), 10),
    (N_("Certificate"), 18), (N_("Overdue"), 10),
]
_DATE_COLUMNS = {8: DATE_FORMAT, 9: DATETIME_FORMAT, 12: DATETIME_FORMAT}


def headers() -> list[str]:
    """Translated at call time so the CLI and each request use their own language."""
    return [_(title) for title, _width in COLUMNS]


def _yes_no() -> tuple[str, str]:
    return _("yes"), ""


# --- CSV --------------------------------------------------------------------------


def _csv_batches(rows: Iterable[CompletionRow], chunk_rows: int) -> Iterator[list[tuple]]:
    """Rows formatted for the CSV, ``chunk_rows`` at a time.

    Text people read in a spreadsheet: ISO dates, times to the minute,
    one-decimal scores, "yes"/blank flags.  Written as one comprehension with
    tuple unpacking because this is the per-row hot path of a million-row
    export; ``writerows_checked`` then takes the whole list in C.
    """
    yes, no = _yes_no()
    # Text people typed (unit, names, course, serial) goes through safe_cell (formula
    # injection, lms.core.cells), decided inline for the common case; the other columns
    # are dates, numbers and fixed words formatted here.
    q, safe = MAY_CHANGE, safe_cell
    rows = iter(rows)
    while True:
        records = [
            (code if code.__class__ is str and code[:1] not in q else safe(code),
             name if name.__class__ is str and name[:1] not in q else safe(name),
             path if path.__class__ is str and path[:1] not in q else safe(path),
             user if user.__class__ is str and user[:1] not in q else safe(user),
             full if full.__class__ is str and full[:1] not in q else safe(full),
             slug if slug.__class__ is str and slug[:1] not in q else safe(slug),
             title if title.__class__ is str and title[:1] not in q else safe(title), yes if assigned else no,
             "" if due is None else due.isoformat(),
             "" if enrolled is None else enrolled.isoformat(" ", "minutes"), read, total,
             "" if completed is None else completed.isoformat(" ", "minutes"),
             "" if score is None else round(score, 1),
             "" if serial is None else serial if serial[:1] not in q else safe(serial), yes if overdue else no)
            for (code, name, path, user, full, slug, title, assigned, due, enrolled, read, total, completed, score,
                 serial, overdue) in islice(rows, chunk_rows)
        ]
        if not records:
            return
        yield records


def csv_chunks(rows: Iterable[CompletionRow], chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    """The CSV as text chunks (BOM first), for a streamed HTTP response."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(headers())
    for records in _csv_batches(rows, chunk_rows):
        writer.writerows_checked(records)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _write_text(fh, rows: Iterable[CompletionRow]) -> int:
    fh.write(BOM)
    writer = csv_writer(fh, lineterminator="\r\n")
    writer.writerow(headers())
    count = 0
    for records in _csv_batches(rows, CSV_CHUNK_ROWS):
        writer.writerows_checked(records)
        count += len(records)
    return count


def write_csv(rows: Iterable[CompletionRow], target: str | os.PathLike | BinaryIO) -> int:
    """Write the CSV to a path or a binary file object; returns the number of rows.

    The csv writer writes straight into a UTF-8 text layer over the file (no
    intermediate string), as the raw-dump baseline does.  A path is written
    whole or not at all (``atomic_output``).
    """
    if isinstance(target, (str, os.PathLike)):
        with atomic_output(target, "w", encoding="utf-8", newline="") as fh:
            return _write_text(fh, rows)
    text = io.TextIOWrapper(target, encoding="utf-8", newline="")
    try:
        return _write_text(text, rows)
    finally:
        text.flush()
        text.detach()  # the caller owns the binary file


# --- XLSX -------------------------------------------------------------------------


def write_xlsx(rows: Iterable[CompletionRow], target: str | os.PathLike | BinaryIO) -> int:
    """Write-only workbook: bold header, frozen first row, real date cells.

    Dates and times are stored as Excel dates (not text) with a Vietnamese
    display format, so people can sort and filter them; booleans become
    "yes"/blank like the CSV so the two exports read the same.  A path is
    written whole or not at all (``atomic_output``).
    """
    workbook = new_workbook()
    sheet = workbook.create_sheet(_("Completion"))
    sheet.freeze_panes = "A2"
    for index, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    append_styled(sheet, headers(), font=bold, fill=fill, alignment=wrap)

    yes, no = _yes_no()
    # One template cell per date column, reused for every row: the write-only
    # sheet serialises a row as soon as it is appended, so reuse is safe, and
    # it saves a style lookup per date cell (a quarter of the XLSX time).
    templates = {}
    for index, number_format in _DATE_COLUMNS.items():
        cell = WriteOnlyCell(sheet)
        cell.number_format = number_format
        templates[index] = cell
    due_cell, enrolled_cell, completed_cell = templates[8], templates[9], templates[12]
    count = 0
    try:
        for (code, name, path, user, full, slug, title, assigned, due, enrolled, read, total, completed, score,
             serial, overdue) in rows:
            if due is not None:
                due_cell.value = due
                due = due_cell
            if enrolled is not None:
                enrolled_cell.value = enrolled
                enrolled = enrolled_cell
            if completed is not None:
                completed_cell.value = completed
                completed = completed_cell
            sheet.append((code, name, path, user, full, slug, title, yes if assigned else no, due, enrolled, read,
                          total, completed, None if score is None else round(score, 1), serial,
                          yes if overdue else no))
            count += 1
    except BaseException:
        workbook.discard()  # openpyxl's per-sheet temp file would otherwise stay on disk
        raise
    save_workbook(workbook, target)
    return count


def xlsx_file(rows: Iterable[CompletionRow]) -> BinaryIO:
    """The XLSX in an anonymous private temp file (``lms.core.files.private_temp_file``),
    positioned at the start, for ``send_file`` (a zip needs a seekable file).  Closing it
    deletes it; on failure it is closed here."""
    handle = private_temp_file(suffix=".xlsx")
    try:
        write_xlsx(rows, handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


# --- audit ------------------------------------------------------------------------


def filter_detail(flt: ReportFilter) -> dict:
    """The filter as JSON-friendly values for the audit log."""
    def iso(value: date | None):
        return value.isoformat() if value else None

    return {"course_id": flt.course_id, "audience": flt.audience, "since": iso(flt.since), "until": iso(flt.until)}


def audit_export(actor, org, flt: ReportFilter, fmt: str, via: str, rows: int | None = None, **extra):
    """Every export is logged: who, which subtree (None = whole tree), filters, format.

    Recorded before the file streams, so even an aborted download leaves a trace.
    """
    detail = {"format": fmt, "via": via, "scope": org.code if org is not None else None, **filter_detail(flt)}
    if rows is not None:
        detail["rows"] = rows
    detail.update((key, value) for key, value in extra.items() if value is not None)
    return record_audit(actor, "report.export", target=org, org=org, **detail)


def export_filename(org, fmt: str, today: date) -> str:
    scope = org.code if org is not None else "all"
    return f"completion-{scope}-{today.isoformat()}.{fmt}"
