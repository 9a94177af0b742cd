"""Issue 15, fault 10: the Excel question template reads each cell as the author sees it.

An option typed "10/10" that Excel turned into the date 2026-10-10 (shown "dd/mm") must come
across as "10/10", not "2026-10-10 00:00:00"; "50%" (stored 0.5, shown "0%") as "50%", not
"0.5"; a hotline 18001096 as typed."""

from __future__ import annotations

from datetime import datetime

from lms.quizzes.formats.xlsx import parse_xlsx
from tests.support.shared_fixtures import public_case as shared_case
from tests.support.shared_fixtures import xlsx_with_formats


def public_case(name: str) -> bytes:
    return shared_case(name).read_bytes()


def test_excel_autotyped_dates_and_percentages_come_across_as_shown():
    bank = parse_xlsx(public_case("xlsx-questions-excel-autotyped-dates-percent.xlsx"))
    assert bank.issues == []
    options = [[(c.text, c.fraction) for c in q.choices] for q in bank.questions]
    assert options == [
        [("10/10", 1.0), ("02/09", 0.0), ("19/05", 0.0)],
        [("50%", 0.0), ("80%", 1.0), ("30%", 0.0)],
        [("18001096", 1.0), ("1900561588", 0.0), ("113", 0.0)],
    ]
    assert bank.questions[0].explanation == "Từ 2022, ngày 10/10 hằng năm."
    # The author is told which cells Excel had retyped; the hotline row is untouched.
    assert [(n.line, str(n.message)) for n in bank.notes] == [
        (2, "Excel stored B “10/10”, C “02/09”, D “19/05” as a date or a formatted number; read as the sheet shows it"),
        (3, "Excel stored B “50%”, C “80%”, D “30%” as a date or a formatted number; read as the sheet shows it"),
    ]


def _template(rows) -> bytes:
    return xlsx_with_formats([["Câu hỏi", "A", "B", "C", "Đáp án", "Chủ đề"], *rows])


def test_every_column_is_read_as_shown_including_the_answer_and_tags():
    bank = parse_xlsx(_template([
        ["Giá trị?", (3.5, "0.00"), (1234567, "#,##0"), (0.125, "0.0%"), "C", (2026, "0")],
        ["Số tổng đài?", (912345678, "0#########"), (True, None), ("Không", None), "A", ""],
        # A short answer whose accepted text Excel made a date: the learner types "1/6".
        [("Ngày Quốc tế Thiếu nhi?", None), None, None, None, (datetime(2026, 6, 1), "d/m"), ""],
    ]))
    assert bank.issues == []
    first, second, third = bank.questions
    assert [c.text for c in first.choices] == ["3,50", "1.234.567", "12,5%"] and first.tags == ["2026"]
    assert [c.text for c in second.choices] == ["0912345678", "TRUE", "Không"]
    assert third.type == "short" and [a["text"] for a in third.answers] == ["1/6"]
