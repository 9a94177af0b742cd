"""The one way the project writes spreadsheet cells (CSV and XLSX): text a person typed can
never become a formula in Excel, LibreOffice or Google Sheets.

Rule (OWASP "CSV Injection"; ASVS 5.0 requirement 1.2.10): a text value whose first
character is ``=``, ``+``, ``-``, ``@``, tab (0x09), carriage return (0x0D) or NUL (0x00,
ASVS) is prefixed with a single quote ``'``, which spreadsheets read as "this is text".
OWASP names the first character only; a trigger after leading whitespace is neutralised
too, on the safe side, because import dialogs can trim blanks before guessing a cell's type
(the cost is a quote before the rare text that starts with a blank and then ``-``).  Numbers, dates, datetimes, booleans
and None are left as they are: they stay typed cells in XLSX and plain values in CSV (a
negative number such as -5 stays a number; only text is changed).  The quote stays
visible in the cell, also in XLSX: a copy pasted or re-saved as CSV elsewhere stays safe.
Field separators and quotes inside a value are the csv module's business (RFC 4180).

Writers: ``csv_writer`` for CSV and ``new_workbook`` for XLSX (always openpyxl's
write-only mode, whose sheets pass every appended value through ``safe_cell`` and keep their
temporary XML in the instance's private temp folder, see ``lms.core.files``).  A test
(tests/core/test_cells.py) fails when code elsewhere in ``lms`` creates a csv writer or an
openpyxl Workbook itself.  Importers of our own files undo the quote with ``unquote_cell``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet import _writer as openpyxl_writer
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from lms.core.files import private_temp_path, private_tmp_dir

# OWASP's list plus NUL from ASVS 5.0 1.2.10.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0")
QUOTE = "'"
# First characters of the text safe_cell may change (triggers and Unicode whitespace): a
# str starting with anything else is returned as it is, which lets bulk writers skip the
# call (``x if x.__class__ is str and x[:1] not in MAY_CHANGE else safe_cell(x)``).
MAY_CHANGE = FORMULA_TRIGGERS | frozenset(c for c in map(chr, range(0x3001)) if c.isspace())
# Values written as they are: typed numbers/dates in XLSX, their plain text in CSV.
_PLAIN_TYPES = frozenset({type(None), bool, int, float, Decimal, date, datetime, time, timedelta})


def _neutralise(text: str) -> str:
    if text[:1] in FORMULA_TRIGGERS or text.lstrip()[:1] in FORMULA_TRIGGERS:
        return QUOTE + text
    return text


def safe_cell(value):
    """The value to write into one CSV or XLSX cell.

    ``str`` (and anything that is not a number, date, time, boolean or None, which is
    written as its ``str``) starting with a formula trigger, also after leading whitespace,
    gets a leading ``'``; everything else is returned unchanged, same type.  Idempotent
    on text that is already safe (a leading quote is not a trigger).
    """
    cls = value.__class__
    if cls is str:
        # Fast path of a million-row export: most text starts with a letter or digit.
        if value[:1] in MAY_CHANGE:
            return _neutralise(value)
        return value
    if cls in _PLAIN_TYPES:
        return value
    if isinstance(value, (int, float, Decimal, date, time, timedelta)):  # subclasses (bool is an int)
        return value
    text = str(value)
    return _neutralise(text) if text else text


def unquote_cell(text: str) -> str:
    """Undo ``safe_cell`` on text read back from one of our exports: the leading ``'`` is
    dropped only where ``safe_cell`` would have added it, so an export → import round trip
    gives the original text.  Other text is returned unchanged."""
    if text[:1] == QUOTE and len(text) > 1 and safe_cell(text[1:]) == text:
        return text[1:]
    return text


# --- CSV ------------------------------------------------------------------------------


class SafeCsvWriter:
    """``csv.writer`` whose every value goes through ``safe_cell``."""

    __slots__ = ("_writer",)

    def __init__(self, handle, **fmtparams):
        self._writer = csv.writer(handle, **fmtparams)

    def writerow(self, row: Iterable):
        return self._writer.writerow(map(safe_cell, row))

    def writerows(self, rows: Iterable[Iterable]) -> None:
        # The hot path of a million-row export: the common case (text starting with a letter
        # or digit) is decided inline, everything else is safe_cell's to decide.
        lead, safe, rows = MAY_CHANGE, safe_cell, iter(rows)
        while batch := list(islice(rows, 1000)):
            self._writer.writerows([[v if v.__class__ is str and v[:1] not in lead else safe(v) for v in row]
                                    for row in batch])


    def writerows_checked(self, rows: Iterable[Iterable]) -> None:
        """Rows whose text cells the caller has already passed through ``safe_cell`` (the
        other cells being values it formatted itself: dates, numbers, fixed words).  Only
        for a hot path that does so inline, as the completion export does; its test feeds
        formula text into every text column."""
        self._writer.writerows(rows)


def csv_writer(handle, **fmtparams) -> SafeCsvWriter:
    """A csv writer over the text file ``handle`` (``fmtparams`` as for ``csv.writer``)."""
    return SafeCsvWriter(handle, **fmtparams)


# --- XLSX -----------------------------------------------------------------------------


def _xlsx_text(value):
    # XML 1.0 cannot hold most C0 control characters; openpyxl raises on them, which would
    # turn a name with a stray control byte into a failed export.  They are invisible anyway.
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class SafeSheet(WriteOnlyWorksheet):
    """A write-only sheet whose values go through ``safe_cell`` and whose temporary XML file is
    private (0600) in the workbook's private folder, not world-visible in the system temp."""

    def append(self, row):
        cells = []
        for value in row:
            if isinstance(value, Cell):  # a styled WriteOnlyCell keeps its style
                if value.data_type == "f" or isinstance(value.value, str):
                    value.value = _xlsx_text(safe_cell(value.value))
                cells.append(value)
            else:
                cells.append(_xlsx_text(safe_cell(value)))
        super().append(cells)

    def _get_writer(self):
        if self._writer is None:
            path = private_temp_path(self.parent.tmp_dir, prefix="openpyxl-", suffix=".xml")
            # Private openpyxl API (pinned in pyproject.toml; tests/core/test_cells.py fails if
            # the XML stops landing here).  openpyxl's cleanup() removes the path from this list (and its exit hook deletes
            # whatever is still listed), so it must be registered like openpyxl's own files.
            openpyxl_writer.ALL_TEMP_FILES.append(path)
            self._writer = openpyxl_writer.WorksheetWriter(self, out=path)
            self._writer.write_top()

    def discard(self) -> None:
        """After a failure mid-sheet: end the streaming writer and delete its temp file."""
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the sheet is being thrown away; only the file matters
            pass
        writer = self._writer
        if writer is not None and isinstance(writer.out, str):
            Path(writer.out).unlink(missing_ok=True)
            if writer.out in openpyxl_writer.ALL_TEMP_FILES:
                openpyxl_writer.ALL_TEMP_FILES.remove(writer.out)


class SafeWorkbook(Workbook):
    """openpyxl's write-only Workbook with ``SafeSheet`` sheets."""

    def __init__(self, tmp_dir: Path):
        super().__init__(write_only=True)
        self.tmp_dir = tmp_dir

    def create_sheet(self, title=None, index=None) -> SafeSheet:
        sheet = SafeSheet(parent=self, title=title)
        self._add_sheet(sheet=sheet, index=index)
        return sheet

    def discard(self) -> None:
        """Delete every sheet's temp file (call when the workbook will not be saved)."""
        for sheet in self._sheets:
            if isinstance(sheet, SafeSheet):
                sheet.discard()


def new_workbook(tmp_dir: str | Path | None = None) -> SafeWorkbook:
    """The only way to start an XLSX file in this project (write-only, streamed).

    ``tmp_dir``: where openpyxl's per-sheet XML goes while the file is built; defaults to
    the current app's private temp folder (``lms.core.files.private_tmp_dir``).  Call
    ``discard()`` if the workbook is abandoned before ``save``.
    """
    return SafeWorkbook(Path(tmp_dir) if tmp_dir is not None else private_tmp_dir())


def append_styled(sheet, values: Iterable, **style) -> None:
    """Append one row whose every cell carries ``style`` (openpyxl cell attributes such as
    ``font=Font(bold=True)`` or ``alignment=...``): header rows and wrapped template rows.
    Values still pass through ``safe_cell`` (SafeSheet.append)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=value)
        for name, setting in style.items():
            setattr(cell, name, setting)
        cells.append(cell)
    sheet.append(cells)


def save_workbook(workbook: SafeWorkbook, target) -> None:
    """Save to ``target``: a path is written whole or not at all, private (``atomic_output``);
    an open binary file is written in place. Raises what saving raises; openpyxl's temp files
    are always removed."""
    import os

    from lms.core.files import atomic_output

    try:
        if isinstance(target, (str, os.PathLike)):
            with atomic_output(target, "wb") as fh:
                workbook.save(fh)
        else:
            workbook.save(target)
    except BaseException:
        workbook.discard()
        raise
