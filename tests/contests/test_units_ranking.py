"""The collective ranking's pure rules (issue 17, fault 4): participation rates compared exactly
and shown with enough decimals to see the order, averages compared as shown, and the moment a
contest's headcounts are fixed."""

from datetime import datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from lms.contests.ranking import (
    MOST_RATE_DECIMALS,
    average_hundredths,
    headcounts_fixed_at,
    rank_units,
    rate_decimals,
    rate_text,
)


def test_the_issue_s_rates_2_of_1500_and_1_of_1700_show_apart_and_in_order():
    """Both showed "0%" and the order of the two units looked arbitrary."""
    paths = {1: "/1/", 2: "/2/"}
    ranked = rank_units(paths, {1: 1500, 2: 1700}, {1: [40.0, 60.0], 2: [90.0]}, [1, 2])
    assert [(rank, r.org_id, r.participants, r.headcount, r.rate) for rank, r in ranked] == [
        (1, 1, 2, 1500, Fraction(2, 1500)), (2, 2, 1, 1700, Fraction(1, 1700))]
    decimals = rate_decimals(r.rate for _, r in ranked)
    assert decimals == 2
    assert [rate_text(r.rate, decimals) for _, r in ranked] == ["0.13%", "0.06%"]
    assert rate_text(Fraction(2, 1500), 0) == rate_text(Fraction(1, 1700), 0) == "0%"  # what the page showed


def test_rates_are_compared_exactly_not_as_floats():
    """1 of 10^17 is more than 2 of 2·10^17 + 1, though both are the same float: ranked as
    floats, the rates would tie and the unit with more participants would come first."""
    b = 10 ** 17
    assert float(Fraction(1, b)) == float(Fraction(2, 2 * b + 1))
    paths = {1: "/1/", 2: "/2/"}
    ranked = rank_units(paths, {1: b, 2: 2 * b + 1}, {1: [50.0], 2: [50.0, 50.0]}, [1, 2])
    assert [(rank, r.org_id) for rank, r in ranked] == [(1, 1), (2, 2)]
    assert rate_decimals(r.rate for _, r in ranked) == MOST_RATE_DECIMALS  # as far as the page goes
    equal = rank_units(paths, {1: 1500, 2: 1500}, {1: [50.0, 70.0], 2: [60.0, 60.0]}, [1, 2])
    assert [rank for rank, _ in equal] == [1, 1]  # same rate, average and count: a tie, shown as one


def test_the_average_is_compared_at_the_two_decimals_shown():
    paths = {1: "/1/", 2: "/2/"}
    ranked = rank_units(paths, {1: 10, 2: 10}, {1: [75.004], 2: [74.996]}, [1, 2])
    assert [(rank, r.average_score) for rank, r in ranked] == [(1, 75.0), (1, 75.0)]  # both shown "75.00"
    assert average_hundredths([62.005]) == 62.01  # half up on the decimal typed, not on its binary float
    assert average_hundredths([66.67, 66.66, 66.66]) == 66.66
    assert average_hundredths([]) is None


def test_decimals_are_the_fewest_that_tell_rates_apart_and_never_hide_a_participant():
    assert rate_decimals([]) == 0
    assert rate_decimals([Fraction(1, 2), Fraction(1, 4), None]) == 0  # 50% and 25%
    assert rate_decimals([Fraction(1, 3), Fraction(1, 3)]) == 0  # equal rates need no decimal
    assert rate_decimals([Fraction(0), Fraction(1, 2)]) == 0  # a true 0% is "0%"
    assert rate_decimals([Fraction(1, 2), Fraction(1, 100000)]) == 3  # 1 of 100,000 is not "0%"
    assert rate_text(Fraction(1, 100000), 3) == "0.001%"
    assert rate_text(Fraction(3, 2), 0) == "150%"  # more participants than the headcount
    assert rate_text(None, 2) == "—"
    assert rate_text(Fraction(1, 8), 1) == "12.5%" and rate_text(Fraction(1, 800), 2) == "0.13%"  # half up


rates = st.lists(st.builds(lambda n, extra: Fraction(n, n + extra), st.integers(0, 3000), st.integers(1, 3000)),
                 max_size=12)


@given(rates)
def test_the_rates_shown_keep_the_order_and_differ_whenever_they_can(values):
    decimals = rate_decimals(values)
    assert 0 <= decimals <= MOST_RATE_DECIMALS
    shown = {r: float(rate_text(r, decimals).rstrip("%")) for r in values}
    ordered = sorted(set(values))
    assert [shown[r] for r in ordered] == sorted(shown[r] for r in ordered)  # never out of order
    if decimals < MOST_RATE_DECIMALS:
        assert len({shown[r] for r in ordered}) == len(ordered)  # different rates show differently
        assert all(shown[r] > 0 for r in ordered if r > 0)
    if decimals > 0:  # and one decimal fewer would not do
        fewer = {rate_text(r, decimals - 1) for r in ordered}
        assert len(fewer) < len(ordered) or any(rate_text(r, decimals - 1) in ("0%", "0.0%", "0.00%", "0.000%")
                                                for r in ordered if r > 0)


def test_headcounts_are_fixed_when_the_first_round_opens():
    now = datetime(2026, 12, 1, 12, 0)
    first, second = now - timedelta(days=2), now - timedelta(days=1)
    assert headcounts_fixed_at([second, first], now) == first
    assert headcounts_fixed_at([now], now) == now
    assert headcounts_fixed_at([now + timedelta(minutes=1)], now) is None  # not open yet: current headcounts
    assert headcounts_fixed_at([], now) is None
