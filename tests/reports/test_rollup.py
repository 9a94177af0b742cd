"""Tests for the organisation roll-up: random trees checked against a naive
reference, plus hand-computed examples for the counting rules."""

from __future__ import annotations

import random
from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.reports.rollup import (
    LearnerFact,
    OrgNode,
    Totals,
    children_rows,
    name_sort_key,
    own_totals,
    roll_up,
)

FIELDS = [f.name for f in fields(Totals)]


def node(id_: int, parent: int | None, name: str | None = None) -> OrgNode:
    return OrgNode(
        id=id_, parent_id=parent, name=name or f"Unit {id_}", code=f"U{id_}", kind="unit"
    )


def fact(
    user: int,
    org: int,
    course: int | None = 1,
    *,
    assigned: bool = True,
    enrolled: bool = True,
    started: bool = False,
    completed: bool = False,
    score: float | None = None,
    certificate: bool = False,
    overdue: bool = False,
) -> LearnerFact:
    return LearnerFact(
        user_id=user,
        org_id=org,
        course_id=course,
        assigned=assigned,
        enrolled=enrolled,
        started=started,
        completed=completed,
        score=score,
        certificate=certificate,
        overdue=overdue,
    )


def assert_totals_equal(a: Totals, b: Totals) -> None:
    for name in FIELDS:
        if name == "score_sum":
            assert getattr(a, name) == pytest.approx(getattr(b, name)), name
        else:
            assert getattr(a, name) == getattr(b, name), name


def naive_subtree_totals(nodes: list[OrgNode], facts: list[LearnerFact], root: int) -> Totals:
    """Reference: collect every fact whose org has ``root`` as an ancestor
    (or is ``root``) and count from scratch, distinct learners per unit."""
    parent = {n.id: n.parent_id for n in nodes}

    def under(org: int) -> bool:
        seen = set()
        cur: int | None = org
        while cur is not None and cur in parent and cur not in seen:
            if cur == root:
                return True
            seen.add(cur)
            cur = parent[cur]
        return False

    t = Totals()
    units_users = set()
    for f in facts:
        if not under(f.org_id):
            continue
        units_users.add((f.org_id, f.user_id))
        if f.course_id is None or not (f.enrolled or f.assigned):
            continue
        t.enrolled_or_assigned += 1
        t.started += f.started
        t.completed += f.completed
        t.certificates += f.certificate
        t.overdue += f.overdue
        if f.score is not None:
            t.score_sum += f.score
            t.score_count += 1
    t.learners = len(units_users)
    return t


@st.composite
def trees_and_facts(draw):
    """A random forest of up to 60 nodes with shuffled ids, and facts where
    each learner sits in exactly one unit but may have several courses."""
    n = draw(st.integers(min_value=1, max_value=60))
    ids = draw(st.permutations(list(range(100, 100 + n))))
    nodes = []
    for i in range(n):
        if i == 0:
            parent = None
        else:
            j = draw(st.integers(min_value=-1, max_value=i - 1))
            parent = None if j < 0 else ids[j]
        nodes.append(node(ids[i], parent))
    order = draw(st.permutations(nodes))

    n_users = draw(st.integers(min_value=0, max_value=40))
    facts = []
    for user in range(n_users):
        org = draw(st.sampled_from(ids))
        courses = draw(st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=4))
        for course in courses or [None]:
            facts.append(
                fact(
                    user,
                    org,
                    course,
                    assigned=draw(st.booleans()),
                    enrolled=draw(st.booleans()),
                    started=draw(st.booleans()),
                    completed=draw(st.booleans()),
                    score=draw(st.one_of(st.none(), st.floats(0, 100))),
                    certificate=draw(st.booleans()),
                    overdue=draw(st.booleans()),
                )
            )
    return list(order), facts


@settings(max_examples=150, deadline=None)
@given(trees_and_facts())
def test_rolled_equals_own_plus_children(data):
    nodes, facts = data
    own = own_totals(facts)
    rolled = roll_up(nodes, own)
    assert set(rolled) == {n.id for n in nodes}
    for n in nodes:
        expected = own.get(n.id, Totals())
        for child in nodes:
            if child.parent_id == n.id:
                expected = expected.add(rolled[child.id])
        assert_totals_equal(rolled[n.id], expected)


@settings(max_examples=100, deadline=None)
@given(trees_and_facts())
def test_rolled_matches_naive_reference_and_roots_cover_all_facts(data):
    nodes, facts = data
    rolled = roll_up(nodes, own_totals(facts))
    for n in nodes:
        assert_totals_equal(rolled[n.id], naive_subtree_totals(nodes, facts, n.id))
    # The roots together account for every fact exactly once.
    everything = Totals()
    for org_totals in own_totals(facts).values():
        everything = everything.add(org_totals)
    roots = Totals()
    for _node, t in children_rows(nodes, rolled, None):
        roots = roots.add(t)
    assert_totals_equal(roots, everything)


@settings(max_examples=50, deadline=None)
@given(trees_and_facts())
def test_roll_up_does_not_mutate_inputs(data):
    nodes, facts = data
    own = own_totals(facts)
    snapshot = {k: v.to_dict() for k, v in own.items()}
    rolled = roll_up(nodes, own)
    assert {k: v.to_dict() for k, v in own.items()} == snapshot
    for k, v in own.items():
        assert rolled[k] is not v


def test_single_root_equals_all_facts_hand_example():
    # District 1 > School 2 > Classes 3, 4; School 5 has no facts.
    nodes = [node(1, None), node(2, 1), node(3, 2), node(4, 2), node(5, 1)]
    facts = [
        fact(10, 3, 1, started=True, completed=True, score=80, certificate=True),
        fact(10, 3, 2, started=True, score=50),  # same learner, 2nd course
        fact(11, 3, 1, overdue=True),
        fact(12, 4, 1, started=True, completed=True, score=100.0),
        fact(13, 4, None),  # registered learner, nothing assigned
        fact(14, 2, 1, assigned=False, enrolled=False, completed=True),  # ignored pair
    ]
    rolled = roll_up(nodes, own_totals(facts))

    c3 = rolled[3]
    assert (c3.learners, c3.enrolled_or_assigned, c3.started, c3.completed) == (2, 3, 2, 1)
    assert (c3.certificates, c3.overdue, c3.score_count, c3.score_sum) == (1, 1, 2, 130.0)
    assert c3.completion_rate == pytest.approx(1 / 3)
    assert c3.average_score == 65.0

    c4 = rolled[4]
    assert (c4.learners, c4.enrolled_or_assigned, c4.completed) == (2, 1, 1)
    assert c4.completion_rate == 1.0

    school = rolled[2]
    assert school.learners == 5  # 2 + 2 + learner 14 placed directly in the school
    assert school.enrolled_or_assigned == 4
    assert school.completed == 2
    assert school.completion_rate == 0.5
    assert school.average_score == pytest.approx(230 / 3)

    assert rolled[5] == Totals()
    assert rolled[5].completion_rate is None
    assert rolled[5].average_score is None
    assert_totals_equal(rolled[1], school)

    d = rolled[1].to_dict()
    assert d["completion_rate"] == 0.5
    assert d["completion_percent"] == 50.0
    assert d["average_score"] == 76.7
    assert d["learners"] == 5


def test_own_totals_counts_learner_once_per_unit():
    facts = [fact(1, 7, c) for c in (1, 2, 3)] + [fact(2, 7, None)]
    t = own_totals(facts)[7]
    assert t.learners == 2
    assert t.enrolled_or_assigned == 3


def test_enrolled_only_and_assigned_only_both_count():
    facts = [
        fact(1, 7, 1, assigned=False, enrolled=True),
        fact(2, 7, 1, assigned=True, enrolled=False),
    ]
    assert own_totals(facts)[7].enrolled_or_assigned == 2


def test_zero_totals_have_no_rates():
    t = Totals()
    assert t.completion_rate is None
    assert t.average_score is None
    d = t.to_dict()
    assert d["completion_rate"] is None and d["completion_percent"] is None
    assert d["average_score"] is None


def test_add_returns_new_object_and_sums_every_field():
    a = Totals(1, 2, 3, 4, 5, 6, 7.5, 8)
    b = Totals(10, 20, 30, 40, 50, 60, 70.25, 80)
    c = a.add(b)
    assert c == Totals(11, 22, 33, 44, 55, 66, 77.75, 88)
    assert a == Totals(1, 2, 3, 4, 5, 6, 7.5, 8)
    assert a + b == c


def test_to_dict_rounds_derived_figures():
    t = Totals(learners=3, enrolled_or_assigned=3, completed=2, score_sum=200.0, score_count=3)
    d = t.to_dict()
    assert d["completion_rate"] == 0.6667
    assert d["completion_percent"] == 66.7
    assert d["average_score"] == 66.7


@pytest.mark.parametrize("shuffle", [False, True])
def test_deep_chain_of_5000_nodes(shuffle):
    depth = 5000
    nodes = [node(i, i - 1 if i > 0 else None) for i in range(depth)]
    if shuffle:
        random.Random(42).shuffle(nodes)
    own = {depth - 1: Totals(learners=1, enrolled_or_assigned=1, completed=1)}
    own[0] = Totals(learners=2)
    rolled = roll_up(nodes, own)
    assert rolled[0].learners == 3
    assert rolled[0].completed == 1
    assert rolled[depth // 2].learners == 1
    assert rolled[depth - 1].completion_rate == 1.0


def test_wide_tree_is_fast_enough():
    nodes = [node(0, None)] + [node(i, (i - 1) // 4) for i in range(1, 50_000)]
    own = {i: Totals(learners=1) for i in range(50_000)}
    assert roll_up(nodes, own)[0].learners == 50_000


@pytest.mark.parametrize(
    "nodes",
    [
        [node(1, 1)],  # self-loop
        [node(1, 2), node(2, 1)],
        [node(1, None), node(2, 3), node(3, 4), node(4, 2), node(5, 4)],  # cycle with a tail
    ],
    ids=["self-loop", "two-cycle", "cycle-with-tail"],
)
def test_cycle_raises_value_error(nodes):
    with pytest.raises(ValueError, match="cycle"):
        roll_up(nodes, {})


def test_duplicate_id_raises_value_error():
    with pytest.raises(ValueError, match="duplicate"):
        roll_up([node(1, None), node(1, None)], {})


def test_unknown_parent_is_treated_as_root_for_subtrees():
    # A school subtree passed without its district (id 99).
    nodes = [node(2, 99), node(3, 2)]
    rolled = roll_up(nodes, {3: Totals(learners=4), 99: Totals(learners=100)})
    assert rolled[2].learners == 4  # the missing parent's own totals are ignored
    assert 99 not in rolled
    assert [n.id for n, _ in children_rows(nodes, rolled, None)] == [2]


def test_children_rows_sorted_vietnamese_aware():
    names = ["Đà Nẵng", "Cần Thơ", "an giang", "Bình Định", "Ân Thi", "An Giang", "Zeta", "Ea Kar"]
    nodes = [node(0, None, "Root")] + [node(i + 1, 0, n) for i, n in enumerate(names)]
    rolled = roll_up(nodes, {3: Totals(learners=2)})
    rows = children_rows(nodes, rolled, 0)
    assert [n.name for n, _ in rows] == [
        "An Giang",
        "an giang",
        "Ân Thi",
        "Bình Định",
        "Cần Thơ",
        "Đà Nẵng",
        "Ea Kar",
        "Zeta",
    ]
    assert dict((n.name, t.learners) for n, t in rows)["an giang"] == 2
    assert children_rows(nodes, rolled, 5) == []


def test_children_rows_missing_rolled_entry_shows_zeros():
    nodes = [node(1, None), node(2, 1)]
    assert children_rows(nodes, {}, 1) == [(nodes[1], Totals())]


def test_name_sort_key_handles_decomposed_input():
    import unicodedata

    composed = "Nguyễn Huệ"
    decomposed = unicodedata.normalize("NFD", composed)
    assert name_sort_key(composed)[0] == name_sort_key(decomposed)[0] == "nguyen hue"
