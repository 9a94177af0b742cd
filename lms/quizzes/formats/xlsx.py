"""The Excel template Vietnamese organisers already fill in: one question per row.

Columns (Vietnamese or English headers, in any order): Câu hỏi | A | B | C | D | E | F |
Đáp án (right letters, e.g. "B" or "A, C"; or the answer text when no options are given)
| Giải thích | Chủ đề (tags, comma-separated) | Độ khó (dễ/trung bình/khó or easy/medium/hard).
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from openpyxl.styles import Alignment, Font

from lms.core.cells import append_styled, display_text, new_workbook, unquote_cell
from lms.core.text import fold
from lms.core.uploads import (
    SheetCell,
    UploadLimits,
    UploadRefused,
    column_letter,
    open_xlsx_bounded,
)
from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.settings import check_settings
from lms.quizzes.types import validate_question

LETTERS = "ABCDEF"
HEADERS = {
    "question": ("cau hoi", "noi dung cau hoi", "question"),
    "answer": ("dap an", "dap an dung", "answer", "correct", "correct answer"),
    "explanation": ("giai thich", "explanation", "feedback"),
    "tags": ("chu de", "the", "tags", "tag", "topic"),
    "difficulty": ("do kho", "muc do", "difficulty"),
    **{letter: (letter.lower(), f"phuong an {letter.lower()}", f"dap an {letter.lower()}", f"option {letter.lower()}") for letter in LETTERS},
}
DIFFICULTY = {"de": "easy", "easy": "easy", "trung binh": "medium", "medium": "medium", "kho": "hard", "hard": "hard"}
TEMPLATE_HEADERS = ["Câu hỏi", "A", "B", "C", "D", "E", "F", "Đáp án", "Giải thích", "Chủ đề", "Độ khó"]


def _cell(cell) -> str:
    """The text of one cell as the author sees it in Excel: a ``SheetCell`` gives its
    displayed text ("10/10" for a date formatted "dd/mm", "50%" for 0.5 formatted "0%",
    18001096 unchanged), anything else its ``str``; NFC, trimmed, with the quote our own
    export puts before a formula-like text removed."""
    if isinstance(cell, SheetCell):
        text = cell.text
    else:
        text = "" if cell is None else str(cell)
    # unquote_cell: our own export wrote "'=..." for text starting with a formula trigger.
    return unicodedata.normalize("NFC", unquote_cell(text)).strip()


def _retyped(cell) -> bool:
    """Whether Excel stored what was typed as something else (a date, a percentage, a
    formatted number): what it shows differs from the plain value."""
    if not isinstance(cell, SheetCell) or cell.value is None or isinstance(cell.value, str):
        return False
    if isinstance(cell.value, (datetime, date, time, timedelta)):
        return True
    return cell.text != display_text(cell.value, "General")


def parse_xlsx(data: bytes, limits: UploadLimits | None = None) -> ParsedBank:
    """The questions of the Excel template, read within ``limits`` (the app's ``UPLOAD_*``
    settings when not given, see lms.core.uploads): a file over a limit, or one that cannot
    be read, gives one issue naming the limit and where, and no questions."""
    bank = ParsedBank(settings=check_settings({})[0])
    try:
        with open_xlsx_bounded(data, limits) as sheet:
            _read_sheet(bank, sheet.rows())
    except UploadRefused as refusal:
        message = refusal.message
        if refusal.sheet:
            message = f"{gettext('sheet “%(name)s”', name=refusal.sheet)}: {message}"
        bank.questions = []
        bank.issues = [ParseIssue(refusal.row or 1, message, column=refusal.column)]
    return bank


def _read_sheet(bank: ParsedBank, rows) -> None:
    header = next(rows, (1, ()))[1]
    if not header:
        bank.issues.append(ParseIssue(1, _l("the sheet is empty")))
        return
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = fold(_cell(title)).replace(":", "").strip()
        if not key:
            continue
        match = next((name for name, aliases in HEADERS.items() if key in aliases), None)
        if match is None:
            bank.issues.append(ParseIssue(1, _l("unknown column “%(name)s”", name=_cell(title)), column=_cell(title)))
        elif match in columns:
            bank.issues.append(ParseIssue(1, _l("column “%(name)s” appears twice", name=_cell(title)), column=_cell(title)))
        else:
            columns[match] = index
    if "question" not in columns or "answer" not in columns:
        bank.issues.append(ParseIssue(1, _l("the header row needs at least the columns “Câu hỏi” and “Đáp án”")))
        return
    for number, row in rows:
        values = {name: _cell(row[i]) if i < len(row) else "" for name, i in columns.items()}
        if not any(values.values()):
            continue
        _row_question(bank, number, values)
        retyped = [(column_letter(i), _cell(row[i])) for i in sorted(columns.values()) if i < len(row) and _retyped(row[i])]
        if retyped:
            bank.notes.append(ParseIssue(number, _l(
                "Excel stored %(cells)s as a date or a formatted number; read as the sheet shows it",
                cells=", ".join(f"{letter} “{text}”" for letter, text in retyped))))
    if not bank.questions and not bank.issues:
        bank.issues.append(ParseIssue(2, _l("no questions below the header row")))


def _row_question(bank: ParsedBank, number: int, values: dict) -> None:
    def issue(message, column=None):
        bank.issues.append(ParseIssue(number, message, column=column))

    text = values.get("question", "")
    if not text:
        issue(_l("the question is empty"), "Câu hỏi")
        return
    options = [(letter, values.get(letter, "")) for letter in LETTERS if values.get(letter, "")]
    answer = values.get("answer", "")
    q = ParsedQuestion(type="", text=text, line=number, explanation=values.get("explanation") or None,
                       tags=[t.strip() for t in re.split(r"[,;]", values.get("tags", "")) if t.strip()])
    difficulty = fold(values.get("difficulty", ""))
    if difficulty:
        if difficulty not in DIFFICULTY:
            issue(_l("difficulty “%(value)s” is not dễ/trung bình/khó", value=values["difficulty"]), "Độ khó")
            return
        q.difficulty = DIFFICULTY[difficulty]
    if options:
        letters = [x for x in re.split(r"[,;\s]+", answer.upper()) if x]
        known = [letter for letter, _ in options]
        if not letters:
            issue(_l("the right answer is empty: write the letter(s), e.g. B or A, C"), "Đáp án")
            return
        wrong = [x for x in letters if x not in known]
        if wrong:
            issue(_l("answer %(wrong)s is not one of the filled options %(known)s",
                        wrong=", ".join(wrong), known=", ".join(known)), "Đáp án")
            return
        right = set(letters)
        if len(right) > 1:
            q.type = "multiple"
            q.choices = [Choice(t, (1 if x in right else -1) / len(right)) for x, t in options]
        else:
            words = {fold(t) for _, t in options}
            q.type = "truefalse" if len(options) == 2 and words == {"dung", "sai"} else "single"
            q.choices = [Choice(t, 1.0 if x in right else 0.0) for x, t in options]
    else:
        if not answer:
            issue(_l("fill options A-F with a right letter, or write the answer text"), "Đáp án")
            return
        q.type = "short"
        q.answers = [{"text": a.strip(), "fraction": 1.0} for a in answer.split("|") if a.strip()]
        q.options = {"ignore_accents": False, "case_sensitive": False}
    for problem in validate_question(q):
        issue(problem)
        return
    bank.questions.append(q)


def build_template(example_rows: list[list[str]] | None = None) -> bytes:
    """The downloadable template (and the bank export): headers, widths, wrapped text and
    ``example_rows`` (one example question when None; an export of nothing has no rows).  Cells go through ``lms.core.cells``: a question starting with "=" or
    "-" is written as "'=..."; ``parse_xlsx`` removes that quote again."""
    workbook = new_workbook()
    sheet = workbook.create_sheet("Câu hỏi")
    widths = [60, 25, 25, 25, 25, 15, 15, 10, 45, 18, 12]
    for letter, width in zip("ABCDEFGHIJK", widths, strict=True):
        sheet.column_dimensions[letter].width = width
        # Text columns: Excel keeps "10/10" or "50%" as typed instead of making a date or 0.5.
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    append_styled(sheet, TEMPLATE_HEADERS, font=Font(bold=True))
    rows = example_rows if example_rows is not None else [[
        "Ứng dụng nào dùng để định danh điện tử mức 2?", "VNeID", "Một ứng dụng tải từ đường link lạ",
        "Mạng xã hội", "", "", "", "A", "VNeID là ứng dụng định danh điện tử chính thức.", "vneid", "dễ",
    ]]
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        append_styled(sheet, row, alignment=wrap)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Reading back our own export: the file is ours, so the upload limits do not apply to it.
_OWN_FILE = UploadLimits(max_file_bytes=1 << 40, max_unpacked_bytes=1 << 40, max_ratio=1 << 20, max_members=1 << 20,
                         max_rows=1 << 30, max_shared_strings=1 << 30, max_shared_strings_bytes=1 << 40,
                         max_seconds=3600.0)
_DIFFICULTY_WORDS = {"easy": "dễ", "medium": "trung bình", "hard": "khó"}


def write_xlsx(questions: list[ParsedQuestion], losses: list | None = None) -> bytes:
    """The Excel template filled with ``questions``, one row each. The template has columns
    for choice questions with up to six options (right options as letters, without weights),
    short answers (fully right ones, separated by "|"), explanation, topics and difficulty.
    When ``losses`` is given, every question or field the template cannot hold is added to it
    (``formats.common.ExportLoss``; questions it cannot hold at all are left out), and the
    workbook is read back with ``parse_xlsx`` to report any other difference."""
    from lms.quizzes.formats.common import check_round_trip

    rows: list[list[str]] = []
    written: list[tuple[int, ParsedQuestion]] = []
    found: list = []
    for q in questions:
        row = _xlsx_row(q, found)
        if row is not None:
            written.append((len(rows) + 2, q))  # row 1 is the header
            rows.append(row)
    data = build_template(rows)
    if losses is not None:
        losses.extend(found)
        check_round_trip("xlsx", written, parse_xlsx(data, _OWN_FILE), losses)
    return data


def _xlsx_row(q: ParsedQuestion, found: list) -> list[str] | None:
    """The template row of ``q``, or None when the template cannot hold it (reported)."""
    from flask_babel import lazy_gettext as _l

    from lms.quizzes.formats.common import fraction_key, loss_for, uncarried_losses
    from lms.quizzes.formats.markdown import choice_fractions

    def skip(message):
        found.append(loss_for(q, message, skipped=True))
        return None

    tail = [q.explanation or "", ", ".join(q.tags), _DIFFICULTY_WORDS.get(q.difficulty or "", q.difficulty or "")]
    if q.type in ("single", "multiple", "truefalse"):
        if len(q.choices) > len(LETTERS):
            return skip(_l("more than six options: the Excel template has columns A to F only"))
        found.extend(uncarried_losses(q, "xlsx"))
        # A single-answer question keeps its fully right option; partial credit is lost (reported).
        marked = [c.fraction > 0 if q.type == "multiple" else c.fraction >= 1 - 1e-9 for c in q.choices]
        right = [LETTERS[i] for i, ok in enumerate(marked) if ok]
        boxes = ["x" if ok else " " for ok in marked]
        if [fraction_key(f) for f in choice_fractions(boxes, q.type)] != [fraction_key(c.fraction) for c in q.choices]:
            found.append(loss_for(q, _l("the Excel template marks right options with letters, without weights"), "key"))
        texts = [c.text for c in q.choices] + [""] * (len(LETTERS) - len(q.choices))
        return [q.text, *texts, ", ".join(right), *tail]
    if q.type == "short":
        found.extend(uncarried_losses(q, "xlsx"))
        full = [a["text"] for a in q.answers if fraction_key(a.get("fraction", 1.0)) == 1]
        if len(full) != len(q.answers):
            found.append(loss_for(q, _l("the Excel template keeps only fully right answers, without weights"), "answers"))
        if not full:
            return skip(_l("no answer is fully right, and the Excel template keeps only those"))
        return [q.text, "", "", "", "", "", "", " | ".join(full), *tail]
    columns = {"matching": _l("the Excel template has no columns for pairs"),
               "numeric": _l("the Excel template has no columns for numeric answers and tolerances"),
               "description": _l("the Excel template has no rows for descriptions"),
               "essay": _l("the Excel template has no rows for essay questions")}
    return skip(columns.get(q.type) or _l("the Excel template has no columns for this question type"))
