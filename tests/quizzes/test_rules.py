import random
from datetime import datetime, timedelta

from lms.quizzes.rules import (
    GRACE,
    Candidate,
    accepts_answers,
    counted_attempt,
    draw_items,
    grade_items,
)


def pool(n, tags=()):
    return [Candidate(i, "single", tags, 4) for i in range(1, n + 1)]


def test_draw_takes_the_requested_number_without_repeats():
    items = draw_items(pool(20), 10, True, True, random.Random(1))
    ids = [i["v"] for i in items]
    assert len(ids) == 10 == len(set(ids))
    assert all(sorted(i["order"]) == [0, 1, 2, 3] for i in items)


def test_draw_per_tag():
    candidates = [Candidate(i, "single", ("vneid",), 2) for i in range(1, 6)] + \
                 [Candidate(i, "single", ("otp",), 2) for i in range(6, 16)]
    items = draw_items(candidates, {"vneid": 2, "otp": 3}, False, False, random.Random(2))
    ids = [i["v"] for i in items]
    assert len([v for v in ids if v <= 5]) == 2 and len([v for v in ids if v > 5]) == 3
    assert ids == sorted(ids)  # no shuffle: bank order kept


def test_draw_puts_descriptions_before_their_questions_skips_essays_and_keeps_true_false_order():
    candidates = [Candidate(1, "description"), Candidate(2, "truefalse", (), 2), Candidate(3, "essay")]
    items = draw_items(candidates, None, True, True, random.Random(3))
    assert items == [{"v": 1, "order": []}, {"v": 2, "order": [0, 1]}]


def test_each_participant_gets_a_different_paper():
    papers = {tuple(i["v"] for i in draw_items(pool(30), 10, True, True, random.Random(seed))) for seed in range(20)}
    assert len(papers) > 15


def test_grade_items_totals_and_unanswered():
    data = {"choices": [{"text": "a", "fraction": 1.0}, {"text": "b", "fraction": 0.0}]}
    graded, total, maximum = grade_items([(1, "single", data, 2.0, [0]), (2, "single", data, 1.0, None),
                                          (3, "essay", {}, 1.0, "text")])
    assert (total, maximum) == (2.0, 3.0)
    assert [g.fraction for g in graded] == [1.0, 0.0, None]


def test_counted_attempt_policies():
    t = datetime(2026, 11, 24, 8)
    attempts = [(t, 60.0), (t + timedelta(hours=1), 90.0), (t + timedelta(hours=2), 70.0), (t + timedelta(hours=3), 90.0)]
    assert counted_attempt("best", attempts) == 1
    assert counted_attempt("first", attempts) == 0
    assert counted_attempt("last", attempts) == 3
    assert counted_attempt("best", []) is None


def test_grace_after_deadline():
    deadline = datetime(2026, 11, 24, 16, 59)
    assert accepts_answers(deadline, deadline + GRACE)
    assert not accepts_answers(deadline, deadline + GRACE + timedelta(seconds=1))
    assert accepts_answers(None, deadline)
