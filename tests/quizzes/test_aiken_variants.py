"""Issue 15, fault 8: the Aiken variants Moodle accepts import with the right key.

The rules are Moodle's (qformat_aiken, question/format/aiken/format.php): an option is a
capital letter, ")" or ".", then the text with or without a space; "ANSWER:" then the
letter, with or without a space, whatever follows it; lines are trimmed, shorter than two
characters skipped; CR, LF and CRLF line ends. The letter is a position for Moodle (A the
first option)."""

from __future__ import annotations

import pytest

from lms.quizzes.formats.aiken import parse_aiken
from lms.quizzes.text import markdown_to_plain, plain_to_markdown
from tests.support.shared_fixtures import public_case as shared_case


def public_case(name: str) -> str:
    return shared_case(name).read_text(encoding="utf-8")


def keys(bank) -> list[str]:
    return ["".join("ABCDEF"[i] for i, c in enumerate(q.choices) if c.fraction > 0) for q in bank.questions]


def test_options_without_a_space_after_the_letter():
    bank = parse_aiken(public_case("aiken-no-space-after-letter.aiken.txt"))
    assert bank.issues == [] and bank.notes == []
    assert [q.type for q in bank.questions] == ["single", "single"] and keys(bank) == ["A", "B"]
    assert [c.text for c in bank.questions[0].choices] == [
        "Bộ Công an", "Ngân hàng nơi mở tài khoản", "Nhà mạng di động"]
    assert [c.text for c in bank.questions[1].choices] == ["Có, nếu họ biết họ tên mình", "Không bao giờ"]


@pytest.mark.parametrize("answer", ["ANSWER: B", "ANSWER:B", "ANSWER: B.", "ANSWER: B)", "ANSWER:  B ",
                                    "ANSWER: B) Hai", "ANSWER: B - Hai", "Answer: B", "ANSWER : B"])
def test_answer_line_variants(answer):
    bank = parse_aiken(f"Chọn số hai?\nA) Một\nB) Hai\nC) Ba\n{answer}\n")
    assert bank.issues == [] and keys(bank) == ["B"] and bank.notes == []


@pytest.mark.parametrize("option", ["{l}) {t}", "{l}){t}", "{l}. {t}", "{l}.{t}", "{l})\t{t}", "  {l}) {t}  "])
def test_option_line_variants(option):
    lines = "\n".join(option.format(l=letter, t=text) for letter, text in (("A", "Một"), ("B", "Hai")))
    bank = parse_aiken(f"Chọn số hai?\n{lines}\nANSWER: B\n")
    assert bank.issues == [] and [c.text for c in bank.questions[0].choices] == ["Một", "Hai"] and keys(bank) == ["B"]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_ends_and_byte_order_mark(newline):
    text = "\ufeff" + newline.join(["Câu 1?", "A) Có", "B) Không", "ANSWER: B", "", "Câu 2?", "A.x", "B.y",
                                    "ANSWER:A"]) + newline
    bank = parse_aiken(text)
    assert bank.issues == [] and keys(bank) == ["B", "A"]
    assert [q.text for q in bank.questions] == ["Câu 1?", "Câu 2?"] and [q.line for q in bank.questions] == [1, 6]


def test_a_lower_case_answer_letter_is_read_as_its_capital_with_a_note():
    """Moodle maps "b" to no option (ord("b") - ord("A")): the question would have no right
    answer. Read it as B, and say so in the import report."""
    bank = parse_aiken("Chọn số hai?\nA) Một\nB) Hai\nANSWER: b\n")
    assert bank.issues == [] and keys(bank) == ["B"]
    assert [(n.line, str(n.message)) for n in bank.notes] == [
        (4, "answer letter b read as B (Moodle reads only capital letters)")]


def test_question_text_over_several_lines_is_kept_whole_as_plain_text():
    bank = parse_aiken("Cho đoạn văn sau:\n*Không* chia sẻ mã OTP <cho ai>.\nCâu nào đúng?\nA) 1 + 1\nB) #2\nANSWER: A\n")
    assert bank.issues == []
    question = bank.questions[0]
    assert markdown_to_plain(question.text) == "Cho đoạn văn sau:\n*Không* chia sẻ mã OTP <cho ai>.\nCâu nào đúng?"
    assert question.text == plain_to_markdown("Cho đoạn văn sau:\n*Không* chia sẻ mã OTP <cho ai>.\nCâu nào đúng?")
    assert [markdown_to_plain(c.text) for c in question.choices] == ["1 + 1", "#2"]


def test_several_letters_make_a_multiple_response_question():
    bank = parse_aiken("Chọn hai?\nA) x\nB) y\nC) z\nANSWER: A, C\n")
    assert bank.questions[0].type == "multiple" and keys(bank) == ["AC"]


@pytest.mark.parametrize(("text", "issue"), [
    ("Câu?\nA) x\nB) y\nD) z\nANSWER: D\n",
     "line 1: the options are lettered A, B, D: letter them A, B, C … in order"),
    ("Câu?\nA) x\nB)\nANSWER: A\n", "line 1: option B has no text"),
    ("Câu?\nA) x\nB) y\nANSWER: Hà Nội\n", "line 4: ANSWER must name one of the option letters A, B"),
    ("Câu?\nA) x\nB) y\nANSWER: C\n", "line 4: ANSWER must name one of the option letters A, B"),
    ("Câu?\nA) x\nANSWER: A\n", "line 1: a question needs at least two options A), B) ..."),
])
def test_what_cannot_be_read_safely_is_refused_with_its_line(text, issue):
    bank = parse_aiken(text)
    assert bank.questions == [] and [str(i) for i in bank.issues] == [issue]
