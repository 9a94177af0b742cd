"""The integrity report's rules (lms.contests.integrity), without a database: what is flagged,
what is not, and that no everyday honest pattern is (issue 17, fairness controls)."""

from hypothesis import given
from hypothesis import strategies as st

from lms.contests import integrity
from lms.contests.integrity import AttemptFacts, SimilarPair

RIGHT, WRONG = True, False


def test_focus_losses_are_flagged_from_three():
    assert [integrity.focus_flag(n) for n in (0, 1, 2, 3, 40)] == [False, False, False, True, True]


def test_any_device_move_is_flagged():
    assert not integrity.takeover_flag(0) and integrity.takeover_flag(1) and integrity.takeover_flag(3)


def test_the_median_needs_five_submitted_attempts():
    assert integrity.median_seconds([60, 70, 80, 90]) is None
    assert integrity.median_seconds([600, 60, 700, 650, 620]) == 620


def test_a_full_score_in_under_a_quarter_of_the_median_time_is_flagged():
    median = 800.0
    assert integrity.fast_full_score(100, 199, median)
    assert not integrity.fast_full_score(100, 200, median)  # a quarter exactly: not under it
    assert not integrity.fast_full_score(95, 60, median)  # fast but not full: nothing to wonder about
    assert not integrity.fast_full_score(100, 60, None)  # too few attempts to know what is usual
    assert not integrity.fast_full_score(None, 60, median)  # still open


def test_answering_faster_than_reading_is_flagged_but_reading_first_is_not():
    # 20 questions of 50 words: 1,000 words take two minutes at 500 words a minute.
    reading = integrity.reading_seconds(1000)
    assert reading == 120
    assert integrity.read_too_fast(45, reading)
    # Reading the whole paper for three minutes, then clicking every answer in 30 seconds:
    # measured from the start, the last first answer comes after 210 s, slower than reading.
    assert not integrity.read_too_fast(210, reading)
    assert not integrity.read_too_fast(None, reading)  # nothing answered
    # A two-question paper of a few words: too little reading to judge.
    assert not integrity.read_too_fast(3, integrity.reading_seconds(30))


def answers(*given):
    """An attempt's answers: question number -> (response, right)."""
    return {v: (response, right) for v, (response, right) in enumerate(given, start=1)}


def test_everyone_right_is_never_paired():
    full = answers(*[("[0]", RIGHT)] * 10)
    table = {a: full for a in range(1, 8)}
    assert integrity.similar_pairs(table, {a: a for a in table}) == []


def test_three_identical_uncommon_wrong_answers_pair_two_participants():
    table = {
        1: answers(("[0]", RIGHT), ("[2]", WRONG), ("[3]", WRONG), ("[1]", WRONG), ("[0]", RIGHT)),
        2: answers(("[0]", RIGHT), ("[2]", WRONG), ("[3]", WRONG), ("[1]", WRONG), ("[2]", WRONG)),
        3: answers(("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT)),
        4: answers(("[1]", WRONG), ("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT)),
    }
    [pair] = integrity.similar_pairs(table, {a: a for a in table})
    assert pair == SimilarPair(1, 2, shared_wrong=3, identical=4, common=5)


def test_two_identical_wrong_answers_are_bad_luck_not_a_flag():
    table = {1: answers(("[2]", WRONG), ("[3]", WRONG), ("[0]", RIGHT)),
             2: answers(("[2]", WRONG), ("[3]", WRONG), ("[1]", WRONG))}
    assert integrity.similar_pairs(table, {1: 1, 2: 2}) == []


def test_a_popular_misconception_is_not_evidence():
    # Thirty people; twenty of them give the same three wrong answers (a misconception taught
    # widely): 20 > max(3, 20% of 30 = 6), so these shared answers are not counted.
    common = answers(("[1]", WRONG), ("[1]", WRONG), ("[1]", WRONG))
    other = answers(("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT))
    table = {a: common if a <= 20 else other for a in range(1, 31)}
    assert integrity.similar_pairs(table, {a: a for a in table}) == []
    assert integrity.uncommon_limit(30) == 6 and integrity.uncommon_limit(10) == 3
    assert integrity.uncommon_limit(100_000) == integrity.UNCOMMON_MAX


def test_two_attempts_of_one_participant_are_not_paired():
    same = answers(("[2]", WRONG), ("[3]", WRONG), ("[1]", WRONG))
    assert integrity.similar_pairs({1: same, 2: same}, {1: 7, 2: 7}) == []
    assert len(integrity.similar_pairs({1: same, 2: same}, {1: 7, 2: 8})) == 1


def test_three_people_copying_in_a_small_contest_form_one_group():
    copied = answers(("[2]", WRONG), ("[3]", WRONG), ("[1]", WRONG), ("[0]", RIGHT))
    honest = answers(("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT), ("[0]", RIGHT))
    table = {1: copied, 2: copied, 3: copied, **{a: honest for a in range(4, 12)}}
    pairs = integrity.similar_pairs(table, {a: a for a in table})
    assert [(p.first, p.second) for p in pairs] == [(1, 2), (1, 3), (2, 3)]
    assert integrity.similar_groups(pairs) == [[1, 2, 3]]


def test_groups_join_chains_of_pairs_largest_first():
    pairs = [SimilarPair(5, 9, 3, 3, 3), SimilarPair(1, 2, 4, 4, 4), SimilarPair(2, 7, 3, 3, 3)]
    assert integrity.similar_groups(pairs) == [[1, 2, 7], [5, 9]]
    assert integrity.similar_groups([]) == []


@given(st.dictionaries(st.integers(1, 40), st.dictionaries(st.integers(1, 6), st.tuples(
    st.sampled_from(["[0]", "[1]", "[2]", "[3]"]), st.booleans()), max_size=6), max_size=40))
def test_pairs_always_meet_the_minimum_and_never_count_right_answers(table):
    owners = {a: a % 7 for a in table}
    for pair in integrity.similar_pairs(table, owners):
        assert pair.first < pair.second and owners[pair.first] != owners[pair.second]
        wrong_same = sum(1 for v, (response, right) in table[pair.first].items()
                         if not right and table[pair.second].get(v) == (response, right))
        assert integrity.SHARED_WRONG_MIN <= pair.shared_wrong <= wrong_same <= pair.identical <= pair.common


def test_flags_of_one_attempt_in_a_fixed_order():
    facts = AttemptFacts(attempt_id=4, participant=1, percent=100, seconds=60, focus_losses=5, takeovers=1,
                         answered_in=30, reading=90)
    assert integrity.flags_of(facts, median=900, similar={4}) == list(integrity.FLAGS)
    honest = AttemptFacts(attempt_id=5, participant=2, percent=100, seconds=700, focus_losses=1, answered_in=400,
                          reading=90)
    assert integrity.flags_of(honest, median=900, similar={4}) == []


def test_scores_show_during_the_round_only_with_one_attempt():
    assert integrity.scores_shown_live(False, 1)
    assert not integrity.scores_shown_live(False, 2)  # each retry's score would tell the key
    assert not integrity.scores_shown_live(True, 1)
