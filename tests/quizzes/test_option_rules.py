"""Pure rules of issue 15: option identity across versions (fault 7), options pinned in
place (fault 9), descriptions kept with their questions on the paper (fault 3)."""

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.quizzes.rules import (
    Candidate,
    auto_pin,
    carry_response,
    choice_index_map,
    draw_items,
    match_choice_ids,
    option_order,
    paper_blocks,
    pinned_positions,
)

# --- option identity ------------------------------------------------------------------


def olds(*texts):
    return [(f"c{i}", t) for i, t in enumerate(texts, 1)]


def test_a_new_question_numbers_its_options_in_written_order():
    assert match_choice_ids([], ["VNeID", "Zalo", "Facebook"]) == ["c1", "c2", "c3"]


def test_reordered_options_keep_their_ids():
    # The regrade fixture: v1 {=Zalo ~VNeID ~Facebook}, v2 {=VNeID ~Zalo ~Facebook}.
    assert match_choice_ids(olds("Zalo", "VNeID", "Facebook"), ["VNeID", "Zalo", "Facebook"]) == ["c2", "c1", "c3"]


def test_case_accents_and_spacing_do_not_change_an_option():
    old = olds("Đặt mật khẩu mạnh", "Không bấm link lạ")
    assert match_choice_ids(old, ["khong bam  link la", "ĐẶT MẬT KHẨU MẠNH"]) == ["c2", "c1"]


def test_nfd_text_is_the_same_option():
    import unicodedata

    old = olds("Chính phủ điện tử", "Ngân hàng")
    assert match_choice_ids(old, ["Ngân hàng", unicodedata.normalize("NFD", "Chính phủ điện tử")]) == ["c2", "c1"]


def test_a_corrected_option_keeps_its_id_and_a_new_option_gets_a_fresh_one():
    old = olds("Khong chia se ma OTP", "Đặt mật khẩu mạnh", "Tất cả các đáp án trên")
    new = ["Đặt mật khẩu mạnh", "Không chia sẻ mã OTP cho ai", "Cập nhật ứng dụng", "Tất cả các đáp án trên"]
    assert match_choice_ids(old, new) == ["c2", "c1", "c4", "c3"]


def test_a_different_option_is_not_taken_for_a_corrected_one():
    # "Đúng" and "Không đúng" differ in meaning; their folded texts are under the 0.6 ratio.
    assert match_choice_ids(olds("Đúng", "Sai"), ["Không đúng", "Sai"]) == ["c3", "c2"]


def test_the_most_similar_old_option_wins():
    old = olds("Hà Nội là thủ đô", "Hà Nội là thành phố")
    assert match_choice_ids(old, ["Ha Noi la thanh pho lon"]) == ["c2"]


def test_fresh_ids_follow_the_highest_id_even_with_gaps():
    assert match_choice_ids([("c2", "A"), ("c7", "B")], ["B", "Z", "Y"]) == ["c7", "c8", "c9"]


option_text = st.text(alphabet="aăbcdđeêghiklmnoôơpqrstuưvxy ÀÁẠÃẢ0123456789", min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(option_text, max_size=8), st.lists(option_text, max_size=8))
def test_ids_are_always_unique_one_per_new_option(old_texts, new_texts):
    ids = match_choice_ids(olds(*old_texts), new_texts)
    assert len(ids) == len(new_texts) and len(set(ids)) == len(ids)


@settings(max_examples=300, deadline=None)
@given(st.lists(option_text, max_size=8, unique_by=lambda t: t.strip()), st.randoms(use_true_random=False))
def test_reordering_options_keeps_every_id(texts, rnd):
    old = olds(*texts)
    shuffled = list(old)
    rnd.shuffle(shuffled)
    assert match_choice_ids(old, [t for _, t in shuffled]) == [i for i, _ in shuffled]


@settings(max_examples=300, deadline=None)
@given(st.lists(option_text, max_size=8), st.randoms(use_true_random=False))
def test_a_permutation_of_the_texts_is_a_bijection_onto_the_old_ids(texts, rnd):
    # Repeated texts too: the ids are the old ones, each used once, each on an equal text.
    old = olds(*texts)
    new = list(texts)
    rnd.shuffle(new)
    ids = match_choice_ids(old, new)
    assert sorted(ids) == sorted(i for i, _ in old)
    assert all(dict(old)[i].strip() == t.strip() for i, t in zip(ids, new, strict=True))


def test_choice_index_map_goes_through_ids():
    v1 = {"choices": [{"id": "c1", "text": "Zalo"}, {"id": "c2", "text": "VNeID"}, {"id": "c3", "text": "Facebook"}]}
    v2 = {"choices": [{"id": "c2", "text": "VNeID"}, {"id": "c1", "text": "Zalo"}, {"id": "c4", "text": "Mới"}]}
    assert choice_index_map(v1, v2) == {0: 1, 1: 0}


def test_carrying_responses_across_versions():
    v1 = {"choices": [{"id": "c1", "text": "Zalo", "fraction": 1.0}, {"id": "c2", "text": "VNeID", "fraction": 0.0}]}
    v2 = {"choices": [{"id": "c2", "text": "VNeID", "fraction": 1.0}, {"id": "c1", "text": "Zalo", "fraction": 0.0}]}
    assert carry_response("single", v1, "single", v2, [1]) == (True, [0])
    assert carry_response("single", v1, "multiple", v2, [0]) == (True, [1])
    assert carry_response("single", v1, "single", {"choices": [{"id": "c2", "text": "VNeID"}]}, [0]) == (False, None)
    assert carry_response("single", v1, "short", {"answers": [{"text": "VNeID"}]}, [1]) == (False, None)
    assert carry_response("short", {}, "short", {"answers": []}, "VNeID") == (True, "VNeID")
    assert carry_response("numeric", {}, "short", {}, "6") == (False, None)
    m1 = {"pairs": [{"left": "Hà Nội", "right": "Thủ đô"}, {"left": "Huế", "right": "Cố đô"}]}
    m2 = {"pairs": [{"left": "Huế", "right": "Cố đô"}, {"left": "Hà Nội", "right": "Thủ đô"},
                    {"left": "Đà Nẵng", "right": "Biển"}]}
    assert carry_response("matching", m1, "matching", m2, ["Thủ đô", "Cố đô"]) == (True, ["Cố đô", "Thủ đô", ""])


# --- pinning ----------------------------------------------------------------------------

REFERRING = ["Tất cả các đáp án trên", "Tất cả các đáp án trên\\.", "TẤT CẢ CÁC ĐÁP ÁN TRÊN", "tat ca cac dap an tren",
             "Tất cả đều đúng", "Tất cả", "Cả A và B", "Cả A, B và C đều đúng", "A và B đều đúng", "Đáp án A và C",
             "Cả ba đáp án trên", "Cả hai", "Cả 3 ý trên", "Tất cả các phương án trên đều sai",
             "Không có đáp án nào đúng", "Không đáp án nào đúng", "Không có phương án nào đúng",
             "**Tất cả các đáp án trên**", "All of the above", "none of the above.", "Both A and B",
             "A and B are correct", "All of these", "neither A nor B"]
CONTENT = ["Tất cả học sinh", "Tất cả người dân", "Vitamin A và B", "A và B", "Cả bố và mẹ", "Cả lớp", "Không có",
           "Không ai", "Không có gì", "Không đúng", "Đúng", "Sai", "Hà Nội và Huế đều đúng", "VNeID",
           "Không chia sẻ mã OTP", "All students", "None", "Both parents", "The above", "A"]


@pytest.mark.parametrize("text", REFERRING)
def test_options_that_refer_to_other_options_are_pinned(text):
    assert auto_pin(text)


@pytest.mark.parametrize("text", CONTENT)
def test_options_with_content_of_their_own_are_not_pinned(text):
    assert not auto_pin(text)


def test_pinned_options_keep_their_place_and_the_others_move():
    orders = [option_order(4, (3,), True, random.Random(seed)) for seed in range(200)]
    assert all(o[3] == 3 and sorted(o) == [0, 1, 2, 3] for o in orders)
    assert len({tuple(o) for o in orders}) == 6  # every order of the three others happens
    assert option_order(4, (3,), False, random.Random(1)) == [0, 1, 2, 3]
    data = {"choices": [{"text": "A"}, {"text": "B", "pinned": False}, {"text": "Tất cả các đáp án trên", "pinned": True}]}
    assert pinned_positions(data) == (2,) and pinned_positions({}) == ()


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 8).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(0, max(n - 1, 0)), max_size=n))),
       st.integers(0, 2**32))
def test_option_order_is_a_permutation_that_fixes_the_pinned(shape, seed):
    count, pinned = shape
    pinned = {p for p in pinned if p < count}
    order = option_order(count, tuple(pinned), True, random.Random(seed))
    assert sorted(order) == list(range(count)) and all(order[p] == p for p in pinned)


def test_the_draw_keeps_a_pinned_option_in_place():
    candidates = [Candidate(1, "single", (), 4, (3,)), Candidate(2, "multiple", (), 3, (0,))]
    for seed in range(100):
        items = draw_items(candidates, None, True, True, random.Random(seed))
        by_v = {i["v"]: i["order"] for i in items}
        assert by_v[1][3] == 3 and by_v[2][0] == 0


# --- descriptions on the paper ------------------------------------------------------------


def bank_with_scenarios():
    # q1 q2 | D10 q11 q12 q13 | D20 D21 q22 q23 | essay 30 | D40 (closing note)
    return [Candidate(1, "single", ("a",), 2), Candidate(2, "single", ("a",), 2),
            Candidate(10, "description"), Candidate(11, "single", ("b",), 2), Candidate(12, "short", ("b",)),
            Candidate(13, "single", ("a",), 2),
            Candidate(20, "description"), Candidate(21, "description"), Candidate(22, "truefalse", ("b",), 2),
            Candidate(23, "numeric", ("a",)), Candidate(30, "essay"), Candidate(40, "description")]


def test_a_description_owns_the_questions_after_it_until_the_next_description():
    blocks = paper_blocks(bank_with_scenarios())
    shape = [([d.version_id for d in b.descriptions], [q.version_id for q in b.questions], b.introduces)
             for b in blocks]
    assert shape == [([], [1], True), ([], [2], True), ([10], [11, 12, 13], True), ([20, 21], [22, 23], True),
                     ([40], [], False)]


def test_the_whole_bank_in_order_shows_each_description_before_its_questions():
    items = draw_items(bank_with_scenarios(), None, False, False, random.Random(0))
    assert [i["v"] for i in items] == [1, 2, 10, 11, 12, 13, 20, 21, 22, 23, 40]


def _check_paper(candidates, items, drawn_questions=None):
    """Every description on the paper is directly followed by its run of descriptions and
    then only its own questions; every drawn question whose block has descriptions has them
    just before its block."""
    blocks = paper_blocks(candidates)
    owner = {q.version_id: b for b in blocks for q in b.questions}
    vs = [i["v"] for i in items]
    assert len(vs) == len(set(vs))
    position = 0
    while position < len(vs):
        v = vs[position]
        block = next((b for b in blocks if any(d.version_id == v for d in b.descriptions)), None)
        if block is None:
            position += 1
            continue
        described = [d.version_id for d in block.descriptions]
        assert vs[position:position + len(described)] == described
        position += len(described)
        members = {q.version_id for q in block.questions}
        taken = 0
        while position < len(vs) and vs[position] in members:
            position += 1
            taken += 1
        assert taken == len([q for q in vs if q in members])  # all its drawn questions, together
        assert taken > 0 or not block.introduces
    for q in vs:
        if q in owner and owner[q].descriptions:
            assert owner[q].descriptions[0].version_id in vs
    if drawn_questions is not None:
        assert len([v for v in vs if v in owner]) == drawn_questions


@pytest.mark.parametrize("seed", range(60))
def test_shuffled_and_drawn_papers_keep_descriptions_with_their_questions(seed):
    rng = random.Random(seed)
    candidates = bank_with_scenarios()
    draw = [None, 3, {"a": 2, "b": 1}][seed % 3]
    items = draw_items(candidates, draw, True, True, rng)
    _check_paper(candidates, items, 7 if draw is None else 3)
    vs = [i["v"] for i in items]
    assert 30 not in vs and vs[-1] == 40  # essays are not on the paper; the closing note ends it
    assert all(i["order"] == [] for i in items if i["v"] in (10, 20, 21, 40))


def test_a_description_comes_only_with_a_drawn_question_of_its_own():
    candidates = bank_with_scenarios()
    seen = Counter()
    for seed in range(200):
        vs = [i["v"] for i in draw_items(candidates, 1, True, True, random.Random(seed))]
        question = [v for v in vs if v not in (10, 20, 21, 40)]
        assert len(question) == 1
        expected = {11: [10], 12: [10], 13: [10], 22: [20, 21], 23: [20, 21]}.get(question[0], [])
        assert vs == expected + question + [40]
        seen[question[0]] += 1
    assert set(seen) == {1, 2, 11, 12, 13, 22, 23}


def test_blocks_move_as_a_whole_when_questions_are_shuffled():
    firsts = Counter(draw_items(bank_with_scenarios(), None, True, False, random.Random(s))[0]["v"] for s in range(200))
    assert set(firsts) == {1, 2, 10, 20}  # a block starts the paper with its description, never a question inside it
