"""Issue 15, fault 10: a spreadsheet cell is read as the person who filled it sees it.

Excel stores what was typed as a number or a date and shows it through the cell's number
format (ECMA-376 Part 1 §18.8.31): "10/10" typed into a cell becomes the date 2026-10-10
shown "dd/mm", "50%" becomes 0.5 shown "0%". The expected texts below are what Excel shows
for each value and format code, with the Vietnamese regional settings (decimal comma, dot
between thousands, short date dd/mm/yyyy)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core.cells import DisplayConventions, display_text
from lms.core.uploads import SheetCell, open_xlsx_bounded
from tests.support.shared_fixtures import xlsx_with_formats


@pytest.mark.parametrize(("value", "code", "shown"), [
    # dates Excel made of what was typed, in the formats it assigns or offers
    (datetime(2026, 10, 10), "dd/mm", "10/10"),
    (datetime(2026, 9, 2), "dd/mm", "02/09"),
    (datetime(2026, 5, 19), "d/m", "19/5"),
    (datetime(2009, 4, 7), "d/m/yyyy", "7/4/2009"),
    (datetime(2009, 4, 7), "dd/mm/yyyy", "07/04/2009"),
    (datetime(2009, 4, 7), "DD/MM/YYYY", "07/04/2009"),  # LibreOffice writes codes in capitals
    (datetime(2009, 4, 7), "[$-42A]dd/mm/yyyy", "07/04/2009"),  # a Vietnamese locale tag
    (datetime(2009, 4, 7), "mm-dd-yy", "07/04/2009"),  # built-in 14: the system's short date
    (datetime(2009, 4, 7, 13, 5), "m/d/yy h:mm", "07/04/2009 13:05"),  # built-in 22
    (datetime(2026, 10, 10), "d-mmm-yy", "10-Oct-26"),  # built-in 15
    (datetime(2026, 10, 10), "d-mmm", "10-Oct"),  # built-in 16
    (datetime(2026, 10, 10), "mmm-yy", "Oct-26"),  # built-in 17
    (time(13, 5), "h:mm AM/PM", "1:05 PM"),  # built-in 18
    (time(0, 5, 9), "h:mm:ss AM/PM", "12:05:09 AM"),  # built-in 19
    (time(13, 5), "h:mm", "13:05"),  # built-in 20
    (time(13, 5, 9), "h:mm:ss", "13:05:09"),  # built-in 21
    (time(10, 30, 15, 600000), "mm:ss.0", "30:15.6"),  # built-in 47
    (timedelta(hours=30, minutes=5), "[h]:mm:ss", "30:05:00"),  # built-in 46
    (datetime(2026, 10, 10), "dddd, mmmm dd, yyyy", "Saturday, October 10, 2026"),
    (datetime(2026, 10, 10, 12, 0, 0), "yyyy-mm-dd hh:mm:ss", "2026-10-10 12:00:00"),
    (date(2026, 10, 10), "dd/mm", "10/10"),
    (46305, "dd/mm/yyyy", "10/10/2026"),  # a serial number with a date format
    # percentages
    (0.5, "0%", "50%"),
    (0.8, "0%", "80%"),
    (0.05, "0%", "5%"),
    (0.125, "0.0%", "12,5%"),
    (-0.5, "0%", "-50%"),
    # fixed decimals, thousands, scaling, literals
    (3.5, "0.00", "3,50"),
    (-5.5, "0.00", "-5,50"),
    (2.5, '0.0 "kg"', "2,5 kg"),
    (1234567, "#,##0", "1.234.567"),
    (1234567.891, "#,##0.00", "1.234.567,89"),
    (1234, '#,##0 "đ"', "1.234 đ"),
    (1234.5, "[$€-407] #,##0.00", "€ 1.234,50"),
    (1234567, "#,##0,", "1.235"),
    (0, "#,##0", "0"),
    (7, "00", "07"),
    (12.5, ".00", "12,50"),
    (5, "[Red]0", "5"),
    (-5, "0.00;(0.00)", "(5,00)"),
    (0, '0;-0;"không"', "không"),
    (150, '[>100]"nhiều" 0;0', "nhiều 150"),
    (12345, "0.00E+00", "1,23E+04"),
    (0.00012, "0.0E+00", "1,2E-04"),
    # phone numbers: a custom format keeps the leading 0 on screen
    (912345678, "0#########", "0912345678"),
    (912345678, '"0"#########', "0912345678"),
    (912345678, "000-000-0000", "091-234-5678"),
    # General: integers in full, no ".0"; other numbers as Excel shows them
    (18001096, "General", "18001096"),
    (1900561588, None, "1900561588"),
    (123456789012, "General", "123456789012"),
    (113.0, "General", "113"),
    (-5, "General", "-5"),
    (0.1 + 0.2, "General", "0,3"),
    (1 / 3, "General", "0,33333333333"),
    (1e-10, "General", "1E-10"),
    (1e16, "General", "1E+16"),
    (Decimal("2.50"), "General", "2,5"),
    # text format, text, booleans, empty
    (5, "@", "5"),
    (5, '"Số "@', "5"),
    ("10/10", "dd/mm", "10/10"),
    ("  giữ nguyên  ", "0.00", "  giữ nguyên  "),
    (True, "General", "TRUE"),
    (False, "General", "FALSE"),
    (None, "0%", ""),
    # fractions are not rendered: General keeps the value readable
    (0.5, "# ?/?", "0,5"),
])
def test_a_value_is_shown_as_excel_shows_it(value, code, shown):
    assert display_text(value, code) == shown


def test_other_regional_settings_can_be_chosen():
    us = DisplayConventions(decimal=".", group=",", short_date="m/d/yyyy")
    assert display_text(1234567.891, "#,##0.00", us) == "1,234,567.89"
    assert display_text(datetime(2009, 4, 7), "mm-dd-yy", us) == "4/7/2009"
    assert display_text(0.125, "0.0%", us) == "12.5%"


def _sheet(rows) -> bytes:
    """An .xlsx whose cells carry (value, number format) as Excel would have saved them."""
    return xlsx_with_formats(rows)


def test_the_bounded_reader_gives_each_cell_with_its_number_format(app):
    data = _sheet([[("Câu hỏi", None), ("A", None), ("B", None), ("C", None), ("D", None)],
                   [("x", None), (datetime(2026, 10, 10), "dd/mm"), (0.5, "0%"), (912345678, "0#########"),
                    (3.5, "0.00")]])
    with open_xlsx_bounded(data) as sheet:
        rows = list(sheet.rows())
    assert [cell.text for cell in rows[0][1]] == ["Câu hỏi", "A", "B", "C", "D"]
    number, cells = rows[1]
    assert number == 2 and all(isinstance(cell, SheetCell) for cell in cells)
    assert cells[1] == SheetCell(datetime(2026, 10, 10), "dd/mm")
    assert [cell.text for cell in cells] == ["x", "10/10", "50%", "0912345678", "3,50"]


FORMAT_PIECES = ["0", "#", "?", ".", ",", "%", "E+", "E-", "e", "@", ";", "\"", "\\", "_", "*", "[", "]", "[Red]",
                 "[>100]", "[<=-1.5]", "[h]", "[mm]", "[$€-407]", "[$-42A]", "d", "dd", "ddd", "m", "mm", "mmm",
                 "mmmmm", "y", "yyyy", "h", "hh", "s", "ss", "AM/PM", "a/p", "/", "-", " ", "General", "x", "đ"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FORMAT_PIECES), max_size=30),
       st.one_of(st.integers(min_value=-10**20, max_value=10**20), st.floats(), st.booleans(), st.none(),
                 st.datetimes(), st.dates(), st.times(), st.timedeltas(min_value=timedelta(0)),
                 st.decimals(allow_nan=True), st.text(max_size=20)))
def test_no_format_code_or_value_makes_reading_fail(pieces, value):
    """A file's number formats are the sender's word: whatever they say, a cell gives text."""
    assert isinstance(display_text(value, "".join(pieces)), str)


def test_an_overlong_format_code_is_read_as_general():
    assert display_text(912345678, "0" * 100_000) == "912345678"
