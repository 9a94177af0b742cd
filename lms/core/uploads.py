"""Reading uploaded files within fixed bounds: every upload parser goes through here.

A 400 KB spreadsheet can hold a 400 MB string (deflate packs a repeated byte about a
thousand to one), a sheet can claim three million rows in a few bytes, and XML can carry a
DTD whose entities expand without end. So before any parser builds anything, the file is
checked against limits an operator can change (``UPLOAD_*`` in :mod:`lms.config`, listed
in docs/operator-guide.md), and a file over a limit is refused with a message naming the
limit and the place (sheet, row, column) instead of being read:

- ``read_text_bounded``: size, UTF-8, number of lines and line length (GIFT, Aiken, Markdown).
- ``read_csv_bounded``: the same, then rows, columns and cell length (roster, units).
- ``open_xlsx_bounded``: the zip archive's members (count, declared and actually inflated
  sizes, compression ratio), no DTD in any XML part, the shared strings (count, size), then a
  streamed reading (openpyxl's read-only mode) with rows, columns, cell length and wall time.
  Each cell comes with its number format (``SheetCell``), so that parsers read it as Excel
  shows it: "10/10", not the date Excel made of it.

Sources of the numbers: a cell holds at most 32,767 characters in Excel ("Excel
specifications and limits", Microsoft), so a longer one cannot come from a real sheet;
the compression ratio limit (100) and the size from which it applies (100 KB) are those of
Apache POI's ``ZipSecureFile``; ECMA-376 Part 2 (Open Packaging Conventions, §8.1.4 "XML
usage") forbids DTDs in package parts, so refusing them loses no genuine file; the OWASP
File Upload and XML External Entity Prevention cheat sheets ask for every one of these.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from lms.core.errors import ServiceError

MB = 1024 * 1024
_CHUNK = 1024 * 1024
# Apache POI's ZipSecureFile: the ratio is only judged once a member is past this size.
RATIO_GRACE_BYTES = 100 * 1024
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@dataclass(frozen=True)
class UploadLimits:
    """The bounds of one upload. Bytes, characters, counts and seconds; each field is the
    config key ``UPLOAD_`` + its name in upper case (see ``from_config``)."""

    max_file_bytes: int = 20 * MB          # the file as uploaded (compressed, for XLSX)
    max_unpacked_bytes: int = 100 * MB     # all zip members together, once inflated
    max_ratio: int = 100                   # inflated / compressed size of one zip member
    max_members: int = 1000                # files inside one zip archive
    max_rows: int = 250_000                # sheet or CSV rows, header and blank rows included
    max_columns: int = 100                 # columns of the header row
    max_cell_chars: int = 32_767           # characters in one cell (Excel's own limit)
    max_shared_strings: int = 300_000      # distinct strings in an XLSX shared-strings part
    max_shared_strings_bytes: int = 50 * MB  # that part once inflated
    max_lines: int = 250_000               # lines of a text upload (GIFT, Aiken, Markdown)
    max_line_chars: int = 100_000          # characters in one line of a text or CSV upload
    max_seconds: float = 60.0              # wall time spent reading one file

    @classmethod
    def from_config(cls, config=None) -> UploadLimits:
        """The limits from a Flask config (``UPLOAD_MAX_ROWS`` ...), or from the current
        app's when none is given; the defaults above outside an app."""
        if config is None:
            from flask import current_app, has_app_context

            if not has_app_context():
                return cls()
            config = current_app.config
        values = {}
        for item in fields(cls):
            key = "UPLOAD_" + item.name.upper()
            if config.get(key) is not None:
                values[item.name] = type(getattr(cls, item.name))(config[key])
        return cls(**values)


class UploadRefused(ServiceError):
    """A file over a limit, or one that cannot be read. ``str(err)`` is the translated
    message (it names the limit); ``row``/``column``/``sheet`` say where, when known."""

    def __init__(self, message, *, row: int | None = None, column: str | None = None, sheet: str | None = None):
        super().__init__(message, field="file")
        self.row = row
        self.column = column
        self.sheet = sheet

    def where(self):
        """'sheet «Danh sách», row 7, column C' (translated), or '' when nothing is known."""
        from flask_babel import gettext

        parts = []
        if self.sheet:
            parts.append(gettext("sheet “%(name)s”", name=self.sheet))
        if self.row:
            parts.append(gettext("row %(row)d", row=self.row))
        if self.column:
            parts.append(gettext("column %(col)s", col=self.column))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else str(self.message)


def column_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA' (spreadsheet column names)."""
    name, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


class _Clock:
    def __init__(self, limits: UploadLimits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds

    def check(self, row: int | None = None, sheet: str | None = None) -> None:
        if time.monotonic() > self.deadline:
            raise UploadRefused(_l("reading the file took longer than %(n)s seconds (the limit); split it into "
                                   "smaller files", n=f"{self.limits.max_seconds:g}"), row=row, sheet=sheet)


def check_file_size(size: int, limits: UploadLimits) -> None:
    """Refuse a file larger than ``max_file_bytes`` (called before reading it)."""
    if size > limits.max_file_bytes:
        raise UploadRefused(_l("the file is %(size)s; at most %(n)s per file", size=_megabytes(size),
                               n=_megabytes(limits.max_file_bytes)))


def read_upload_file(path, limits: UploadLimits | None = None) -> bytes:
    """The bytes of a file given on the command line, refused (``UploadRefused``) before
    reading when it is over ``max_file_bytes``: the CLI is held to the same limits as the
    web upload."""
    import os

    limits = limits or UploadLimits.from_config()
    check_file_size(os.stat(path).st_size, limits)
    with open(path, "rb") as handle:
        return handle.read(limits.max_file_bytes + 1)


def _megabytes(size: int) -> str:
    """12582912 -> '12 MB', 20.03 MB -> '20.03 MB' (never rounded onto the limit it is over)."""
    return f"{size / MB:.2f}".rstrip("0").rstrip(".") + " MB"


# --- text and CSV ------------------------------------------------------------------------


def read_text_bounded(data: bytes, limits: UploadLimits | None = None) -> str:
    """The upload as text (UTF-8, an optional BOM dropped), after checking its size, its
    number of lines and the length of each line. Raises ``UploadRefused`` naming the
    first line over a limit."""
    limits = limits or UploadLimits.from_config()
    check_file_size(len(data), limits)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UploadRefused(_l("the file is not UTF-8 text (byte %(n)d); save it as UTF-8", n=err.start)) from None
    # Positions only: io.StringIO or splitlines() would copy the text (StringIO at four
    # bytes a character) or make an object per line before any line is counted.
    number, pos, size = 0, 0, len(text)
    while pos < size:
        number += 1
        end = text.find("\n", pos)
        end = size if end == -1 else end + 1
        if number > limits.max_lines:
            raise UploadRefused(_l("the file has more than %(n)d lines (the limit)", n=limits.max_lines), row=number)
        if end - pos > limits.max_line_chars + 2:  # the line break itself does not count
            raise UploadRefused(_l("the line has %(size)d characters; at most %(n)d per line",
                                   size=len(text[pos:end].rstrip("\r\n")), n=limits.max_line_chars), row=number)
        pos = end
    return text


def read_csv_bounded(data: bytes, limits: UploadLimits | None = None) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` for each CSV record (the header is row 1), the delimiter
    (comma, semicolon or tab) guessed from the first line. Checked first like
    ``read_text_bounded``; then each record against the row, column and cell limits, and
    the whole against the wall-time limit. Raises ``UploadRefused`` (lazily, while
    iterating, for the record limits: consume the iterator before writing anything)."""
    limits = limits or UploadLimits.from_config()
    text = read_text_bounded(data, limits)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    return _csv_records(text, delimiter, limits)


def _lines(text: str):
    pos, size = 0, len(text)
    while pos < size:
        end = text.find("\n", pos)
        end = size if end == -1 else end + 1
        yield text[pos:end]
        pos = end


def _csv_records(text: str, delimiter: str, limits: UploadLimits):
    clock = _Clock(limits)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:  # e.g. a field longer than the csv module's own limit
            raise UploadRefused(_l("this line cannot be read as CSV (%(err)s)", err=str(err)),
                                row=reader.line_num) from None
        number += 1
        if number > limits.max_rows:
            raise UploadRefused(_l("the file has more than %(n)d rows (the limit); split it into smaller files",
                                   n=limits.max_rows), row=number)
        if len(cells) > limits.max_columns:
            raise UploadRefused(_l("the row has %(size)d columns; at most %(n)d", size=len(cells),
                                   n=limits.max_columns), row=number)
        for index, cell in enumerate(cells):
            if len(cell) > limits.max_cell_chars:
                raise UploadRefused(_l("the cell has %(size)d characters; at most %(n)d per cell",
                                       size=len(cell), n=limits.max_cell_chars), row=number,
                                    column=column_letter(index))
        if number % 1000 == 0:
            clock.check(number)
        yield number, cells


# --- XLSX ----------------------------------------------------------------------------------


class _RootReached(Exception):
    pass


class _PrologTarget:
    """Stops the prolog check at the root element: a DTD can only come before it."""

    def start(self, tag, attrib):
        raise _RootReached

    def data(self, text):
        pass

    def end(self, tag):
        pass

    def close(self):
        pass


class _PrologCheck:
    """Feeds the first bytes of a member to defusedxml's parser with DTDs forbidden until
    the root element starts; a DTD or an entity declaration raises ``UploadRefused``.
    Bytes that are not XML end the check quietly: the reader never sees a DTD past an error."""

    def __init__(self, member: str):
        from defusedxml.ElementTree import DefusedXMLParser

        self.member = member
        self.parser = DefusedXMLParser(target=_PrologTarget(), forbid_dtd=True, forbid_entities=True,
                                       forbid_external=True)
        self.done = False

    def feed(self, chunk: bytes) -> None:
        from defusedxml import DefusedXmlException

        if self.done:
            return
        try:
            self.parser.feed(chunk)
        except _RootReached:
            self.done = True
        except DefusedXmlException:
            raise UploadRefused(_l("the file contains a DTD (document type declaration) in %(part)s, which an "
                                   "Excel file never has; save it again from Excel or LibreOffice",
                                   part=self.member)) from None
        except SyntaxError:  # xml.etree.ElementTree.ParseError: not XML, or broken XML
            self.done = True


_SI_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?si[\s/>]")
_ROW_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,20}:)?row[\s/>]")


def _count(pattern, tail: bytes, chunk: bytes) -> tuple[int, bytes]:
    """Matches of ``pattern`` in ``chunk`` (with the end of the previous chunk, so that a
    tag cut in two is counted once), and the new tail."""
    window = tail + chunk
    return sum(1 for m in pattern.finditer(window) if m.end() > len(tail)), window[-32:]


class _TimedBytes(io.BytesIO):
    """The upload as openpyxl's zip reader sees it: every read checks the wall-time limit,
    so that no single openpyxl call (it parses a whole sheet at opening when the sheet
    names no dimension) can run past it."""

    def __init__(self, data: bytes, clock: _Clock):
        super().__init__(data)
        self.clock = clock

    def read(self, size=-1):
        self.clock.check()
        return super().read(size)


def _check_archive(data: bytes, limits: UploadLimits, clock: _Clock) -> None:
    """The zip-level checks, made by inflating every member once while counting."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise UploadRefused(_l("not a readable .xlsx file (%(err)s)", err=err.__class__.__name__)) from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise UploadRefused(_l("the archive holds %(size)d files; at most %(n)d", size=len(members),
                                   n=limits.max_members))
        declared = sum(m.file_size for m in members)
        if declared > limits.max_unpacked_bytes:
            raise UploadRefused(_l("the file unpacks to %(size)s; at most %(n)s", size=_megabytes(declared),
                                   n=_megabytes(limits.max_unpacked_bytes)))
        shared_name = _shared_strings_part(archive)
        total = 0
        for member in members:
            if member.is_dir():
                continue
            is_shared = member.filename == shared_name
            if is_shared and member.file_size > limits.max_shared_strings_bytes:
                raise UploadRefused(_l("its shared strings unpack to %(size)s; at most %(n)s",
                                       size=_megabytes(member.file_size),
                                       n=_megabytes(limits.max_shared_strings_bytes)))
            total = _inflate_member(archive, member, is_shared, total, limits, clock)


def _shared_strings_part(archive: zipfile.ZipFile) -> str:
    """The shared-strings part named in [Content_Types].xml (where openpyxl looks for it)."""
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return "xl/sharedStrings.xml"
    if info.file_size > MB:
        raise UploadRefused(_l("not a readable .xlsx file (%(err)s)", err="[Content_Types].xml"))
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(archive.read(info), forbid_dtd=True)
    except DefusedXmlException:
        raise UploadRefused(_l("the file contains a DTD (document type declaration) in %(part)s, which an "
                               "Excel file never has; save it again from Excel or LibreOffice",
                               part="[Content_Types].xml")) from None
    except (SyntaxError, ValueError, zipfile.BadZipFile, OSError, EOFError):
        return "xl/sharedStrings.xml"
    for node in root:
        if node.get("ContentType") == SHARED_STRINGS_TYPE and node.get("PartName"):
            return node.get("PartName").lstrip("/")
    return "xl/sharedStrings.xml"


def _inflate_member(archive, member, is_shared: bool, total: int, limits: UploadLimits, clock: _Clock) -> int:
    """Inflate one member in chunks, counting the bytes actually produced (the declared
    sizes in the archive are the sender's word, so they are checked, not trusted)."""
    prolog = _PrologCheck(member.filename)
    produced = strings = rows = 0
    tail = row_tail = b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                produced += len(chunk)
                total += len(chunk)
                prolog.feed(chunk)
                if total > limits.max_unpacked_bytes:
                    raise UploadRefused(_l("the file unpacks to more than %(n)s (the limit)",
                                           n=_megabytes(limits.max_unpacked_bytes)))
                if produced > RATIO_GRACE_BYTES and produced > limits.max_ratio * max(member.compress_size, 1):
                    raise UploadRefused(_l("%(part)s is compressed more than %(n)d to 1, as only a zip bomb is "
                                           "(the limit)", part=member.filename, n=limits.max_ratio))
                # Counted before openpyxl parses: it keeps an emptied element per row
                # and per shared string while reading, so their number is its memory.
                found, row_tail = _count(_ROW_RE, row_tail, chunk)
                rows += found
                if rows > limits.max_rows:
                    raise UploadRefused(_l("%(part)s has more than %(n)d rows (the limit; empty rows with formatting "
                                           "count too): delete the rows below your data or split the file",
                                           part=member.filename, n=limits.max_rows))
                if is_shared:
                    if produced > limits.max_shared_strings_bytes:
                        raise UploadRefused(_l("its shared strings unpack to more than %(n)s (the limit)",
                                               n=_megabytes(limits.max_shared_strings_bytes)))
                    found, tail = _count(_SI_RE, tail, chunk)
                    strings += found
                    if strings > limits.max_shared_strings:
                        raise UploadRefused(_l("the file has more than %(n)d distinct texts (shared strings, "
                                               "the limit)", n=limits.max_shared_strings))
                clock.check()
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as err:
        # e.g. a size or CRC that does not match what was inflated, or an encrypted member
        raise UploadRefused(_l("not a readable .xlsx file (%(err)s)", err=err.__class__.__name__)) from None
    return total


class SheetCell(NamedTuple):
    """One cell of an uploaded sheet: the value openpyxl read (str, int, float, bool,
    datetime, date, time, timedelta or None) and its number format code ("General",
    "dd/mm", "0%"; None for an empty or a text cell, whose format changes nothing). ``text``
    is what Excel shows in it."""

    value: object
    number_format: str | None = None

    @property
    def text(self) -> str:
        """The cell as the person who filled the sheet sees it (``lms.core.cells.display_text``):
        a date typed "10/10" that Excel stored as 2026-10-10 with the format "dd/mm" gives
        "10/10", 0.5 formatted "0%" gives "50%"."""
        value = self.value
        if value.__class__ is str:
            return value
        from lms.core.cells import display_text

        return display_text(value, self.number_format)


EMPTY = SheetCell(None)


def _sheet_cells(row) -> tuple[SheetCell, ...]:
    # Text shows as it is whatever its format: the format is looked up for the other values only.
    return tuple(EMPTY if (value := cell.value) is None else SheetCell(value) if value.__class__ is str
                 else SheetCell(value, cell.number_format) for cell in row)


class BoundedSheet:
    """One worksheet read row by row within the limits (see ``open_xlsx_bounded``)."""

    def __init__(self, sheet, limits: UploadLimits, clock: _Clock, formulas=None):
        self._sheet = sheet
        self._formulas = formulas  # the same sheet read with its formulas, when it has any
        self.title = sheet.title
        self.limits = limits
        self.clock = clock

    def rows(self) -> Iterator[tuple[int, tuple]]:
        """``(row number, cells)`` from row 1 (the header) down, each cell a ``SheetCell``
        (the value as openpyxl gives it, with its number format, and ``.text`` as Excel
        shows it); nothing when row 1 is empty. Data rows are cut to the header's width, the
        only columns any parser reads. Raises ``UploadRefused`` at the first row, column or
        cell over a limit, or when the wall time runs out."""
        limits, sheet = self.limits, self._sheet
        # The sheet's own <dimension> is the sender's word; openpyxl would pad every row
        # (and add rows) to match it.
        sheet.reset_dimensions()
        first = sheet.iter_rows(min_row=1, max_row=1, max_col=limits.max_columns + 1)
        header = _trim(_sheet_cells(next(first, ())))
        getattr(first, "close", lambda: None)()  # let go of the part's stream now
        if len(header) > limits.max_columns:
            raise UploadRefused(_l("the header has more than %(n)d columns (the limit)", n=limits.max_columns),
                                row=1, column=column_letter(limits.max_columns), sheet=self.title)
        if not header:  # nothing in row 1: the parsers say "the file is empty"
            return
        self._check_cells(1, header)
        yield 1, header
        number = 1
        rows = sheet.iter_rows(min_row=2, max_row=limits.max_rows + 1, max_col=len(header))
        formula_rows = None
        if self._formulas is not None:
            self._formulas.reset_dimensions()
            formula_rows = self._formulas.iter_rows(min_row=2, max_row=limits.max_rows + 1, max_col=len(header))
        for number, row in enumerate(rows, 2):
            values = _sheet_cells(row)
            if formula_rows is not None:
                self._check_formulas(number, values, next(formula_rows, ()))
            if number > limits.max_rows:
                raise UploadRefused(_l("the sheet has more than %(n)d rows (the limit; empty rows with formatting "
                                       "count too): delete the rows below your data or split the file",
                                       n=limits.max_rows), row=number, sheet=self.title)
            self._check_cells(number, values)
            if number % 500 == 0:
                self.clock.check(number, self.title)
            yield number, values

    def _check_formulas(self, number: int, cells, formula_row) -> None:
        """Refuse a cell holding a formula with no value saved: it would read as empty."""
        for index, cell in enumerate(formula_row):
            if index < len(cells) and cells[index].value is None and isinstance(cell.value, str) \
                    and cell.value.startswith("="):
                raise UploadRefused(_l("the cell holds the formula %(formula)s but no value was saved with it: "
                                       "open the file in Excel or LibreOffice and save it again, or type the value",
                                       formula=cell.value[:60]),
                                    row=number, column=column_letter(index), sheet=self.title)

    def _check_cells(self, number: int, cells) -> None:
        for index, cell in enumerate(cells):
            value = cell.value
            if isinstance(value, str) and len(value) > self.limits.max_cell_chars:
                raise UploadRefused(_l("the cell has %(size)d characters; at most %(n)d per cell",
                                       size=len(value), n=self.limits.max_cell_chars),
                                    row=number, column=column_letter(index), sheet=self.title)


def _trim(cells) -> tuple:
    cells = tuple(cells or ())
    end = len(cells)
    while end and (cells[end - 1].value is None or cells[end - 1].value == ""):
        end -= 1
    return cells[:end]


@contextlib.contextmanager
def open_xlsx_bounded(data: bytes, limits: UploadLimits | None = None) -> Iterator[BoundedSheet]:
    """The first worksheet of an XLSX upload, to read with ``BoundedSheet.rows()``.

    Before openpyxl opens it: file size, number of members, declared and actually
    inflated sizes (total and ratio per member), no DTD or entity in any part, shared
    strings (size and count). Then openpyxl's read-only (streamed) mode, whose XML
    parsing goes through defusedxml (openpyxl uses it when it is installed; it is a
    dependency of this project). Anything openpyxl cannot read becomes ``UploadRefused``
    too, never an unhandled error. Usage::

        with open_xlsx_bounded(data) as sheet:
            for number, cells in sheet.rows():
                texts = [cell.text for cell in cells]  # as Excel shows them
    """
    limits = limits or UploadLimits.from_config()
    clock = _Clock(limits)
    check_file_size(len(data), limits)
    _check_archive(data, limits, clock)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(_TimedBytes(data, clock), read_only=True, data_only=True)
    except UploadRefused:
        raise
    except Exception as err:  # noqa: BLE001 (a third-party parser on hostile input: any failure is "unreadable")
        raise UploadRefused(_l("not a readable .xlsx file (%(err)s)", err=err.__class__.__name__)) from None
    formulas = None
    try:
        if not workbook.worksheets:
            raise UploadRefused(_l("the workbook has no worksheet"))
        if _has_formulas(data):
            # The values above are what Excel last computed and saved; a formula saved
            # without one (written by a script, never opened in Excel) would read as an
            # empty cell and its option or answer vanish. Its formula is read to name it.
            formulas = load_workbook(_TimedBytes(data, clock), read_only=True, data_only=False)
        sheet = BoundedSheet(workbook.worksheets[0], limits, clock,
                             formulas.worksheets[0] if formulas is not None else None)
        yield _Guarded(sheet)
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()


_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _has_formulas(data: bytes) -> bool:
    """Whether a worksheet part holds a formula (an ``<f>`` element). Run after the archive
    passed ``_check_archive``, so inflating its parts again is bounded."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if not member.filename.startswith("xl/worksheets/"):
                continue
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    if _FORMULA_TAG.search(tail + chunk):
                        return True
                    tail = chunk[-8:]
    return False


class _Guarded:
    """A ``BoundedSheet`` whose reading turns openpyxl's own errors into ``UploadRefused``."""

    def __init__(self, sheet: BoundedSheet):
        self._inner = sheet
        self.title = sheet.title

    def rows(self) -> Iterator[tuple[int, tuple]]:
        number = 1
        try:
            for number, values in self._inner.rows():
                yield number, values
        except UploadRefused:
            raise
        except Exception as err:  # noqa: BLE001 (see open_xlsx_bounded)
            raise UploadRefused(_l("not a readable .xlsx file (%(err)s)", err=err.__class__.__name__),
                                row=number + 1, sheet=self.title) from None
