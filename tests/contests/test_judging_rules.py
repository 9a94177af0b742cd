"""Judge assignment and rubric scoring rules, checked without a database."""

from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.contests.judging_rules import (
    RECHECK_SPREAD,
    AssignmentInfeasible,
    InvalidPoints,
    assign_judges,
    conflicted,
    entry_score,
    needs_recheck,
    score_spread,
    weighted_score,
)

SCOPE = "/1/"
# A province (/1/) with schools /1/2/, /1/3/, /1/4/ and their classes; /9/ is another province.
UNITS = ["/1/", "/1/2/", "/1/2/21/", "/1/3/", "/1/3/31/", "/1/4/", None, "/9/"]


def test_conflict_rule():
    assert conflicted("/1/2/", "/1/2/", SCOPE)  # same school
    assert conflicted("/1/2/", "/1/2/21/", SCOPE)  # the school contains the pupil's class
    assert conflicted("/1/2/21/", "/1/2/", SCOPE)
    assert not conflicted("/1/3/", "/1/2/21/", SCOPE)  # another school
    assert not conflicted("/1/", "/1/2/21/", SCOPE)  # the province running the contest
    assert not conflicted("/", "/1/2/", "/1/")  # above the scope root
    assert not conflicted(None, "/1/2/", SCOPE) and not conflicted("/1/2/", None, SCOPE)
    assert conflicted("/1/", "/1/2/", None)  # a public contest has no neutral root
    assert not conflicted("/1/2/", "/1/22/", SCOPE)  # prefixes are whole path segments


@st.composite
def problems(draw, conflict_free=False):
    units = ["/1/"] if conflict_free else UNITS
    judges = draw(st.lists(st.sampled_from(units), min_size=1, max_size=8))
    entries = draw(st.lists(st.sampled_from(UNITS), min_size=0, max_size=25))
    per_entry = draw(st.integers(min_value=1, max_value=4))
    seed = draw(st.integers(min_value=0, max_value=2**32))
    return ([(100 + i, p) for i, p in enumerate(entries)], [(i + 1, p) for i, p in enumerate(judges)], per_entry, seed)


def _eligible(entry_path, judges):
    return [j for j, p in judges if not conflicted(p, entry_path, SCOPE)]


@settings(max_examples=300, deadline=None)
@given(problems())
def test_every_entry_gets_exactly_n_distinct_unconflicted_judges_or_a_clear_error(problem):
    entries, judges, per_entry, seed = problem
    paths = dict(judges)
    feasible = all(len(_eligible(p, judges)) >= per_entry for _, p in entries)
    if not feasible:
        with pytest.raises(AssignmentInfeasible) as info:
            assign_judges(entries, judges, per_entry, SCOPE, Random(seed))
        assert len(_eligible(dict(entries)[info.value.entry_id], judges)) < per_entry
        assert str(info.value.entry_id) in str(info.value)
        return
    result = assign_judges(entries, judges, per_entry, SCOPE, Random(seed))
    assert set(result) == {e for e, _ in entries}
    for entry_id, entry_path in entries:
        chosen = result[entry_id]
        assert len(chosen) == per_entry == len(set(chosen))
        assert all(not conflicted(paths[j], entry_path, SCOPE) for j in chosen)


@settings(max_examples=300, deadline=None)
@given(problems(conflict_free=True))
def test_load_is_balanced_within_one_when_nobody_is_conflicted(problem):
    entries, judges, per_entry, seed = problem
    if per_entry > len(judges):
        return
    result = assign_judges(entries, judges, per_entry, SCOPE, Random(seed))
    load = {j: 0 for j, _ in judges}
    for chosen in result.values():
        for j in chosen:
            load[j] += 1
    assert max(load.values()) - min(load.values()) <= 1


@settings(max_examples=200, deadline=None)
@given(problems(conflict_free=True), st.integers(min_value=0, max_value=10))
def test_incremental_assignment_keeps_existing_and_stays_balanced(problem, late):
    entries, judges, per_entry, seed = problem
    if per_entry > len(judges):
        return
    first = assign_judges(entries, judges, per_entry, SCOPE, Random(seed))
    more = entries + [(1000 + i, "/1/3/") for i in range(late)]
    second = assign_judges(more, judges, per_entry, SCOPE, Random(seed + 1), existing=first)
    for entry_id, chosen in first.items():
        assert second[entry_id] == chosen
    load = {j: 0 for j, _ in judges}
    for chosen in second.values():
        for j in chosen:
            load[j] += 1
    assert max(load.values()) - min(load.values()) <= 1


def test_raising_judges_per_entry_tops_up_without_moving_anyone():
    judges = [(1, "/1/3/"), (2, "/1/4/"), (3, "/1/"), (4, "/1/2/")]
    entries = [(10, "/1/2/21/"), (11, "/1/3/31/")]
    first = assign_judges(entries, judges, 1, SCOPE, Random(1))
    second = assign_judges(entries, judges, 2, SCOPE, Random(2), existing=first)
    for entry_id in first:
        assert second[entry_id][:1] == first[entry_id] and len(set(second[entry_id])) == 2
    assert 4 not in second[10]


def test_exclusions_and_infeasible_message():
    judges = [(1, None), (2, "/1/2/")]
    with pytest.raises(AssignmentInfeasible, match="entry 7 "):
        assign_judges([(7, "/1/2/21/")], judges, 1, SCOPE, Random(0), exclude={7: {1}})
    assert assign_judges([(7, "/1/3/")], judges, 1, SCOPE, Random(0), exclude={7: {1}}) == {7: [2]}
    with pytest.raises(ValueError):
        assign_judges([(7, "/1/3/")], judges, 0, SCOPE, Random(0))


def test_weighted_score():
    # Content 8/10 weight 2, form 3/5 weight 1: (2*0.8 + 1*0.6) / 3 * 100
    assert weighted_score([(10, 2), (5, 1)], [8, 3]) == pytest.approx(73.3333, abs=1e-3)
    assert weighted_score([(10, 1)], [10]) == 100.0
    assert weighted_score([(10, 1), (4, 0)], [0, 4]) == 0.0  # weight 0 is ignored
    for bad in ([11, 3], [-1, 3], [8]):
        with pytest.raises(InvalidPoints):
            weighted_score([(10, 2), (5, 1)], bad)
    with pytest.raises(InvalidPoints):
        weighted_score([(10, 0)], [5])
    with pytest.raises(InvalidPoints):
        weighted_score([], [])


@given(st.lists(st.tuples(st.floats(0.5, 100), st.floats(0, 10)), min_size=1, max_size=6).filter(
    lambda cs: sum(w for _, w in cs) > 0), st.data())
def test_weighted_score_stays_on_the_0_100_scale(criteria, data):
    points = [data.draw(st.floats(0, m)) for m, _ in criteria]
    assert 0 <= weighted_score(criteria, points) <= 100


def test_entry_score_is_the_mean():
    assert entry_score([]) is None
    assert entry_score([80, 70]) == 75.0
    assert entry_score([100, 0, 50]) == 50.0


def test_non_finite_values_are_invalid_points_naming_the_criterion():
    inf, nan = float("inf"), float("nan")
    for criteria, points, index in (([(10, 1), (inf, 1)], [5, 5], 1), ([(10, inf)], [5], 0),
                                    ([(10, 1), (5, 1)], [nan, 3], 0), ([(10, 1), (5, 1)], [8, inf], 1),
                                    ([(10, 1), (5, 1)], [8, None], 1)):
        with pytest.raises(InvalidPoints) as info:
            weighted_score(criteria, points)
        assert info.value.index == index, (criteria, points)
    with pytest.raises(InvalidPoints) as info:
        weighted_score([(10, 1)], [1, 2])  # the count, not one criterion, is wrong
    assert info.value.index is None


def test_spread_and_recheck_flag():
    assert score_spread([]) is None and score_spread([70]) is None
    assert score_spread([70, 90, 55]) == 35.0
    assert not needs_recheck([70]) and not needs_recheck([])
    assert not needs_recheck([50, 80])  # exactly 30 apart: not more than 30
    assert needs_recheck([50, 80.5]) and needs_recheck([100, 20, 90])
    assert needs_recheck([50, 60], limit=5)
    assert RECHECK_SPREAD == 30
