"""Banks survive the trip (issue #15, fault 6): import → export → import is the identity on the
neutral shape, for every format and every question type the format carries; what a format
cannot carry is reported, never dropped silently.

The property runs ``ROUNDTRIP_EXAMPLES`` examples (default 100) per format and question type
and prints how many it ran; bench/roundtrip_table.py runs it too and prints the totals.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.quizzes.formats.aiken import parse_aiken, write_aiken
from lms.quizzes.formats.common import ExportLoss, fraction_key, lost_fields, neutral, project
from lms.quizzes.formats.gift import parse_gift, write_gift
from lms.quizzes.formats.markdown import parse_markdown_bank, write_markdown_bank
from lms.quizzes.formats.xlsx import parse_xlsx, write_xlsx
from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion
from lms.quizzes.settings import check_settings
from tests.quizzes.bank_strategies import banks, question

EXAMPLES = int(os.environ.get("ROUNDTRIP_EXAMPLES", "100"))
RUNS: Counter = Counter()
PUBLIC_CASES = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "public-cases"

ALL_TYPES = ("single", "multiple", "truefalse", "short", "numeric", "matching", "description", "essay")
CARRIED_TYPES = {"md": ALL_TYPES, "gift": ALL_TYPES, "xlsx": ("single", "multiple", "truefalse", "short"),
                 "aiken": ("single", "multiple")}
COMBOS = [(fmt, qtype) for fmt, types in CARRIED_TYPES.items() for qtype in types]


def write(fmt: str, questions: list[ParsedQuestion], losses: list | None = None) -> bytes:
    if fmt == "md":
        return write_markdown_bank(check_settings({"title": "Ngân hàng"})[0], questions, losses).encode()
    if fmt == "gift":
        return write_gift(questions, losses).encode()
    if fmt == "xlsx":
        return write_xlsx(questions, losses)
    return write_aiken(questions, losses).encode()


def read(fmt: str, data: bytes) -> ParsedBank:
    if fmt == "xlsx":
        return parse_xlsx(data)
    return {"md": parse_markdown_bank, "gift": parse_gift, "aiken": parse_aiken}[fmt](data.decode())


def shape(questions, fmt):
    return [project(neutral(q), fmt) for q in questions]


@pytest.fixture(scope="module", autouse=True)
def _report_runs(request):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if RUNS and reporter is not None:
        total = sum(RUNS.values())
        by_format = Counter()
        for (fmt, _), n in RUNS.items():
            by_format[fmt] += n
        reporter.write_line(f"\nround-trip property: {total} examples run "
                            f"({', '.join(f'{k} {v}' for k, v in by_format.items())}; "
                            f"max_examples={EXAMPLES} per format and question type)")


def run_round_trip(fmt: str, qtype: str, examples: int = EXAMPLES) -> int:
    """Run the round-trip property for one format and type; returns how many examples ran."""
    before = RUNS[fmt, qtype]
    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(banks(fmt, qtype))
    def trip(bank):
        RUNS[fmt, qtype] += 1
        brought = read(fmt, write(fmt, bank))  # the file an author brings, imported
        assert brought.issues == []
        assert shape(brought.questions, fmt) == shape(bank, fmt)
        losses: list[ExportLoss] = []
        exported = write(fmt, brought.questions, losses)
        assert [str(loss) for loss in losses] == []
        again = read(fmt, exported)
        assert again.issues == []
        assert shape(again.questions, fmt) == shape(brought.questions, fmt)

    trip()
    return RUNS[fmt, qtype] - before


@pytest.mark.parametrize("fmt,qtype", [pytest.param(f, t) for f, t in COMBOS])
def test_import_export_import_is_the_identity(fmt, qtype, capsys):
    ran = run_round_trip(fmt, qtype)
    with capsys.disabled():
        print(f" [{fmt}/{qtype}: {ran} examples]", end="")
    assert ran >= min(EXAMPLES, 10)


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(st.lists(st.sampled_from(ALL_TYPES).flatmap(lambda t: question("md", t)), min_size=1, max_size=6),
       st.sampled_from(["gift", "xlsx", "aiken", "md"]))
def test_no_exporter_drops_anything_silently(bank, fmt):
    """Any bank (every type, every field) exported in any format and imported again: each
    question comes back with what the format carries unchanged, or the export's losses name
    it; a question left out is named as left out. Our Markdown reports nothing."""
    losses: list[ExportLoss] = []
    again = read(fmt, write(fmt, bank, losses))
    named = {loss.ref for loss in losses}
    left_out = {loss.ref for loss in losses if loss.skipped}
    kept = [q for q in bank if id(q) not in left_out]
    assert len(again.questions) == len(kept)
    for q, back in zip(kept, again.questions, strict=True):
        if lost_fields(q, fmt) or project(neutral(q), fmt) != project(neutral(back), fmt):
            assert id(q) in named, (fmt, q, back)
    if fmt == "md":
        assert [str(loss) for loss in losses] == []


# --- fault 6: the true/false key comes from what an option means, not where it stands ---------


def test_gift_export_of_a_true_false_written_sai_first_keeps_its_key():
    """The public case: "Sai" written first and right must export {FALSE}; "False" written
    first with "True" right must export {TRUE} (the old writer flipped both)."""
    bank = parse_markdown_bank((PUBLIC_CASES / "md-truefalse-sai-first-export-gift.md").read_text(encoding="utf-8"))
    assert [q.type for q in bank.questions] == ["truefalse", "truefalse"]
    gift = write_gift(bank.questions)
    assert "::tf-sai-truoc::[markdown]Mã OTP có thể đọc cho nhân viên ngân hàng qua điện thoại.{FALSE####" in gift
    assert "::tf-false-first::[markdown]Cổng Dịch vụ công quốc gia có địa chỉ dichvucong.gov.vn.{TRUE}" in gift
    again = {q.name: q for q in parse_gift(gift).questions}
    assert [(c.text, c.fraction) for c in again["tf-sai-truoc"].choices] == [("Đúng", 0.0), ("Sai", 1.0)]
    assert [(c.text, c.fraction) for c in again["tf-false-first"].choices] == [("Đúng", 1.0), ("Sai", 0.0)]
    # The key survives, the author's labels and order do not: the export says so.
    losses: list[ExportLoss] = []
    write_gift(bank.questions, losses)
    assert [(loss.question, loss.field) for loss in losses] == [("tf-sai-truoc", "choices"), ("tf-false-first", "choices")]


@pytest.mark.parametrize("words", [("ĐÚNG", "sai"), ("sai.", "**Đúng**"), ("F", "T"), ("false", "TRUE")])
def test_true_false_key_is_read_from_the_words_whatever_their_case_or_order(words):
    right = 1  # the second option is the right one
    q = ParsedQuestion(type="truefalse", text="Câu?", choices=[Choice(words[0], 0.0), Choice(words[1], 1.0)])
    from lms.quizzes.formats.common import truth_of

    expected = "TRUE" if truth_of(words[right]) else "FALSE"
    assert f"{{{expected}}}" in write_gift([q])


def test_gift_true_false_feedback_is_written_in_moodles_order():
    """Moodle (question/format/gift/format.php, split_truefalse_comment): the first # is the
    feedback for a wrong answer, the second for a right one; with only a right-answer feedback
    the first stays empty; general feedback (####) comes last."""
    q = ParsedQuestion(type="truefalse", text="Câu?", choices=[Choice("Đúng", 0.0), Choice("Sai", 1.0)],
                       feedback_right="Chính xác", feedback_wrong="Chưa đúng", explanation="Vì vậy")
    assert write_gift([q]).strip() == "[markdown]Câu?{FALSE#Chưa đúng#Chính xác####Vì vậy}"
    q.feedback_wrong = None
    assert write_gift([q]).strip() == "[markdown]Câu?{FALSE##Chính xác####Vì vậy}"
    q.feedback_right, q.feedback_wrong = None, "Chưa đúng"
    assert write_gift([q]).strip() == "[markdown]Câu?{FALSE#Chưa đúng####Vì vậy}"
    back = parse_gift(write_gift([q])).questions[0]
    assert (back.feedback_wrong, back.feedback_right, back.explanation) == ("Chưa đúng", None, "Vì vậy")
    # An option's own feedback is the feedback for choosing it: GIFT's right/wrong feedback.
    q = ParsedQuestion(type="truefalse", text="Câu?", choices=[Choice("Sai", 1.0, feedback="Đúng vậy"),
                                                                Choice("Đúng", 0.0, feedback="Không phải")])
    assert write_gift([q]).strip() == "[markdown]Câu?{FALSE#Không phải#Đúng vậy}"


def test_gift_export_marks_markdown_and_escapes_gift_characters():
    """Stored text is Markdown: the question is marked [markdown] (its answers inherit the
    format in Moodle) and GIFT's control characters are escaped (Moodle's repchar)."""
    q = ParsedQuestion(type="single", text="**Mã** {OTP} = 6 chữ số: đúng không?\nDòng hai",
                       choices=[Choice("Có ~ chắc #1", 1.0, feedback="Vì = 6"), Choice("%50% hay [html]", 0.0)],
                       explanation="Xem \\*chú thích\\*")
    gift = write_gift([q])
    assert gift.startswith("[markdown]**Mã** \\{OTP\\} \\= 6 chữ số\\: đúng không?\\nDòng hai{\n")
    assert "\t=Có \\~ chắc \\#1#Vì \\= 6\n" in gift and "\t~[markdown]%50% hay [html]\n" in gift
    assert "\t####Xem \\\\*chú thích\\\\*\n}" in gift
    back = parse_gift(gift).questions[0]
    assert shape([back], "gift") == shape([q], "gift")


def test_a_single_choice_with_partial_credit_keeps_its_weights_in_gift():
    q = ParsedQuestion(type="single", text="Câu?", choices=[Choice("a", 1.0), Choice("b", 1 / 3), Choice("c", -0.5)])
    gift = write_gift([q])
    assert "\t=a\n\t~%33.33333%b\n\t~%-50%c\n" in gift
    assert [fraction_key(c.fraction) for c in parse_gift(gift).questions[0].choices] == [1.0, 0.3333333, -0.5]


# --- every writer: carry it or report it -------------------------------------------------------


def _kinds():
    return [
        ParsedQuestion(type="description", text="Đọc tình huống: bà Lan nhận tin nhắn lạ.", name="gioi-thieu"),
        ParsedQuestion(type="matching", text="Ghép dịch vụ", name="ghep",
                       pairs=[{"left": "Khai sinh", "right": "Cổng"}, {"left": "Định danh", "right": "VNeID"}]),
        ParsedQuestion(type="numeric", text="Tổng đài có mấy số?", name="so",
                       answers=[{"value": 8.0, "tolerance": 0.0, "fraction": 1.0}], feedback_wrong="Đếm lại."),
        ParsedQuestion(type="essay", text="Viết hướng dẫn cho bà Lan.", name="tu-luan"),
        ParsedQuestion(type="single", text="Chọn một", name="bay",
                       choices=[Choice(f"Phương án {i}", 1.0 if i == 0 else 0.0) for i in range(7)]),
        ParsedQuestion(type="single", text="Ứng dụng chính thức?", name="tn",
                       choices=[Choice("VNeID", 1.0, feedback="Đúng."), Choice("Zalo", 0.0, pinned=True)],
                       tags=["vneid"], difficulty="easy", points=2.0, explanation="VNeID của Bộ Công an."),
    ]


def test_the_excel_export_reports_what_the_template_cannot_hold():
    """The Excel template has no columns for pairs, numeric answers, descriptions, essays or
    a seventh option: those questions are left out and reported, each by name and type; the
    details it has no column for (feedback, pinned options, points, names) are reported too."""
    losses: list[ExportLoss] = []
    data = write_xlsx(_kinds(), losses)
    messages = [str(loss) for loss in losses]
    assert "ghep (matching): the Excel template has no columns for pairs" in messages
    assert "so (numeric): the Excel template has no columns for numeric answers and tolerances" in messages
    assert "gioi-thieu (description): the Excel template has no rows for descriptions" in messages
    assert "tu-luan (essay): the Excel template has no rows for essay questions" in messages
    assert "bay (single choice): more than six options: the Excel template has columns A to F only" in messages
    assert {loss.question for loss in losses if loss.skipped} == {"ghep", "so", "gioi-thieu", "tu-luan", "bay"}
    assert {loss.field for loss in losses if loss.question == "tn"} == {"name", "choice_feedback", "pinned", "points"}
    back = parse_xlsx(data)
    assert [(q.type, q.text, q.tags, q.difficulty, q.explanation) for q in back.questions] == [
        ("single", "Ứng dụng chính thức?", ["vneid"], "easy", "VNeID của Bộ Công an.")]


def test_an_excel_export_of_nothing_it_can_hold_has_no_example_row():
    losses: list[ExportLoss] = []
    data = write_xlsx(_kinds()[:4], losses)
    assert parse_xlsx(data).questions == [] and len(losses) == 4


@pytest.mark.parametrize("fmt", ["gift", "aiken"])
def test_gift_and_aiken_exports_report_what_they_cannot_hold(fmt):
    losses: list[ExportLoss] = []
    write(fmt, _kinds(), losses)
    about = {}
    for loss in losses:
        about.setdefault(loss.question, set()).add(loss.field)
    assert {"difficulty", "points", "pinned"} <= about["tn"]
    if fmt == "aiken":
        assert {loss.question for loss in losses if loss.skipped} == {"gioi-thieu", "ghep", "so", "tu-luan"}
        assert {"explanation", "choice_feedback", "tags", "name"} <= about["tn"]
    else:
        assert not [loss for loss in losses if loss.skipped]  # GIFT has a form for every type
        assert "tags" in about["tn"]


def test_markdown_carries_descriptions_essays_and_every_detail():
    """The old Markdown writer skipped descriptions and essays without a word. Now every type
    and every field has a place (docs/content-format.md), so nothing is reported."""
    losses: list[ExportLoss] = []
    text = write_markdown_bank({"title": "T"}, _kinds(), losses)
    assert losses == []
    assert "## Đọc tình huống: bà Lan nhận tin nhắn lạ.\nid: gioi-thieu\ntype: description\n" in text
    assert "## Viết hướng dẫn cho bà Lan.\nid: tu-luan\ntype: essay\n" in text
    assert "- [x] VNeID\n  > Đúng.\n- [ ] Zalo\n" in text and "pinned: 2\n" in text
    assert "wrong feedback: Đếm lại.\n" in text
    back = parse_markdown_bank(text)
    assert back.issues == [] and shape(back.questions, "md") == shape(_kinds(), "md")


def test_markdown_syntax_for_weights_feedback_and_pinning_reads_as_documented():
    bank = parse_markdown_bank("""---
title: T
---
## Tình huống: bà Lan nhận tin nhắn.
type: description

## Chọn cách xử lý
pinned: 3
right feedback: Rất tốt.
wrong feedback: Xem lại bài 2.

- [x] Gọi tổng đài
  in trên thẻ
  > Đúng: số in trên thẻ là số thật.
- [25%] Hỏi người thân
- [ ] Tất cả các cách trên

## Số tổng đài có mấy chữ số?
= 8
  > Đúng.
= %50% 10
  > Gần đúng.

> Đếm các chữ số của 18001096.
""")
    assert bank.issues == []
    intro, choice, number = bank.questions
    assert intro.type == "description" and intro.text == "Tình huống: bà Lan nhận tin nhắn."
    assert choice.type == "single" and (choice.feedback_right, choice.feedback_wrong) == ("Rất tốt.", "Xem lại bài 2.")
    assert [(c.text, c.fraction, c.feedback, c.pinned) for c in choice.choices] == [
        ("Gọi tổng đài\nin trên thẻ", 1.0, "Đúng: số in trên thẻ là số thật.", False),
        ("Hỏi người thân", 0.25, None, False), ("Tất cả các cách trên", 0.0, None, True)]
    assert number.type == "numeric" and number.answers == [
        {"value": 8.0, "tolerance": 0.0, "fraction": 1.0, "feedback": "Đúng."},
        {"value": 10.0, "tolerance": 0.0, "fraction": 0.5, "feedback": "Gần đúng."}]
    assert number.explanation == "Đếm các chữ số của 18001096."


def test_markdown_text_lines_that_look_like_structure_are_escaped_and_come_back():
    text = "Chọn:\n- một\n= hai\n> ba\ntags: bốn\n## năm\n\\- sáu\n1. bảy"
    q = ParsedQuestion(type="single", text=text, choices=[Choice("a\n- [x] b\n> c", 1.0), Choice("d", 0.0)])
    written = write_markdown_bank({"title": "T"}, [q])
    assert "\\- một\n\\= hai\n\\> ba\n\\tags: bốn\n\\## năm\n\\\\- sáu\n1. bảy" in written
    back = parse_markdown_bank(written)
    assert back.issues == [] and back.questions[0].text == text and back.questions[0].choices[0].text == "a\n- [x] b\n> c"


def test_aiken_export_writes_plain_text_as_moodle_does():
    """Moodle's Aiken exporter: question on one line, "A) text" options, "ANSWER: X"; our
    stored Markdown is unescaped back to the text as typed."""
    q = ParsedQuestion(type="single", text="Chọn \\*một\\* đáp án &lt;b>", choices=[
        Choice("Bộ Tài chính", 0.0, pinned=True), Choice("Bộ Công an", 1.0),
        Choice("Tất cả các đáp án trên", 0.0, pinned=True)])
    losses: list[ExportLoss] = []
    assert write_aiken([q], losses) == ("Chọn *một* đáp án <b>\nA) Bộ Tài chính\nB) Bộ Công an\n"
                                        "C) Tất cả các đáp án trên\nANSWER: B\n")
    # The pin an author set is lost; the pin on "all of the above" is not: every import sets it.
    assert [loss.field for loss in losses] == ["pinned"]
    multiple = ParsedQuestion(type="multiple", text="Chọn hai", choices=[
        Choice("a", 0.5), Choice("b", -0.5), Choice("c", 0.5)])
    assert write_aiken([multiple]).endswith("ANSWER: A, C\n")
    formatted = ParsedQuestion(type="single", text="Chọn **một**\ndòng hai", choices=[Choice("x", 1.0), Choice("y", 0.0)])
    losses = []
    assert write_aiken([formatted], losses).startswith("Chọn một dòng hai\nA) x\n")
    assert {loss.field for loss in losses} == {"text"}


def test_markdown_true_false_needs_one_option_meaning_true_and_one_meaning_false():
    """The old rule took two "true" words (Đúng, dung) for a true/false pair; and a
    true/false question whose options are other words keeps its type through a `type:` line."""
    both_true = parse_markdown_bank("## Câu?\n- [x] Đúng\n- [ ] dung\n").questions[0]
    assert both_true.type == "single"
    forced = ParsedQuestion(type="truefalse", text="Có nên chia sẻ OTP?",
                            choices=[Choice("Không", 1.0), Choice("Có", 0.0)])
    written = write_markdown_bank({"title": "T"}, [forced])
    assert "type: truefalse\n\n- [x] Không\n- [ ] Có\n" in written
    assert parse_markdown_bank(written).questions[0].type == "truefalse"
    # GIFT cannot tell which of those means true: it says so and writes a single choice.
    losses: list[ExportLoss] = []
    assert "{\n\t=Không\n\t~Có\n}" in write_gift([forced], losses)
    assert [loss.field for loss in losses] == ["type"]
