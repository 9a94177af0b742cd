"""Issue 15, faults 1, 4 and 5: GIFT text formats read as Moodle reads them, stored as Markdown.

Expected values come from Moodle's importer (question/format/gift/format.php): a text without
a marker is in Moodle's own format (HTML allowed, a newline is a break), answers and every
feedback inherit the question text's format unless they carry their own marker, general
feedback is what follows the last "####", true/false feedback is wrong-then-right, and the
right side of a matching pair is a plain string.
"""

import html
import re

import nh3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.formats.gift import parse_gift
from lms.quizzes.text import (
    html_to_markdown,
    markdown_to_plain,
    plain_to_markdown,
    render_text,
    unescape_markdown,
)
from tests.support.shared_fixtures import shared_fixture


def shared(*parts) -> str:
    return shared_fixture(*parts).read_text(encoding="utf-8")


def by_name(bank):
    assert bank.issues == []
    return {q.name: q for q in bank.questions}


def choices(q):
    return [(c.text, c.fraction, c.feedback) for c in q.choices]


def test_moodle_export_with_html_answers_is_stored_as_text_not_markup():
    """The bank Moodle exported: [html] question, <p> answers, &nbsp; &agrave; <br />."""
    q = by_name(parse_gift(shared("public-cases", "gift-moodle-export-html-answers.gift.txt")))
    vneid = q["VNeID mức 2"]
    assert vneid.type == "single" and vneid.category == "top/Mặc định cho DVC"
    assert vneid.text == "Ứng dụng nào dùng để **định danh điện tử** mức 2?"
    assert choices(vneid) == [("VNeID", 1.0, None), ("Zalo", 0.0, None),
                              ("Một ứng dụng tải từ đường link là", 0.0, None)]
    match = q["Ghép dịch vụ"]
    assert match.text == "Ghép mỗi dịch vụ với nơi thực hiện."
    assert match.pairs == [{"left": "Khai sinh", "right": "Cổng dịch vụ công"},
                           {"left": "Định danh mức 2", "right": "VNeID"}]
    voice = q["Giọng đọc"]
    assert voice.text == "[Nghe đoạn thông báo:](https://example.org/loa.mp3)\n\nThông báo này nhắc người dân làm gì?"
    assert choices(voice) == [("Cài ứng dụng lạ", 0.0, "Chưa đúng."), ("Kích hoạt tài khoản VNeID", 1.0, "Đúng.")]
    for question in q.values():
        for stored in [question.text, *(c.text for c in question.choices), *(p["left"] for p in question.pairs)]:
            assert not re.search(r"</?(p|div|br)\b|&\w+;", stored), stored


def test_per_answer_true_false_and_numeric_feedback_and_the_blank_nbsp_tip():
    q = by_name(parse_gift(shared("public-cases", "gift-answer-feedback-and-nbsp.gift.txt")))
    assert choices(q["fb1"]) == [
        ("Từ chối và gọi lại tổng đài in trên thẻ", 1.0, "Chính xác: ngân hàng không bao giờ hỏi OTP."),
        ("Đọc mã cho họ", 0.0, "Sai: đây là thủ đoạn chiếm đoạt tài khoản."),
        ("Gửi mã qua Zalo", 0.0, None)]  # "#&nbsp;" is Moodle's documented blank feedback
    tf = q["fb2"]
    assert [c.fraction for c in tf.choices] == [1.0, 0.0]  # {TRUE...}
    assert tf.feedback_wrong == "Sai rồi: thủ tục này đã có trực tuyến."  # the first feedback
    assert tf.feedback_right == "Đúng: thủ tục liên thông khai sinh có trên Cổng."
    numeric = q["fb3"]
    assert numeric.answers == [{"value": 8.0, "tolerance": 0.0, "fraction": 1.0, "feedback": "Đúng, 8 chữ số."}]
    assert numeric.feedback_wrong == "Hãy đếm lại các chữ số."


def test_category_line_followed_directly_by_a_question_keeps_the_question():
    bank = parse_gift(shared("public-cases", "gift-category-without-blank-line.gift.txt"))
    assert bank.issues == []
    assert [(q.name, q.line, q.type, q.category) for q in bank.questions] == [
        ("cat1", 2, "truefalse", "top/Lừa đảo trực tuyến"), ("cat2", 4, "single", "top/Lừa đảo trực tuyến")]
    assert bank.questions[0].text == 'Tin nhắn yêu cầu bấm link để "cập nhật VNeID" là lừa đảo.'


def test_description_and_essay_are_read_with_their_text():
    q = by_name(parse_gift(shared("public-cases", "gift-essay-and-description.gift.txt")))
    assert [(name, x.type) for name, x in q.items()] == [
        ("gioi-thieu", "description"), ("tu-luan", "essay"), ("tn1", "single"), ("tn2", "single")]
    assert q["gioi-thieu"].text == ('Đọc tình huống: bà Lan nhận được tin nhắn báo "tài khoản định danh sắp bị khoá" '
                                   "kèm một đường link.")
    assert q["tu-luan"].text == "Hãy viết 2-3 câu hướng dẫn bà Lan cách xử lý tin nhắn này."


def test_moodle_fixture_formats_per_answer_and_inherited():
    """Moodle's own test file: markers on matching left sides, answers and feedback."""
    q = by_name(parse_gift(shared("moodle", "questions.gift.txt")))
    activities = q["Moodle activities"]
    assert activities.text == "Match the **activity** to the description."
    assert [p["left"] for p in activities.pairs] == [
        "An activity supporting asynchronous discussions.",
        "A teacher asks a question and specifies a choice of multiple responses.",
        "A bank of record entries which participants can add to.",
        "A collection of web pages that anyone can add to or edit.", ""]
    assert [p["right"] for p in activities.pairs] == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    assert choices(q["Q2"]) == [("yellow", 1.0, "right; good!"), ("red", 0.0, "wrong, it's yellow"),
                                ("blue", 0.0, "wrong, it's yellow")]
    assert [(a["text"], a["fraction"], a["feedback"]) for a in q["Shortanswer"].answers] == [
        ("Frog", 1.0, "Good!"), ("Cat", 0.5, "What is it with Moodlers and cats?"), ("*", 0.0, "Completely wrong")]
    q1 = q["Q1"]
    assert (q1.feedback_wrong, q1.feedback_right, q1.explanation) == (
        "42 is the Ultimate Answer.", "You gave the right answer.",
        "This is, of course, a Hitchiker's Guide to the Galaxy reference.")


def test_moodle_examples_markdown_marker_newlines_and_control_characters():
    bank = parse_gift(shared("moodle", "examples.gift.txt"))
    assert bank.issues == [] and len(bank.questions) == 43
    texts = [q.text for q in bank.questions]
    assert "Who's buried in **Grant's tomb**?" in texts  # [markdown] kept as written
    kanji = by_name(bank)["Kanji Origins"]
    # Moodle's format: the line break in the source is a line break on the page.
    assert kanji.text == "Japanese characters originally\ncame from what country?"
    assert str(render_text(kanji.text)) == "<p>Japanese characters originally<br>\ncame from what country?</p>"
    control = by_name(bank)["GIFT Control Characters"]
    assert [markdown_to_plain(c.text) for c in control.choices] == ["~", "=", "#", "{", "}", "\\"]
    assert markdown_to_plain(control.choices[5].feedback).startswith(
        "Correct! \\ (backslash) is not a control character. BUT,\nit is used to escape")
    numeric = by_name(bank)["Numerical example"]
    assert numeric.answers[1]["feedback"] == "He was born in 1822.\nYou get 50% credit for being close."


@pytest.mark.parametrize("source, text, choice_texts, feedback", [
    # No marker: Moodle's format, HTML allowed; answers and feedback inherit it.
    ("Q<br />two{=<b>a</b>#<i>ok</i> ~b}", "Q\ntwo", ["**a**", "b"], "*ok*"),
    # [html]: entities decoded, a no-break space an ordinary space, tags to Markdown.
    ("[html]<p>Ch&agrave;o&nbsp;b&#7841;n</p>{=<p>x</p> ~<p>y</p>#&nbsp;}", "Chào bạn", ["x", "y"], None),
    # [plain]: shown as typed, so Markdown's characters are escaped; answers inherit plain.
    ("[plain]Is 2*3*4 = <b>24</b>?{=*yes* ~no}", "Is 2\\*3\\*4 = &lt;b>24&lt;/b>?", ["\\*yes\\*", "no"], None),
    # [markdown]: stored as written; a \n escape is a newline.
    ("[markdown]**Bold**\\nline two{=`x` ~y#*why*}", "**Bold**\nline two", ["`x`", "y"], None),
    # An answer's own marker wins over the question's.
    ("[plain]<q>{=[html]<b>r</b> ~[markdown]*w*#[plain]*f*}", "&lt;q>", ["**r**", "*w*"], None),
])
def test_gift_text_formats(source, text, choice_texts, feedback):
    bank = parse_gift(source)
    assert bank.issues == []
    q = bank.questions[0]
    assert q.text == text
    assert [c.text for c in q.choices] == choice_texts
    assert q.choices[0].feedback == feedback


def test_feedback_markers_inherit_from_the_question_and_general_feedback_is_the_last_hashes():
    q = parse_gift("[html]Q{=a#<b>r</b> ~b#[plain]<w> ####<p>g&eacute;n</p>}").questions[0]
    assert [c.feedback for c in q.choices] == ["**r**", "&lt;w>"]
    assert q.explanation == "gén"
    tf = parse_gift("[markdown]Q{F#*no*#**yes**####_all_}").questions[0]
    assert (tf.feedback_wrong, tf.feedback_right, tf.explanation) == ("*no*", "**yes**", "_all_")


def test_short_answers_and_matching_right_sides_are_plain_text():
    # In HTML the accepted answer is the words it shows: tags and entities cannot be typed.
    short = parse_gift("[html]Q{=<p>VNeID</p> =%50%Căn c&\\#432;&\\#7899;c}").questions[0]  # "#" escaped in GIFT
    assert [(a["text"], a["fraction"]) for a in short.answers] == [("VNeID", 1.0), ("Căn cước", 0.5)]
    assert [a["text"] for a in parse_gift("Q{=l&agrave; =a&nbsp;b}").questions[0].answers] == ["là", "a b"]
    # [plain] and [markdown]: kept as written, as Moodle keeps them.
    assert [a["text"] for a in parse_gift("[markdown]Q{=**x** =a_b_}").questions[0].answers] == ["**x**", "a_b_"]
    assert [a["text"] for a in parse_gift("[html]Q{=[plain]<b>}").questions[0].answers] == ["<b>"]
    # Moodle reads a matching right side with no format at all: a plain string, as written.
    match = parse_gift("[html]Q{=<b>a</b> -> A & B =c -> 2 * 3 < 7}").questions[0]
    assert match.pairs == [{"left": "**a**", "right": "A & B"}, {"left": "c", "right": "2 * 3 < 7"}]


def test_true_false_words_are_case_sensitive_as_in_moodle():
    assert parse_gift("Q{TRUE}").questions[0].type == "truefalse"
    lower = parse_gift("Q{true}").questions[0]  # Moodle: in_array(..., ['T', 'TRUE', 'F', 'FALSE'])
    assert (lower.type, lower.answers) == ("short", [{"text": "true", "fraction": 1.0, "feedback": None}])


def test_unknown_bracket_is_text_not_a_marker():
    assert parse_gift("[note] Q{=a ~b}").questions[0].text == "\\[note\\] Q"


# What a learner sees of a text stored from plain text: exactly that text.
_PLAIN_PIECES = st.sampled_from(list("ab _*#>-+=.1\\`[]()!<&;:~{}|\n\t") + [
    "&amp;", "&lt;", "1. ", "---", "* ", "<b>", "http://x", "đ", "    ", "_____", "\n\n"])


def _visible(markup) -> str:
    return re.sub(r"\s+", " ", html.unescape(nh3.clean(str(markup), tags=set()))).strip()


@settings(max_examples=500, deadline=None)
@given(st.lists(_PLAIN_PIECES, max_size=25).map("".join))
def test_plain_text_renders_as_typed_and_unescapes_back(text):
    stored = plain_to_markdown(text)
    assert unescape_markdown(stored) == text
    assert _visible(render_text(stored)) == re.sub(r"\s+", " ", text).strip()


def test_html_conversion_escapes_only_what_markdown_would_act_on():
    assert html_to_markdown("Covid-19: 2 * 3 = 6, snake_case, a < b & c") == "Covid-19: 2 * 3 = 6, snake_case, a < b & c"
    assert html_to_markdown("<p>= 2 + 2</p>") == "= 2 + 2"  # "\\=" would be shown: not a Markdown escape
    assert html_to_markdown("<em>a</em><em>b</em>") == "*ab*"
    assert html_to_markdown("<strong>a<b>b</b></strong>") == "**ab**"
    assert html_to_markdown("a<strong>&nbsp;b</strong>") == "a **b**"


def test_scripts_and_styles_are_dropped_and_an_embedded_frame_becomes_a_link():
    """Moodle's HTML cleaner removes scripts and styles with their content; a YouTube frame
    pasted into a Moodle question cannot play on our page, so its address is kept as a link.
    Nothing of it is shown to learners as literal markup."""
    bank = parse_gift('::x::[html]<p>Chọn <script>alert("x")</script>đáp án<style>p\\{color\\:red\\}</style></p>'
                      '<iframe src\\="https\\://www.youtube.com/embed/abc" width\\="560"></iframe>'
                      '{=<p>Có<script>alert(1)</script></p> ~Không}')
    q = bank.questions[0]
    assert bank.issues == []
    assert q.text.startswith("Chọn đáp án") and q.text.endswith("<https://www.youtube.com/embed/abc>")
    assert "script" not in q.text and "alert" not in q.text and "color" not in q.text
    assert [c.text for c in q.choices] == ["Có", "Không"]


def test_a_right_to_left_override_in_a_question_does_not_reverse_what_learners_read():
    from lms.quizzes.text import render_text

    assert str(render_text("Chọn \u202eđáp án\u202c đúng")) == "<p>Chọn đáp án đúng</p>"
