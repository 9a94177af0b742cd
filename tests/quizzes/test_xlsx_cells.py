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


def _with_formula(saved_value: str | None) -> bytes:
    """The template with option C of row 2 a formula, saved with ``saved_value`` as Excel
    saves it, or with no value at all (as a script that never opened Excel writes it)."""
    import io
    import re
    import zipfile

    data = _template([["Câu hỏi 1 + 1 bằng mấy?", "1", "3", "=1+1", "C", ""]])
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename.startswith("xl/worksheets/") and saved_value is not None:
                body = re.sub(rb"<f>1\+1</f>(<v\s*/>|<v></v>)?", b"<f>1+1</f><v>" + saved_value.encode() + b"</v>", body)
            target.writestr(item, body)
    return out.getvalue()


def test_a_formula_cell_reads_as_the_value_excel_saved_and_one_without_a_value_is_refused_by_name():
    """Issue 15: nothing is accepted and then dropped. A formula saved with its value reads as
    that value; one saved without a value would read as an empty option, so the import is
    refused naming the cell."""
    saved = parse_xlsx(_with_formula("2"))
    assert saved.issues == [] and [c.text for c in saved.questions[0].choices] == ["1", "3", "2"]
    unsaved = parse_xlsx(_with_formula(None))
    assert unsaved.questions == [] and len(unsaved.issues) == 1
    issue = unsaved.issues[0]
    assert (issue.line, issue.column) == (2, "D") and "=1+1" in str(issue.message)
