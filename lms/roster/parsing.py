"""Reading roster files (CSV or XLSX) into plain rows. No database here."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from lms.core.text import fold
from lms.core.uploads import (
    SheetCell,
    UploadLimits,
    UploadRefused,
    open_xlsx_bounded,
    read_csv_bounded,
)

COLUMNS = {
    "username": ("username", "user name", "ten dang nhap", "tai khoan", "login"),
    "full_name": ("full_name", "full name", "name", "ho va ten", "ho ten", "ho va ten hoc sinh"),
    "org_code": ("org_code", "org code", "unit code", "ma don vi", "ma lop", "ma truong"),
    "kind": ("kind", "doi tuong", "loai", "loai nguoi hoc"),
    "email": ("email", "e-mail", "thu dien tu"),
    "phone": ("phone", "so dien thoai", "dien thoai", "sdt"),
    "date_of_birth": ("date_of_birth", "date of birth", "birth date", "ngay sinh", "ngay thang nam sinh"),
}
# The header of each column as the template writes it (in the template's order): what pages
# show for a column, so that a note names the column the user sees in the file, not a key.
COLUMN_LABELS = {
    "username": "Tên đăng nhập", "full_name": "Họ và tên", "org_code": "Mã đơn vị", "kind": "Đối tượng",
    "date_of_birth": "Ngày sinh", "phone": "Số điện thoại", "email": "Email",
}
KIND_VALUES = {
    "civil_servant": "civil_servant", "civil servant": "civil_servant", "can bo": "civil_servant",
    "cong chuc": "civil_servant", "vien chuc": "civil_servant", "can bo, cong chuc, vien chuc": "civil_servant",
    "cbccvc": "civil_servant", "student": "student", "hoc sinh": "student", "sinh vien": "student",
    "citizen": "citizen", "nguoi dan": "citizen", "cong dan": "citizen",
}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


def column_label(column: str | None) -> str:
    """The header a user sees for ``column`` (a key of COLUMNS, e.g. "phone" -> "Số điện thoại");
    a title read from the user's own header row, or None (""), comes back as it was."""
    return COLUMN_LABELS.get(column, column) if column else ""


@dataclass
class RowIssue:
    row: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        from flask_babel import gettext

        if self.column:
            where = gettext("row %(row)d, column %(col)s", row=self.row, col=column_label(self.column))
        else:
            where = gettext("row %(row)d", row=self.row)
        return f"{where}: {self.message}"


@dataclass
class RosterRow:
    row: int  # as the spreadsheet shows it: the header is row 1
    values: dict = field(default_factory=dict)  # raw text per known column


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _cell(cell, column: str | None = None) -> str:
    """The text of one roster cell: a CSV field as written; an Excel cell as the sheet shows
    it (``SheetCell.text``: a phone number formatted "0#########" keeps its 0, a class code
    Excel took for a date reads as typed), except a date in the date-of-birth column, which
    is written dd/mm/yyyy from the date itself, whatever format shows it ("d-mmm-yy",
    "mm/dd/yyyy"), so that ``parse_date`` reads the right day."""
    if isinstance(cell, SheetCell):
        if column == "date_of_birth" and isinstance(cell.value, (datetime, date)):
            return cell.value.strftime("%d/%m/%Y")
        cell = cell.text
    if cell is None:
        return ""
    return unicodedata.normalize("NFC", str(cell)).strip()


def map_header(cells: list[str], issues: list[RowIssue]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, title in enumerate(cells):
        key = fold(title).replace("_", " ").strip(" :*") if title else ""
        key_underscore = fold(title).strip(" :*") if title else ""
        if not key:
            continue
        column = next((name for name, aliases in COLUMNS.items() if key in aliases or key_underscore in aliases), None)
        if column is None:
            issues.append(RowIssue(1, _l("unknown column '%(title)s' (the columns are: %(known)s)", title=title,
                                         known=", ".join(COLUMN_LABELS.values())), title))
        elif column in mapping.values():
            issues.append(RowIssue(1, _l("column '%(title)s' appears twice", title=title), title))
        else:
            mapping[index] = column
    if "full_name" not in mapping.values():
        issues.append(RowIssue(1, _l("the header row needs a 'Họ và tên' (full_name) column")))
    return mapping


def parse_roster(filename: str, data: bytes, max_rows: int = 200_000, limits: UploadLimits | None = None) -> ParsedRoster:
    """The rows of a roster file (CSV or XLSX), read within ``limits`` (the app's
    ``UPLOAD_*`` settings when not given, see lms.core.uploads): a file over a limit or
    that cannot be read gives one issue naming the limit and the place, and no rows.
    ``max_rows`` bounds the filled rows (``ROSTER_MAX_ROWS``)."""
    parsed = ParsedRoster()
    limits = limits or UploadLimits.from_config()
    try:
        if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
            with open_xlsx_bounded(data, limits) as sheet:
                _read_rows(sheet.rows(), parsed, max_rows)
        else:
            _read_rows(read_csv_bounded(data, limits), parsed, max_rows)
    except UploadRefused as refusal:
        parsed.rows = []
        parsed.issues.append(RowIssue(refusal.row or 1, _refusal_message(refusal), refusal.column))
    return parsed


def _refusal_message(refusal: UploadRefused):
    if refusal.sheet:
        from flask_babel import gettext

        return f"{gettext('sheet “%(name)s”', name=refusal.sheet)}: {refusal.message}"
    return refusal.message


def _read_rows(rows, parsed: ParsedRoster, max_rows: int) -> None:
    header = next(rows, None)
    if header is None:
        parsed.issues.append(RowIssue(1, _l("the file is empty")))
        return
    mapping = map_header([_cell(c) for c in header[1]], parsed.issues)
    parsed.columns = list(mapping.values())
    if parsed.issues:
        return
    for number, cells in rows:
        values = {mapping[i]: _cell(c, mapping[i]) for i, c in enumerate(cells) if i in mapping}
        if not any(values.values()):
            continue
        if len(parsed.rows) >= max_rows:
            parsed.issues.append(RowIssue(number, _l("too many rows: at most %(n)d per file", n=max_rows)))
            break
        parsed.rows.append(RosterRow(number, values))
    if not parsed.rows and not parsed.issues:
        parsed.issues.append(RowIssue(2, _l("no rows below the header")))


def parse_date(text: str) -> date | None:
    """The date of a roster cell: ISO (2009-04-07) or day first (07/04/2009, 7-4-2009,
    07.04.2009), the Vietnamese order. Raises ValueError when none fits."""
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_kind(text: str) -> str | None:
    return KIND_VALUES.get(fold(text)) if text else None


def suggest_username(full_name: str, birth: date | None) -> str:
    """"Nguyễn Thị Hoà", 2009-05-01 -> "hoant010509": given name, then the initials of the
    other names, then the birth date; easy to read out to a class. Letters are folded
    (``lms.core.text.fold``): "Ðỗ Thị Ðào" typed with a look-alike of Đ gives "daodt…" too."""
    words = [re.sub(r"[^a-z0-9]", "", fold(w)) for w in full_name.split()]
    words = [w for w in words if w]
    if not words:
        return "user"
    base = words[-1] + "".join(w[0] for w in words[:-1])
    if birth is not None:
        base += birth.strftime("%d%m%y")
    return base[:56] if len(base) >= 3 else (base + "hv")[:56]
