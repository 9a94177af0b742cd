"""The seal on a bank that a contest round draws from: a pure rule, tested without a database.

A key is hidden from everyone but the round's organisers and the platform's admins from
the moment the round is scheduled until its close plus the grace in which late answers
still count (``accepts_answers``); after that the bank's own rules apply again.
"""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from lms.quizzes.rules import GRACE, SealWindow, accepts_answers, seal_until

CLOSES = datetime(2026, 12, 1, 16, 59)
ORGANISER, OTHER_ORGANISER, AUTHOR = 7, 8, 9


def window(closes_at=CLOSES, over=False, organisers=(ORGANISER,), bank_id=1):
    return SealWindow(bank_id=bank_id, opens_at=closes_at - timedelta(hours=2), closes_at=closes_at,
                      over=over, organisers=frozenset(organisers))


offsets = st.timedeltas(min_value=timedelta(days=-400), max_value=timedelta(days=400))


@given(offsets)
def test_sealed_exactly_while_the_round_still_accepts_answers(offset):
    now = CLOSES + offset
    sealed = seal_until([window()], now, viewer_id=AUTHOR, viewer_is_admin=False) is not None
    # Scheduled, open, or inside the grace after the close: an answer sent now could still
    # count, so nobody outside the organisers may know the key.
    assert sealed == accepts_answers(CLOSES, now)


def test_the_boundary_is_the_last_moment_an_answer_is_accepted():
    last = CLOSES + GRACE
    assert seal_until([window()], last, viewer_id=AUTHOR, viewer_is_admin=False) == last
    assert seal_until([window()], last + timedelta(microseconds=1), viewer_id=AUTHOR, viewer_is_admin=False) is None


@given(offsets)
def test_organisers_of_that_round_and_admins_are_never_sealed_out(offset):
    now = CLOSES + offset
    assert seal_until([window()], now, viewer_id=ORGANISER, viewer_is_admin=False) is None
    assert seal_until([window()], now, viewer_id=AUTHOR, viewer_is_admin=True) is None


@given(offsets, offsets)
def test_organising_one_round_does_not_open_another_contests_round(first, second):
    now = CLOSES
    windows = [window(CLOSES + first), window(CLOSES + second, organisers=(OTHER_ORGANISER,))]
    until = seal_until(windows, now, viewer_id=ORGANISER, viewer_is_admin=False)
    other_running = accepts_answers(CLOSES + second, now)
    assert (until is not None) == other_running
    if other_running:
        assert until == CLOSES + second + GRACE


@given(st.lists(offsets, min_size=1, max_size=6), offsets)
def test_the_seal_lasts_until_the_last_running_round_is_over(closings, at):
    now = CLOSES + at
    windows = [window(CLOSES + c) for c in closings]
    running = [CLOSES + c + GRACE for c in closings if accepts_answers(CLOSES + c, now)]
    assert seal_until(windows, now, viewer_id=AUTHOR, viewer_is_admin=False) == (max(running) if running else None)


def test_published_results_end_the_seal_and_no_round_means_no_seal():
    before_close = CLOSES - timedelta(hours=1)
    assert seal_until([window(over=True)], before_close, viewer_id=AUTHOR, viewer_is_admin=False) is None
    assert seal_until([], before_close, viewer_id=None, viewer_is_admin=False) is None


def test_nobody_known_is_treated_as_an_outsider():
    assert seal_until([window()], CLOSES, viewer_id=None, viewer_is_admin=False) == CLOSES + GRACE
