"""Issue 15, fault 2: which feedback an answer gets (pure rules, no database), and how the
paper is cut into the scenarios that descriptions introduce."""

from types import SimpleNamespace

from lms.quizzes.formats.gift import parse_gift
from lms.quizzes.types import feedback_for
from lms.quizzes.views import paper_sections


def data_of(gift: str):
    bank = parse_gift(gift)
    assert bank.issues == []
    q = bank.questions[0]
    return q.type, q.to_data()


def test_choice_feedback_is_the_chosen_options_own():
    kind, data = data_of("Q{=Đúng#Chính xác. ~Sai một#Chưa đúng. ~Sai hai#&nbsp; ####Giải thích chung}")
    assert feedback_for(kind, data, [0]) == ["Chính xác."]
    assert feedback_for(kind, data, [1]) == ["Chưa đúng."]
    assert feedback_for(kind, data, [2]) == []  # the blank "&nbsp;" feedback
    assert feedback_for(kind, data, []) == [] and feedback_for(kind, data, None) == []


def test_multiple_answers_get_each_chosen_options_feedback_in_written_order():
    kind, data = data_of("Q{~%50%a#A tốt ~%50%b#B tốt ~%-100%c#C sai}")
    assert feedback_for(kind, data, [2, 0]) == ["A tốt", "C sai"]
    assert feedback_for(kind, data, [7, "x"]) == []  # indices that are not options


def test_true_false_feedback_is_for_a_right_or_a_wrong_answer():
    kind, data = data_of("Q{TRUE#Sai rồi.#Đúng rồi.}")  # Moodle: #wrong#right
    assert feedback_for(kind, data, [0]) == ["Đúng rồi."]  # "Đúng" chosen, TRUE is right
    assert feedback_for(kind, data, [1]) == ["Sai rồi."]
    kind, data = data_of("Q{F#Sai rồi.#Đúng rồi.}")
    assert feedback_for(kind, data, [1]) == ["Đúng rồi."]
    assert feedback_for(kind, data, [0]) == ["Sai rồi."]


def test_numeric_feedback_is_the_matching_answers_else_the_catch_all():
    kind, data = data_of("Q{#=1822:0#Chính xác =%50%1822:2#Gần đúng ~#Sai xa}")
    assert feedback_for(kind, data, "1822") == ["Chính xác"]
    assert feedback_for(kind, data, "1823,5") == ["Gần đúng"]
    assert feedback_for(kind, data, "1900") == ["Sai xa"]
    assert feedback_for(kind, data, "") == []


def test_short_answer_feedback_is_the_best_accepted_answers_including_a_wildcard():
    kind, data = data_of("Q{=Frog#Good! =%50%Cat#Cats? =%0%*#Completely wrong}")
    assert feedback_for(kind, data, "frog") == ["Good!"]
    assert feedback_for(kind, data, "Cat") == ["Cats?"]
    assert feedback_for(kind, data, "dog") == ["Completely wrong"]
    assert feedback_for(kind, data, "   ") == []


def test_types_without_written_feedback_give_none():
    kind, data = data_of("Q{=a -> 1 =b -> 2}")
    assert feedback_for(kind, data, ["1", "2"]) == []
    assert feedback_for("description", {}, ["x"]) == [] and feedback_for("unknown", {}, ["x"]) == []


def item(kind: str, n: int | None):
    return SimpleNamespace(number=n, version=SimpleNamespace(type=kind))


def test_descriptions_introduce_the_questions_after_them_until_the_next():
    paper = [item("single", 1), item("description", None), item("single", 2), item("numeric", 3),
             item("description", None), item("description", None), item("short", 4)]
    sections = paper_sections(paper)
    assert [(s.intro is not None, [q.number for q in s.questions]) for s in sections] == [
        (False, [1]), (True, [2, 3]), (True, []), (True, [4])]
    assert sections[1].intro is paper[1]
    assert paper_sections([]) == []
