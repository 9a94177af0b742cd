"""Imports from Moodle (GIFT, Aiken) and the Excel template, checked against Moodle's own files."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.formats.aiken import parse_aiken
from lms.quizzes.formats.gift import parse_gift, write_gift
from lms.quizzes.formats.xlsx import build_template, parse_xlsx, write_xlsx
from lms.quizzes.text import markdown_to_plain, render_text

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "moodle"


def moodle_file(name) -> Path:
    """Moodle's own test files, in ../shared/fixtures/moodle beside the repository (as in CI)."""
    import os

    path = FIXTURES / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI checks out shared/ beside the repository")
        pytest.skip(f"{path} is not present (shared/ is beside the repository in CI)")
    return path


def fixture(name):
    return moodle_file(name).read_text(encoding="utf-8")


def by_name(bank):
    return {q.name: q for q in bank.questions if q.name}


def test_moodle_gift_fixture_comes_across_whole():
    bank = parse_gift(fixture("questions.gift.txt"))
    assert bank.issues == []
    assert [q.type for q in bank.questions] == [
        "essay", "matching", "single", "multiple", "numeric", "short", "truefalse", "truefalse", "truefalse"]
    q = by_name(bank)
    assert q["Moodle activities"].text == "Match the **activity** to the description."  # [html] <b>, as Markdown
    assert q["Moodle activities"].pairs[-1] == {"left": "", "right": "Chat"}  # a distractor
    assert len(q["Moodle activities"].pairs) == 5
    q2 = q["Q2"]
    assert [(c.text, c.fraction, c.feedback) for c in q2.choices] == [
        ("yellow", 1.0, "right; good!"), ("red", 0.0, "wrong, it's yellow"), ("blue", 0.0, "wrong, it's yellow")]
    assert [(c.text, c.fraction) for c in q["colours"].choices] == [
        ("yellow", 0.5), ("red", -1.0), ("off-beige", 0.5), ("blue", -1.0)]
    assert q["Q5"].answers == [{"value": 3.0, "tolerance": 2.0, "fraction": 1.0, "feedback": None}]
    assert q["Q5"].feedback_wrong == "Completely wrong"
    assert [(a["text"], a["fraction"], a["feedback"]) for a in q["Shortanswer"].answers] == [
        ("Frog", 1.0, "Good!"), ("Cat", 0.5, "What is it with Moodlers and cats?"), ("*", 0.0, "Completely wrong")]
    q1 = q["Q1"]
    assert [c.fraction for c in q1.choices] == [0.0, 1.0]  # FALSE is right
    assert q1.feedback_wrong == "42 is the Ultimate Answer."
    assert q1.feedback_right == "You gave the right answer."
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."


def test_moodle_gift_examples_cover_the_documented_syntax():
    bank = parse_gift(fixture("examples.gift.txt"))
    assert bank.issues == []
    assert len(bank.questions) == 43
    texts = [q.text for q in bank.questions]
    assert "Grant is _____ in Grant's tomb." in texts  # missing-word form
    pi = [q for q in bank.questions if q.text.startswith("What is the value of pi")]
    assert pi[0].answers[0] == {"value": 3.1415, "tolerance": 0.0005, "fraction": 1.0, "feedback": None}
    assert pi[1].answers[0]["min"] == 3.141 and pi[1].answers[0]["max"] == 3.142
    control = by_name(bank)["GIFT Control Characters"]
    assert [c.text for c in control.choices] == ["~", "=", "\\#", "{", "}", "\\\\"]  # Markdown: "#", "\\" escaped
    assert control.choices[-1].fraction == 1.0
    equals = next(q for q in bank.questions if q.text == "Which answer equals 5?")
    assert [c.text for c in equals.choices] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    weighted = [q for q in bank.questions if q.text == "What two people are entombed in Grant's tomb?"]
    assert [q.type for q in weighted] == ["multiple", "multiple"]
    assert [c.fraction for c in weighted[1].choices] == [-0.5, 0.5, 0.5, -0.5]
    numeric = by_name(bank)["Numerical example"]
    assert [(a["value"], a["tolerance"], a["fraction"]) for a in numeric.answers] == [(1822.0, 0.0, 1.0), (1822.0, 2.0, 0.5)]
    assert "50% credit for being close" in numeric.answers[1]["feedback"]


def test_gift_round_trip():
    bank = parse_gift(fixture("questions.gift.txt"))
    again = parse_gift(write_gift(bank.questions))
    assert again.issues == []
    assert [(q.type, q.text, [(c.text, c.fraction) for c in q.choices], q.answers, q.pairs) for q in again.questions] == \
           [(q.type, q.text, [(c.text, c.fraction) for c in q.choices], q.answers, q.pairs) for q in bank.questions]


def test_gift_errors_have_line_numbers():
    bank = parse_gift("// comment\nWho? {=a\n\nWhat? {#abc}\n\n::n:: Two {=a} {=b}\n")
    assert [str(i) for i in bank.issues] == [
        "line 2: the answer block is not opened with { and closed with }",
        "line 4: numeric answer 'abc' is not a number, number:tolerance or min..max",
        "line 6: only one answer block { } is allowed; escape literal braces as \\{ and \\}",
    ]


def test_gift_categories_and_vietnamese():
    bank = parse_gift("$CATEGORY: $course$/Dịch vụ công\n\n::vneid::Ứng dụng định danh? {=VNeID ~Zalo}\n")
    assert bank.issues == [] and bank.questions[0].category == "Dịch vụ công"


def test_moodle_aiken_fixture():
    bank = parse_aiken(fixture("questions.aiken.txt"))
    assert bank.issues == []
    # Aiken is plain text, stored as Markdown that shows exactly as typed (issue 15, contract 1).
    assert [(q.type, markdown_to_plain(q.text)) for q in bank.questions] == [
        ("single", "The Moodle project was started by:"),
        ("single", "Moodle's abilities include handling user input that includes <html class=\"cool\"> & images:")]
    assert "<html" not in str(render_text(bank.questions[1].text))
    assert [(c.text, c.fraction) for c in bank.questions[0].choices] == [
        ("Petr Skoda", 0.0), ("Martin Dougiamas", 1.0), ("Eloy Lafuente", 0.0), ("Tim Hunt", 0.0)]


def test_aiken_errors():
    bank = parse_aiken("Câu 1?\nA) Có\nB) Không\nANSWER: C\n\nCâu 2?\nA. Một\nB. Hai\n")
    assert [str(i) for i in bank.issues] == ["line 4: ANSWER must name one of the option letters A, B",
                                             "line 6: the last question has no ANSWER: line"]


def test_excel_template_round_trip_and_row_errors():
    import io

    from openpyxl import Workbook

    bank = parse_xlsx(build_template())
    assert bank.issues == [] and bank.questions[0].difficulty == "easy"
    from openpyxl import load_workbook

    # Every column is Text, so Excel keeps "10/10" and "50%" as typed (issue 15, fault 10).
    sheet = load_workbook(io.BytesIO(build_template()))["Câu hỏi"]
    assert {sheet.column_dimensions[c].number_format for c in "ABCDEFGHIJK"} == {"@"}
    again = parse_xlsx(write_xlsx(bank.questions))
    assert [(q.type, q.text) for q in again.questions] == [(q.type, q.text) for q in bank.questions]
    wb = Workbook()
    ws = wb.active
    ws.append(["Câu hỏi", "A", "B", "Đáp án", "Ghi chú lạ"])
    ws.append(["Câu đúng", "Có", "Không", "A"])
    out = io.BytesIO()
    wb.save(out)
    assert [str(i) for i in parse_xlsx(out.getvalue()).issues] == ["row 1, column Ghi chú lạ: unknown column “Ghi chú lạ”"]
    wb = Workbook()
    ws = wb.active
    ws.append(["Question", "A", "B", "C", "Answer", "Tags"])
    ws.append(["Mã OTP có nên chia sẻ?", "Đúng", "Sai", None, "B", "otp"])
    ws.append(["Chọn hai", "x", "y", "z", "A, C", ""])
    ws.append(["Sai đáp án", "x", "y", None, "D", ""])
    ws.append([None, "x", None, None, "A", ""])
    out = io.BytesIO()
    wb.save(out)
    parsed = parse_xlsx(out.getvalue())
    assert [q.type for q in parsed.questions] == ["truefalse", "multiple"]
    assert [str(i) for i in parsed.issues] == [
        "row 4, column Đáp án: answer D is not one of the filled options A, B",
        "row 5, column Câu hỏi: the question is empty"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["::", "{", "}", "=", "~", "#", "%50%", "->", "\\", "\n", "\n\n", "//", "T", "#1..2",
                                 ":", "[html]", "$CATEGORY:", " ", "a", "đ", "1", ".."]), max_size=60))
def test_no_gift_input_crashes(parts):
    bank = parse_gift("".join(parts))
    assert all(i.line >= 1 and i.message for i in bank.issues)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_no_aiken_input_crashes(text):
    bank = parse_aiken(text)
    assert all(i.line >= 1 for i in bank.issues)


def test_excel_export_neutralises_formulas_and_imports_back_losslessly(tmp_path):
    """Issue 14, fault 5: question text starting with "=", "-", "+" or "@" is written as text
    with a leading "'" (OWASP CSV Injection), never as a formula, and our importer removes
    that quote again, so export → import gives the same questions."""
    import io

    from openpyxl import load_workbook

    from lms.quizzes.ir import Choice, ParsedQuestion

    questions = [
        ParsedQuestion(type="single", text='=HYPERLINK("http://phishing.example/","Xem điểm")',
                       choices=[Choice("-5", 1.0), Choice("+5", 0.0), Choice("@SUM(1)", 0.0)],
                       explanation="-5 là đáp án", tags=["toan"], difficulty="easy"),
        ParsedQuestion(type="short", text="- Kết quả của 2 - 7?", answers=[{"text": "-5", "fraction": 1.0}],
                       options={"ignore_accents": False, "case_sensitive": False}),
    ]
    data = write_xlsx(questions)
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value not in (None, "")]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert sheet["A2"].value.startswith("'=") and sheet["B2"].value == "'-5" and sheet["H3"].value == "'-5"
    again = parse_xlsx(data)
    assert again.issues == []
    assert [(q.type, q.text, [(c.text, c.fraction) for c in q.choices], q.explanation,
             [a["text"] for a in q.answers]) for q in again.questions] == [
        ("single", questions[0].text, [("-5", 1.0), ("+5", 0.0), ("@SUM(1)", 0.0)], "-5 là đáp án", []),
        ("short", questions[1].text, [], None, ["-5"])]


def test_gift_html_question_with_an_unclosed_style_keeps_its_text():
    """Issue 14, fault 11g: an unclosed raw-text tag must not swallow the rest of the question."""
    bank = parse_gift("::q1::[html]<p>Trước</p><style>Cơ quan nào cấp <b>căn cước</b>?{=Bộ Công an ~UBND xã}")
    question = bank.questions[0]
    plain = markdown_to_plain(question.text)
    assert "Cơ quan nào cấp căn cước?" in plain and "Trước" in plain
