"""The leaderboard's rules without a database (issue 17): keys at the precision shown, which key
decided, the freeze, the stages and what each person sees, and what a board writes."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.access.rules import round_results_visible
from lms.contests.ranking import (
    AttemptResult,
    Entry,
    Shown,
    Stage,
    board_shown,
    board_stage,
    deciding_key,
    format_score,
    format_time,
    initials,
    public_name,
    rank_participants,
    rank_scores,
    ranking_key,
    score_decimals,
    score_key,
    shows_unit,
    standing_at,
    time_key,
    unit_label,
)

T0 = datetime(2026, 12, 1, 2, 0, 0)


def entry(pid, score, seconds=300.0, at=T0, prediction=None):
    return Entry(pid, score, seconds, at, prediction)


# --- keys at the precision shown -------------------------------------------------------------


def test_keys_round_the_score_half_up_and_cut_the_time_to_tenths():
    assert score_key(100.0) == -10000 and score_key(75.125) == -7513 and score_key(75.124) == -7512
    assert score_key(0.0) == 0 and score_key(-5.0) == 500
    assert time_key(300.2) == 3002 and time_key(300.29) == 3002 and time_key(300.9) == 3009
    assert time_key(0.3) == 3 and time_key(1.1) == 11  # binary fractions do not lose a tenth


def test_the_issue_example_is_decided_by_the_tenths_shown():
    """100.0 with 300.2 s and 300.9 s (both "5:00" before): ranks 1 and 2, shown "5:00,2" and "5:00,9"."""
    fast, slow = entry(1, 100.0, 300.2), entry(2, 100.0, 300.9)
    ranked = rank_participants([slow, fast])
    assert [(r.rank, r.tied, r.entry.participant_id) for r in ranked] == [(1, False, 1), (2, False, 2)]
    assert deciding_key(fast, slow, None) == "time"
    assert [format_time(time_key(e.seconds_taken), ",") for e in (fast, slow)] == ["5:00,2", "5:00,9"]


def test_differences_the_board_does_not_show_are_ties():
    a = entry(1, 80.001, 300.21, T0.replace(microsecond=100))
    b = entry(2, 80.004, 300.29, T0.replace(microsecond=900_000))  # same 0.01 %, same tenth, same second
    ranked = rank_participants([b, a])
    assert [(r.rank, r.tied) for r in ranked] == [(1, True), (1, True)]
    assert [r.entry.participant_id for r in ranked] == [1, 2]  # listed by exact submission
    assert deciding_key(a, b, None) == "tie"
    ranked = rank_participants([entry(1, 70), entry(2, 70), entry(3, 70, 301), entry(4, 60)])
    assert [(r.rank, r.tied) for r in ranked] == [(1, True), (1, True), (3, False), (4, False)]  # "1, 1, 3, 4"


def test_each_key_decides_in_its_turn():
    base = entry(1, 90.0, 300.0, T0, prediction=50)
    assert deciding_key(base, entry(2, 89.99, 1.0, T0, prediction=50), 50) == "score"
    assert deciding_key(base, entry(2, 90.0, 1.0, T0, prediction=52), 50) == "prediction"
    assert deciding_key(base, entry(2, 90.0, 1.0, T0, prediction=52), None) == "time"  # no true count: no prediction
    assert deciding_key(base, entry(2, 90.0, 1.0, T0, prediction=None), 50) == "prediction"  # missing ranks after
    assert deciding_key(base, entry(2, 90.0, 300.05, T0), None) == "tie"  # same tenth
    assert deciding_key(base, entry(2, 90.0, 300.1, T0), None) == "time"
    assert deciding_key(base, entry(2, 90.0, 300.0, T0 + timedelta(seconds=1)), None) == "submitted"
    assert deciding_key(base, entry(2, 90.0, 300.0, T0 + timedelta(microseconds=999_999)), None) == "tie"


def test_prediction_sits_between_score_and_time_once_the_true_count_is_set():
    close, far = entry(1, 80, 600, prediction=52), entry(2, 80, 100, prediction=70)
    assert [r.entry.participant_id for r in rank_participants([close, far], true_count=50)] == [1, 2]
    assert [r.entry.participant_id for r in rank_participants([close, far])] == [2, 1]


entries = st.lists(st.builds(
    Entry, st.integers(1, 10_000),
    st.one_of(st.sampled_from([100.0, 80.0, 80.001, 80.004, 75.5, 75.49]), st.floats(0, 100, allow_nan=False)),
    st.one_of(st.sampled_from([300.2, 300.21, 300.29, 300.9]), st.floats(0, 3600, allow_nan=False)),
    st.datetimes(min_value=T0, max_value=T0 + timedelta(seconds=3)),
    st.one_of(st.none(), st.integers(0, 60))), max_size=40, unique_by=lambda e: e.participant_id)


@given(entries, st.one_of(st.none(), st.integers(0, 60)))
def test_every_neighbour_pair_is_decided_by_a_key_the_board_shows(items, true_count):
    ranked = rank_participants(items, true_count)
    for upper, lower in zip(ranked, ranked[1:], strict=False):
        decided = deciding_key(upper.entry, lower.entry, true_count)
        assert (decided == "tie") == (upper.rank == lower.rank) == (ranking_key(upper.entry, true_count)
                                                                    == ranking_key(lower.entry, true_count))
        assert upper.rank < lower.rank or (upper.tied and lower.tied)
    for r in ranked:  # "1, 2, 2, 4": the rank is one more than those strictly ahead
        assert r.rank == 1 + sum(1 for o in ranked if ranking_key(o.entry, true_count) < ranking_key(r.entry, true_count))


def test_final_scores_of_several_rounds_compare_to_the_hundredth():
    assert rank_scores({1: 80.004, 2: 80.001, 3: 80.01}) == [(1, False, 3), (2, True, 1), (2, True, 2)]


# --- the freeze -------------------------------------------------------------------------------

FREEZE = datetime(2026, 12, 1, 15, 59)


def attempt(score, minutes_before_freeze, took=600):
    submitted = FREEZE - timedelta(minutes=minutes_before_freeze)
    return AttemptResult(submitted - timedelta(seconds=took), submitted, score)


def test_a_second_attempt_during_the_freeze_hides_the_result_not_the_person():
    """The issue's case: two attempts allowed, best counts; Bình 75 and An 50 before the freeze;
    An submits 90 during it. The frozen board shows Bình 75, An 50 (today: only Bình)."""
    binh = [attempt(75, 30)]
    an = [attempt(50, 20), attempt(90, -5)]
    standings = {"Bình": standing_at(binh, "best", FREEZE), "An": standing_at(an, "best", FREEZE)}
    assert {name: s.percent for name, s in standings.items()} == {"Bình": 75, "An": 50}
    ranked = rank_participants([Entry(i, s.percent, s.seconds_taken, s.submitted_at)
                                for i, s in enumerate(standings.values())])
    assert [(r.rank, list(standings)[r.entry.participant_id]) for r in ranked] == [(1, "Bình"), (2, "An")]
    assert standing_at(an, "best", FREEZE + timedelta(minutes=10)).percent == 90  # after the close: everything


@pytest.mark.parametrize(("counting", "expected"), [("best", 80), ("first", 60), ("last", 70)])
def test_the_counting_policy_applies_to_the_attempts_before_the_freeze(counting, expected):
    tries = [attempt(60, 50), attempt(80, 40), attempt(70, 10), attempt(100, -1)]
    assert standing_at(tries, counting, FREEZE).percent == expected


def test_nobody_appears_who_had_not_submitted_before_the_freeze():
    assert standing_at([attempt(100, -1)], "best", FREEZE) is None
    assert standing_at([], "best", FREEZE) is None
    assert standing_at([attempt(40, 0)], "best", FREEZE) is None  # at the freeze moment is already after


# --- stages -----------------------------------------------------------------------------------

OPENS, CLOSES = datetime(2026, 12, 1, 1), datetime(2026, 12, 1, 16, 59)


def stage(now, **kw):
    return board_stage(now=now, opens_at=OPENS, closes_at=CLOSES, **{"freeze_minutes": 60, **kw})


def test_stages_follow_the_clock_then_the_grading():
    assert stage(OPENS - timedelta(seconds=1)) is Stage.SCHEDULED
    assert stage(OPENS) is Stage.OPEN
    assert stage(CLOSES - timedelta(minutes=61)) is Stage.OPEN
    assert stage(CLOSES - timedelta(minutes=60)) is Stage.FROZEN
    assert stage(CLOSES - timedelta(minutes=60), freeze_minutes=0) is Stage.OPEN
    assert stage(CLOSES) is Stage.CLOSED_GRADING  # within the grace, answers may still arrive
    assert stage(CLOSES + timedelta(seconds=21)) is Stage.CLOSED_FINAL
    assert stage(CLOSES + timedelta(hours=2), pending=True) is Stage.CLOSED_GRADING  # ungraded, true count unset
    assert stage(CLOSES + timedelta(hours=2), published=True) is Stage.PUBLISHED


@pytest.mark.parametrize("hide", [False, True])
def test_what_the_public_and_organisers_see_at_each_stage(hide):
    public = {s: board_shown(s, organiser=False, hide_until_close=hide) for s in Stage}
    assert public == {Stage.SCHEDULED: Shown.HIDDEN if hide else Shown.LIVE,
                      Stage.OPEN: Shown.HIDDEN if hide else Shown.LIVE,
                      Stage.FROZEN: Shown.HIDDEN if hide else Shown.AT_FREEZE,
                      Stage.CLOSED_GRADING: Shown.LIVE,  # the freeze lifts at the close
                      Stage.CLOSED_FINAL: Shown.LIVE, Stage.PUBLISHED: Shown.LIVE}
    assert {board_shown(s, organiser=True, hide_until_close=hide) for s in Stage} == {Shown.LIVE}


@given(st.datetimes(min_value=OPENS - timedelta(hours=1), max_value=CLOSES + timedelta(hours=1)), st.booleans(),
       st.booleans(), st.integers(0, 120))
def test_hidden_exactly_when_the_access_rule_hides_results(now, hide, published, freeze):
    shown = board_shown(stage(now, freeze_minutes=freeze, published=published), organiser=False, hide_until_close=hide)
    visible = round_results_visible(hide_until_close=hide, closes_at=CLOSES, now=now, published=published)
    assert (shown is Shown.HIDDEN) == (not visible)


# --- what a board writes --------------------------------------------------------------------------


def test_initials_keep_the_given_name():
    assert initials("Nguyễn Văn An") == "N. V. An"
    assert initials("  lê thị thu   Hà ") == "L. T. T. Hà"
    assert initials("Đặng Ánh") == "Đ. Ánh" and initials("Mai") == "Mai" and initials("") == ""


def test_public_names_and_units_follow_the_contest_setting():
    assert public_name("Nguyễn Văn An", "name_and_unit") == "Nguyễn Văn An"
    assert public_name("Nguyễn Văn An", "name") == "Nguyễn Văn An"
    assert public_name("Nguyễn Văn An", "initials_and_unit") == "N. V. An"
    assert [shows_unit(c) for c in ("name_and_unit", "name", "initials_and_unit")] == [True, False, True]
    assert unit_label("THPT CVA", "Trường THPT Chu Văn An", "x", "y") == "THPT CVA"
    assert unit_label(None, "Trường THPT Chu Văn An", "x", "y") == "Trường THPT Chu Văn An"
    assert unit_label(None, None, " ", "THCS Lê Lợi") == "THCS Lê Lợi" and unit_label(None, None, None, None) is None


def test_scores_show_as_many_decimals_as_decide():
    assert score_decimals([-10000, -9000, -7550]) == 1
    assert score_decimals([-7550, -7549]) == 2  # both would read 75.5
    assert score_decimals([-7550, -7550, -7540]) == 1  # equal scores need no more
    assert score_decimals([]) == 1
    assert format_score(-7550, 1, ",") == "75,5" and format_score(-7549, 2, ",") == "75,49"
    assert format_score(-7545, 1) == "75.5" and format_score(500, 1) == "-5.0" and format_score(-10000, 2) == "100.00"


def test_times_show_tenths_with_the_locale_decimal_symbol():
    assert format_time(3002, ",") == "5:00,2" and format_time(0) == "0:00.0"
    assert format_time(36000 + 600 * 2 + 34, ",") == "1:02:03,4"


def test_the_worked_example_of_the_docs():
    """docs/contests.md, "Ranking": An, Bình, Chi at 100 %, Dũng at 99.99 %."""
    an, binh = entry(1, 100.0, 300.2), entry(2, 100.0, 300.9)
    chi, dung = entry(3, 100.0, 300.94, T0 + timedelta(seconds=1)), entry(4, 99.99, 120.0)
    ranked = rank_participants([dung, chi, binh, an])
    assert [(r.rank, r.entry.participant_id) for r in ranked] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert [deciding_key(a.entry, b.entry, None) for a, b in zip(ranked, ranked[1:], strict=False)] == [
        "time", "submitted", "score"]
    same_second = entry(3, 100.0, 300.94)
    assert [(r.rank, r.tied) for r in rank_participants([dung, same_second, binh, an])] == [
        (1, False), (2, True), (2, True), (4, False)]
