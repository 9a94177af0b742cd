"""The one way the project writes spreadsheet cells (CSV and XLSX): text a person typed can
never become a formula in Excel, LibreOffice or Google Sheets. And how a cell read from an
uploaded sheet becomes the text its author saw (``display_text``, at the end).

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
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
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


# --- reading: a cell as Excel shows it ----------------------------------------------------
#
# openpyxl reads a cell's stored value (0.5, a datetime) and its number format ("0%",
# "dd/mm") but does not apply one to the other, and no maintained Python package does: the
# only ones that do (ssf, a 2020 port of SheetJS's formatter with seven dependencies;
# q2numfmt and xlfmt, single early releases) are unmaintained or unproven. So the rendering
# below is written here: the subset of ECMA-376 Part 1 §18.8.31 (numFmt) format codes that
# Excel offers in its Format Cells dialog and assigns when it auto-types what was typed.


@dataclass(frozen=True)
class DisplayConventions:
    """What Excel takes from the computer's regional settings rather than from the file.

    ``decimal``/``group``: the characters shown for a format code's ``.`` and ``,``;
    ``short_date``: the format code shown for the built-in format 14 ("mm-dd-yy" in the
    file, which Excel always displays in the system's short date) and the date half of 22.
    """

    decimal: str = ","
    group: str = "."
    short_date: str = "dd/mm/yyyy"


# Vietnam's conventions (TCVN 7217 / the Windows "Vietnamese" regional format): decimal
# comma, dot between thousands, day before month. The file does not say which settings the
# author's computer had; these keep the meaning for a Vietnamese reader either way
# (0.5 and 0,5 both come out "0,5"; a date typed 07/04 comes out 07/04).
VIETNAMESE = DisplayConventions()

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = datetime(1899, 12, 30)
# Built-in formats whose display follows the system's regional settings (ECMA-376 §18.8.30
# lists 14 as "mm-dd-yy" and 22 as "m/d/yy h:mm"; Excel shows the system short date).
_SYSTEM_DATE = "mm-dd-yy"
_SYSTEM_DATETIME = "m/d/yy h:mm"
_FORMAT_CACHE: dict[str, list] = {}
# Excel refuses a custom number format longer than this ("Excel specifications and limits":
# 255 characters per number format code); a longer one is read as General.
MAX_FORMAT_CHARS = 255


def display_text(value, number_format: str | None = "General",
                 conventions: DisplayConventions = VIETNAMESE) -> str:
    """The text Excel shows for a cell holding ``value`` with ``number_format``.

    ``value`` as openpyxl reads it: ``str`` (returned unchanged), ``bool`` ("TRUE"/"FALSE"),
    ``int``/``float``/``Decimal``, ``datetime``/``date``/``time``/``timedelta`` (a date or
    time format), or None (""). ``number_format``: the cell's format code; None or
    "General" is Excel's General.

    Rules: sections split on ``;`` (positive; negative; zero; text), ``[Red]``-style colours
    and ``[$-42A]`` locale tags dropped, ``[$€-407]`` currency kept as its symbol, quoted
    text, ``\\x`` and ``_x`` (a space) kept, ``*x`` fills dropped, conditions
    ``[<100]`` honoured. Numbers: ``0``/``#``/``?`` digits, ``.`` decimals, ``,`` thousands
    (and a trailing ``,`` divides by 1000), ``%`` (×100), ``E+00`` scientific, literal text
    between digits (``000-000-0000``, ``"0"#########`` for a phone number). Dates and times:
    ``d dd ddd dddd m mm mmm mmmm mmmmm yy yyyy h hh m mm s ss .0 AM/PM A/P [h] [mm] [ss]``
    (``m`` is minutes after ``h`` or before ``s``), any case; the built-in 14 and 22 show
    the ``conventions.short_date``. General: integers in full (up to 15 digits, as Excel
    stores them), other numbers rounded to 11 significant digits, scientific ("1E-10")
    below 1e-9 and from 1e15. Month and day names are English (what Excel shows for
    "d-mmm" typed in an English Excel); fractions (``# ?/?``) fall back to General.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    code = (number_format or "General").strip()
    if len(code) > MAX_FORMAT_CHARS:  # not from Excel; and its cost would grow with its length
        code = "General"
    try:
        return _display(value, code, conventions)
    except (ArithmeticError, ValueError, IndexError, KeyError):
        # A format code or a value (inf, nan, a date past 9999) no real sheet has: the raw value.
        return str(value)


def _display(value, code: str, conventions: DisplayConventions) -> str:
    if code in (_SYSTEM_DATE, _SYSTEM_DATETIME):
        code = conventions.short_date + (" h:mm" if code == _SYSTEM_DATETIME else "")
    sections = _parsed(code)
    if isinstance(value, (datetime, date, time, timedelta)):
        section = next((s for s in sections if s.is_date), None)
        if section is None:  # a date typed into a number-formatted cell (an ISO "d" cell)
            section = _parsed(conventions.short_date)[0]
        return _format_date(value, section)
    if not isinstance(value, (int, float, Decimal)) or (isinstance(value, float) and not math.isfinite(value)):
        return str(value)
    section, number, signed = _choose_section(sections, value)
    if section is None:
        return ""
    if section.is_date:
        from openpyxl.utils.datetime import from_excel

        try:
            return _format_date(from_excel(float(number) if not signed else -float(number)), section)
        except (OverflowError, ValueError):
            return _general(value, conventions)
    text = _format_number(number, section, conventions)
    return ("-" + text) if signed and text.strip("0" + conventions.decimal + " ") else text


class _Section:
    __slots__ = ("tokens", "is_date", "condition", "general", "fallback", "empty")

    def __init__(self, tokens, condition):
        self.tokens = tokens
        self.condition = condition
        kinds = {kind for kind, _ in tokens}
        self.is_date = bool(kinds & {"y", "m", "d", "h", "s", "e", "ampm", "elapsed"})
        self.general = "general" in kinds or not tokens or (kinds <= {"text", "lit"} and "text" in kinds)
        # Fractions are not rendered: General instead, the value stays readable.
        self.fallback = "frac" in kinds
        self.empty = not tokens


def _parsed(code: str) -> list[_Section]:
    cached = _FORMAT_CACHE.get(code)
    if cached is None:
        if code.lower() == "general":
            cached = [_Section([("general", "")], None)]
        else:
            cached = [_Section(*_tokenise(part)) for part in _split_sections(code)]
        if len(_FORMAT_CACHE) < 512:
            _FORMAT_CACHE[code] = cached
    return cached


def _split_sections(code: str) -> list[str]:
    parts, current, i, quoted = [], [], 0, False
    while i < len(code):
        ch = code[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "\\" and i + 1 < len(code):
            current.append(code[i:i + 2])
            i += 2
            continue
        elif not quoted and ch == ";":
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


_CONDITION_RE = re.compile(r"^\[(<=|>=|<>|<|>|=)\s*(-?[0-9.]+)\]")
_DATE_LETTERS = "ymdhse"


def _tokenise(part: str):
    tokens: list[tuple[str, str]] = []
    condition = None
    i, n = 0, len(part)
    while i < n:
        ch = part[i]
        low = ch.lower()
        if ch == '"':
            end = part.find('"', i + 1)
            end = n if end == -1 else end
            tokens.append(("lit", part[i + 1:end]))
            i = end + 1
        elif ch == "\\":
            tokens.append(("lit", part[i + 1:i + 2]))
            i += 2
        elif ch == "_":
            tokens.append(("lit", " "))
            i += 2
        elif ch == "*":
            i += 2
        elif ch == "[":
            end = part.find("]", i)
            end = n if end == -1 else end
            inner = part[i + 1:end]
            match = _CONDITION_RE.match(part[i:end + 1])
            if match and match.group(2).count(".") <= 1 and match.group(2).strip("-."):
                condition = (match.group(1), float(match.group(2)))
            elif inner.startswith("$"):
                symbol = inner[1:].split("-", 1)[0]
                if symbol:
                    tokens.append(("lit", symbol))
            elif inner and inner.lower().strip("hms") == "" and len(set(inner.lower())) == 1:
                tokens.append(("elapsed", inner.lower()))
            # colours ([Red], [Color10]) and anything else show nothing
            i = end + 1
        elif part[i:i + 5].lower() == "am/pm":
            tokens.append(("ampm", part[i:i + 5]))
            i += 5
        elif part[i:i + 3].lower() == "a/p":
            tokens.append(("ampm", part[i:i + 3]))
            i += 3
        elif part[i:i + 7].lower() == "general":
            tokens.append(("general", ""))
            i += 7
        elif ch in "Ee" and part[i + 1:i + 2] in ("+", "-"):
            tokens.append(("exp", part[i + 1]))
            i += 2
        elif low in _DATE_LETTERS:
            j = i
            while j < n and part[j].lower() == low:
                j += 1
            tokens.append((low, part[i:j].lower()))
            i = j
        elif ch in "0#?":
            tokens.append(("digit", ch))
            i += 1
        elif ch == ".":
            tokens.append(("dot", "."))
            i += 1
        elif ch == ",":
            tokens.append(("comma", ","))
            i += 1
        elif ch == "%":
            tokens.append(("pct", "%"))
            i += 1
        elif ch == "@":
            tokens.append(("text", "@"))
            i += 1
        elif ch == "/" and any(k == "digit" for k, _ in tokens) and part[i + 1:i + 2] in ("?", "#", "0", "1", "2",
                                                                                          "3", "4", "5", "6", "7",
                                                                                          "8", "9"):
            tokens.append(("frac", "/"))
            i += 1
        else:
            tokens.append(("lit", ch))
            i += 1
    return tokens, condition


def _holds(condition, number) -> bool:
    op, limit = condition
    return {"<": number < limit, ">": number > limit, "=": number == limit, "<=": number <= limit,
            ">=": number >= limit, "<>": number != limit}[op]


def _choose_section(sections: list[_Section], value):
    """(section, absolute value or value, whether a minus sign is to be added)."""
    number = value
    if any(s.condition for s in sections):
        for section in sections:
            if section.condition is None or _holds(section.condition, float(number)):
                # Excel adds the minus sign itself in a conditional section.
                return section, abs(number), number < 0
        return None, number, False
    numeric = [s for s in sections if not (s.tokens and all(k in ("text", "lit") for k, _ in s.tokens)
                                           and any(k == "text" for k, _ in s.tokens))] or sections
    if len(numeric) >= 3 and number == 0:
        section = numeric[2]
        return (None if section.empty else section), abs(number), False
    if len(numeric) >= 2 and number < 0:
        section = numeric[1]
        return (None if section.empty else section), abs(number), False
    section = numeric[0]
    if section.empty:
        return None, number, False
    return section, abs(number), number < 0


def _general(value, conventions: DisplayConventions) -> str:
    number = float(value) if not isinstance(value, int) else value
    if isinstance(number, int) or (number.is_integer() and abs(number) < 1e15):
        return str(int(number))
    size = abs(number)
    if size < 1e-9 or size >= 1e15:
        mantissa, exponent = f"{number:.5E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}E{exponent}".replace(".", conventions.decimal)
    text = format(Decimal(f"{number:.11g}"), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", conventions.decimal)


def _format_number(number, section: _Section, conventions: DisplayConventions) -> str:
    if section.fallback:
        return _general(number, conventions)
    if section.general:
        if not any(kind == "general" for kind, _ in section.tokens):
            return _general(number, conventions)  # "@" or '"Số "@': a text format shows a number as General
        return "".join(_general(number, conventions) if kind == "general" else text
                       for kind, text in section.tokens if kind in ("general", "lit"))
    tokens = section.tokens
    digit_at = [i for i, (k, _) in enumerate(tokens) if k == "digit"]
    if not digit_at:  # only literal text, e.g. a format "Có" or "0%" without digits
        return "".join(text for kind, text in tokens if kind in ("lit", "pct"))
    value = Decimal(number) if isinstance(number, (int, Decimal)) else Decimal(repr(float(number)))
    value *= Decimal(100) ** sum(1 for k, _ in tokens if k == "pct")
    exp_at = next((i for i, (k, _) in enumerate(tokens) if k == "exp"), len(tokens))
    dots = [i for i, (k, _) in enumerate(tokens) if k == "dot" and i < exp_at]
    dot_at = next((i for i in dots if i > digit_at[0]), dots[0] if dots else None)
    int_end = dot_at if dot_at is not None else exp_at
    int_slots = [i for i in digit_at if i < int_end]
    frac_slots = [i for i in digit_at if int_end < i < exp_at]
    last_int = int_slots[-1] if int_slots else None
    # A comma between integer digit slots groups thousands; commas right after the last one
    # divide by 1000 each (ECMA-376 §18.8.31).
    grouping = bool(int_slots) and any(k == "comma" for k, _ in tokens[int_slots[0]:last_int])
    scaling = set()
    if last_int is not None:
        j = last_int + 1
        while j < len(tokens) and tokens[j][0] == "comma":
            scaling.add(j)
            j += 1
    value /= Decimal(1000) ** len(scaling)
    exponent_text = ""
    if exp_at < len(tokens):
        value, exponent_text = _scientific(value, tokens, exp_at, len(int_slots), len(frac_slots))
    value = value.quantize(Decimal(1).scaleb(-len(frac_slots)), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{value:f}".partition(".")
    fraction = fraction.ljust(len(frac_slots), "0")[:len(frac_slots)]
    digits = whole.lstrip("0")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if int_slots and i == int_slots[0]:
            out.append(_fill_integer(tokens[i:last_int + 1], digits, grouping, conventions))
            i = last_int + 1
            continue
        if not int_slots and i == int_end:
            out.append(digits)  # ".00" still shows 12.5 as "12.50"
        if i == dot_at:
            out.append(conventions.decimal)
        elif i == exp_at:
            out.append(exponent_text)
            i += 1
            while i < len(tokens) and tokens[i][0] == "digit":
                i += 1
            continue
        elif kind == "digit":
            out.append(_fraction_digit(fraction, frac_slots.index(i), text))
        elif kind == "lit":
            out.append(text)
        elif kind == "pct":
            out.append("%")
        elif kind == "comma" and i not in scaling:
            out.append(",")
        elif kind == "dot":
            out.append(".")
        i += 1
    return "".join(out)


def _fill_integer(span, digits: str, grouping: bool, conventions: DisplayConventions) -> str:
    """The integer part: ``span`` runs from the first to the last integer digit slot."""
    slots = [text for kind, text in span if kind == "digit"]
    if grouping:
        zeros = len(slots) - next((n for n, slot in enumerate(slots) if slot == "0"), len(slots))
        padded = digits.rjust(zeros, "0")
        groups = []
        while padded:
            groups.insert(0, padded[-3:])
            padded = padded[:-3]
        return conventions.group.join(groups)
    # Right to left: digit slots take digits (the first slot takes all that are left),
    # literal text between slots ("000-000-0000") stays where it is.
    pieces: list[str] = []
    remaining = digits
    for index in range(len(span) - 1, -1, -1):
        kind, text = span[index]
        if kind == "digit":
            if remaining:
                pieces.append(remaining[-1])
                remaining = remaining[:-1]
            else:
                pieces.append({"0": "0", "?": " "}.get(text, ""))
            if index == 0 and remaining:
                pieces.append(remaining)
        elif kind in ("lit", "pct"):
            shown = remaining or any(k == "digit" and t == "0" for k, t in span[:index])
            pieces.append(("%" if kind == "pct" else text) if shown else "")
    return "".join(reversed(pieces))


def _fraction_digit(fraction: str, position: int, slot: str) -> str:
    digit = fraction[position]
    if slot == "0":
        return digit
    if fraction[position:].strip("0"):
        return digit
    return " " if slot == "?" else ""


def _scientific(value: Decimal, tokens, exp_at: int, int_count: int, frac_count: int):
    sign = tokens[exp_at][1]
    exp_digits = sum(1 for k, t in tokens[exp_at + 1:] if k == "digit")
    if value == 0:
        exponent = 0
    else:
        exponent = value.adjusted()
        int_count = max(int_count, 1)
        if int_count > 1 and any(tokens[i][1] == "#" for i in range(exp_at) if tokens[i][0] == "digit"):
            exponent -= exponent % int_count  # engineering notation, "##0.0E+0"
        else:
            exponent -= int_count - 1
        mantissa = (value.scaleb(-exponent)).quantize(Decimal(1).scaleb(-frac_count), rounding=ROUND_HALF_UP)
        if mantissa.adjusted() >= int_count:  # 9.99 rounded up to 10.0
            exponent += 1
    mantissa = value.scaleb(-exponent)
    shown = ("-" if exponent < 0 else ("+" if sign == "+" else "")) + str(abs(exponent)).rjust(exp_digits, "0")
    return mantissa, "E" + shown


def _format_date(value, section: _Section) -> str:
    if isinstance(value, timedelta):
        elapsed, moment = value, _EPOCH + value
    elif isinstance(value, datetime):
        elapsed, moment = value - _EPOCH, value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
        elapsed = moment - _EPOCH
    else:  # time
        moment = datetime.combine(_EPOCH.date(), value)
        elapsed = moment - _EPOCH
    tokens = section.tokens
    subsecond = 0
    for i, (kind, _) in enumerate(tokens):
        if kind == "dot" and i and tokens[i - 1][0] == "s":
            subsecond = sum(1 for _ in _takewhile_digits(tokens, i + 1))
    unit = timedelta(seconds=10 ** -subsecond)
    # Excel rounds to the precision it shows (23:59:59.6 shows 00:00:00 of the next day).
    steps = round(elapsed / unit)
    elapsed = unit * steps
    moment = _EPOCH + elapsed
    twelve = any(k == "ampm" for k, _ in tokens)
    # (position, letter) of each date part; "[h]" counts as an hour, "[ss]" as seconds.
    date_kinds = [(i, t[0] if k == "elapsed" else k) for i, (k, t) in enumerate(tokens)
                  if k in ("y", "m", "d", "h", "s", "elapsed", "e")]
    out: list[str] = []
    skip_until = -1
    for i, (kind, text) in enumerate(tokens):
        if i <= skip_until:
            continue
        if kind == "y" or kind == "e":
            out.append(f"{moment.year % 100:02d}" if kind == "y" and len(text) <= 2 else f"{moment.year:04d}")
        elif kind == "d":
            out.append({1: str(moment.day), 2: f"{moment.day:02d}", 3: _DAYS[moment.weekday()][:3]}.get(
                len(text), _DAYS[moment.weekday()]))
        elif kind == "m":
            if len(text) <= 2 and _is_minutes(date_kinds, i):
                out.append(str(moment.minute) if len(text) == 1 else f"{moment.minute:02d}")
            else:
                out.append({1: str(moment.month), 2: f"{moment.month:02d}", 3: _MONTHS[moment.month - 1][:3],
                            4: _MONTHS[moment.month - 1]}.get(len(text), _MONTHS[moment.month - 1][0]))
        elif kind == "h":
            hour = moment.hour
            if twelve:
                hour = hour % 12 or 12
            out.append(str(hour) if len(text) == 1 else f"{hour:02d}")
        elif kind == "s":
            out.append(str(moment.second) if len(text) == 1 else f"{moment.second:02d}")
        elif kind == "elapsed":
            total = elapsed.total_seconds()
            amount = int({"h": total // 3600, "m": total // 60, "s": total}[text[0]])
            out.append(str(amount).rjust(len(text), "0"))
        elif kind == "ampm":
            pm = moment.hour >= 12
            if len(text) == 5:
                word = "PM" if pm else "AM"
                out.append(word.lower() if text[:2].islower() else word)
            else:
                letter = text[2] if pm else text[0]
                out.append(letter)
        elif kind == "dot" and i and tokens[i - 1][0] == "s" and subsecond:
            digits = f"{moment.microsecond:06d}"[:subsecond]
            out.append("." + digits)
            skip_until = i + subsecond
        elif kind == "lit":
            out.append(text)
        elif kind in ("dot", "comma", "digit", "pct", "frac"):
            out.append({"dot": ".", "comma": ",", "pct": "%", "frac": "/"}.get(kind, text))
    return "".join(out)


def _takewhile_digits(tokens, start):
    for kind, text in tokens[start:]:
        if kind == "digit" and text == "0":
            yield text
        else:
            return


def _is_minutes(date_kinds, index) -> bool:
    """An ``m``/``mm`` is minutes right after an hour or right before a second (ECMA-376)."""
    position = next(p for p, (i, _) in enumerate(date_kinds) if i == index)
    before = date_kinds[position - 1][1] if position else None
    after = date_kinds[position + 1][1] if position + 1 < len(date_kinds) else None
    return before == "h" or after == "s"
