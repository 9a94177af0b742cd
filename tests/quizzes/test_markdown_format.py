"""Our Markdown bank format: parsing, clear errors with line numbers, round trip, fuzzing."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.formats.markdown import parse_markdown_bank, write_markdown_bank

BANK = """---
title: "Dịch vụ công"
time_limit_minutes: 15
draw: {vneid: 1, otp: 1}
---

## Ứng dụng nào dùng để định danh điện tử mức 2?
tags: vneid
difficulty: easy

- [x] VNeID
- [ ] Một ứng dụng tải từ link lạ

> VNeID là ứng dụng chính thức.

## Có nên đọc mã OTP cho người gọi tự xưng công an?
tags: otp
- [ ] Đúng
- [x] Sai

## Những dấu hiệu nào cho thấy tin nhắn lừa đảo? (chọn tất cả đáp án đúng)
tags: otp
- [x] Thúc giục, doạ khoá tài khoản
- [x] Đường link không kết thúc bằng .gov.vn
- [ ] Gửi từ tổng đài chính thức

## Viết tên ứng dụng định danh điện tử quốc gia.
accents: optional
= VNeID

## Mã OTP thường có bao nhiêu chữ số?
= 6 +- 0

## Ghép dịch vụ với nơi thực hiện
- Định danh mức 2 -> Công an
- Nộp hồ sơ trực tuyến -> Cổng Dịch vụ công
"""


def test_parses_every_question_type():
    bank = parse_markdown_bank(BANK)
    assert bank.issues == []
    assert bank.settings["time_limit_minutes"] == 15 and bank.settings["draw"] == {"vneid": 1, "otp": 1}
    assert [q.type for q in bank.questions] == ["single", "truefalse", "multiple", "short", "numeric", "matching"]
    first = bank.questions[0]
    assert first.tags == ["vneid"] and first.difficulty == "easy" and first.explanation == "VNeID là ứng dụng chính thức."
    assert [c.fraction for c in bank.questions[2].choices] == [0.5, 0.5, -0.5]
    assert bank.questions[3].options["ignore_accents"] is True
    assert bank.questions[4].answers == [{"value": 6.0, "tolerance": 0.0, "fraction": 1.0}]
    assert first.line == 7


def test_errors_name_the_line():
    text = "---\ntitle: x\ngrading: worst\n---\n## Câu hỏi không có đáp án\n\n## Câu 2\n- [ ] A\n- [ ] B\n## Câu 3\n- A\n"
    issues = [str(i) for i in parse_markdown_bank(text).issues]
    assert "line 3: grading must be one of best, last, first" in issues
    assert "line 5: the question has no options ('- [x] ...') and no answer ('= ...')" in issues
    assert any(i.startswith("line 7: question 'Câu 2' has no right option") for i in issues)
    assert "line 11: an option must look like '- [x] text' or '- [ ] text'" in issues


def test_round_trip_keeps_questions():
    bank = parse_markdown_bank(BANK)
    again = parse_markdown_bank(write_markdown_bank(bank.settings, bank.questions))
    assert again.issues == []
    assert [(q.type, q.text, q.choices, q.answers, q.pairs, q.explanation, q.tags) for q in again.questions] == \
           [(q.type, q.text, q.choices, q.answers, q.pairs, q.explanation, q.tags) for q in bank.questions]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["---\n", "## ", "- [x] ", "- [ ] ", "= ", "> ", "\n", "tags: ", "draw: ",
                                  "difficulty: hard", "A", "đ", "1", "+-", "..", ",", "->", "{", ":", "[", "\t"]),
                max_size=80))
def test_no_input_crashes_the_parser(parts):
    bank = parse_markdown_bank("".join(parts))
    for issue in bank.issues:
        assert issue.line >= 1 and issue.message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_unicode_never_crashes(text):
    bank = parse_markdown_bank(text)
    assert all(i.line >= 1 for i in bank.issues)


def test_an_unclosed_quote_in_the_settings_names_the_line_it_opens_on():
    bank = parse_markdown_bank('---\ntitle: "Kiểm tra\nshuffle_questions: true\ndraw: 4\n---\n## Câu?\n- [x] A\n- [ ] B\n')
    [issue] = bank.issues
    assert issue.line == 2 and str(issue.message).startswith("bad YAML: while scanning a quoted scalar")
