"""Contest ranking rules: examples and properties (hypothesis)."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lms.contests.ranking import Entry, rank_participants, rank_units, score_key

T0 = datetime(2026, 11, 24, 9)


def entry(pid, score, seconds=600, minute=0, prediction=None):
    return Entry(pid, score, seconds, T0 + timedelta(minutes=minute), prediction)


def test_score_then_prediction_then_time_then_submission():
    ranked = rank_participants([
        entry(1, 80, prediction=40),
        entry(2, 90, prediction=10),
        entry(3, 80, prediction=52),   # closer to 50 than participant 1
        entry(4, 80, prediction=52, seconds=500),  # same distance, faster
        entry(5, 80, prediction=48, seconds=500, minute=-5),  # same distance and time, earlier
    ], true_count=50)
    assert [(r.rank, r.entry.participant_id) for r in ranked] == [(1, 2), (2, 5), (3, 4), (4, 3), (5, 1)]


def test_remaining_ties_share_a_rank():
    ranked = rank_participants([entry(1, 70), entry(2, 70), entry(3, 60)])
    assert [(r.rank, r.tied) for r in ranked] == [(1, True), (1, True), (3, False)]


def test_missing_prediction_ranks_after_given_ones():
    ranked = rank_participants([entry(1, 90), entry(2, 90, prediction=1000)], true_count=5)
    assert [r.entry.participant_id for r in ranked] == [2, 1]


entries = st.lists(st.builds(
    Entry, st.integers(1, 10_000), st.floats(0, 100, allow_nan=False), st.floats(0, 3600, allow_nan=False),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)),
    st.one_of(st.none(), st.integers(0, 5000))), max_size=60, unique_by=lambda e: e.participant_id)


@given(entries, st.one_of(st.none(), st.integers(0, 5000)))
def test_ranking_properties(items, true_count):
    ranked = rank_participants(items, true_count)
    assert sorted(r.entry.participant_id for r in ranked) == sorted(e.participant_id for e in items)
    for a, b in zip(ranked, ranked[1:], strict=False):
        # the score, to the 0.01 the board shows, never increases down the table
        assert score_key(a.entry.score) <= score_key(b.entry.score)
        assert a.rank <= b.rank
    # ranks are 1 + the number of participants strictly ahead
    for r in ranked:
        assert r.rank == 1 + sum(1 for other in ranked if other.rank < r.rank)


@given(entries)
def test_ranking_does_not_depend_on_input_order(items):
    forward = [(r.rank, r.entry.participant_id) for r in rank_participants(items)]
    backward = [(r.rank, r.entry.participant_id) for r in rank_participants(list(reversed(items)))]
    assert forward == backward


def test_units_count_their_whole_subtree():
    paths = {1: "/1/", 2: "/1/2/", 3: "/1/2/3/", 4: "/1/4/", 5: "/1/4/5/"}
    headcounts = {2: 10, 4: 4}
    scores = {3: [80, 90, 70], 2: [60], 5: [100, 100]}
    ranked = rank_units(paths, headcounts, scores, level_ids=[2, 4])
    assert [(rank, r.org_id, r.participants, r.participation_rate, r.average_score) for rank, r in ranked] == [
        (1, 4, 2, 0.5, 100.0), (2, 2, 4, 0.4, 75.0)]


def test_final_score_combines_rounds_with_weights():
    from lms.contests.ranking import combine_rounds

    scores = {1: {10: 80.0, 20: 60.0}, 2: {10: 100.0}, 3: {}}
    assert combine_rounds(scores, {10: 1.0, 20: 3.0}) == {1: 65.0, 2: 25.0, 3: 0.0}
    assert combine_rounds(scores, {10: 0.0}) == {1: 0.0, 2: 0.0, 3: 0.0}


@given(st.dictionaries(st.integers(1, 50), st.dictionaries(st.integers(1, 4), st.floats(0, 100, allow_nan=False))),
       st.dictionaries(st.integers(1, 4), st.floats(0.1, 10, allow_nan=False), min_size=1))
def test_final_score_stays_on_the_round_scale(scores, weights):
    from lms.contests.ranking import combine_rounds

    for value in combine_rounds(scores, weights).values():
        assert -1e-6 <= value <= 100 + 1e-6
