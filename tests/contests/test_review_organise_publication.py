"""Publication after the review: attempts left open are graded first, the quiz grace is
waited out, a score of 0 wins nothing, and the shared ranking and code helpers."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from lms.contests import organise, rounds, services
from lms.contests.models import Award, RoundEntry
from lms.contests.ranking import rank_scores, rank_units, shared_ranks
from lms.core.codes import READABLE_UPPER
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.models import Attempt
from lms.quizzes.rules import GRACE
from tests.conftest import login
from tests.contests.test_organise import PAST_OPEN, closed_contest  # noqa: F401  (fixture)
from tests.contests.test_rounds import play


def _left_open(user, contest, round_, right=4):
    """Started, answered, never submitted: time ran out while the participant was away."""
    services.register(user, contest, services.RegistrationForm(full_name=user.full_name))
    start = PAST_OPEN + timedelta(hours=2)
    attempt = rounds.start_round(user, round_, now=start)
    for item in attempt.items[:right]:
        quiz_services.save_answer(attempt, item["v"], ["0"], now=start)
    db.session.commit()
    return attempt


def test_an_attempt_left_open_is_graded_before_the_awards_are_frozen(closed_contest, make_user, sample_tree):  # noqa: F811
    contest, round_ = closed_contest["contest"], closed_contest["round"]
    em = make_user("ts.em", org=sample_tree["class_b1"], full_name="Vũ Thị Em")
    attempt = _left_open(em, contest, round_)
    organise.set_true_count(None, round_, 2)
    organise.set_prize_settings(None, contest, {"first": 1, "second": 1, "third": 1}, 0, None)
    awards = organise.publish_results(None, contest)
    db.session.commit()
    # Em answered everything right but used the whole 30 minutes: third, after Bình (5) and An (10).
    assert [(a.prize, a.name) for a in awards] == [
        ("first", "Trần Thị Bình"), ("second", "Nguyễn Văn An"), ("third", "Vũ Thị Em")]
    db.session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.auto_submitted
    assert attempt.submitted_at == attempt.deadline  # counted when its time ran out, not when graded
    entry = db.session.scalar(select(RoundEntry).where(RoundEntry.attempt_id == attempt.id))
    assert entry.score == 100.0 and entry.seconds_taken == 30 * 60


def test_only_this_contests_attempts_are_graded(closed_contest, make_user, sample_tree):  # noqa: F811
    contest = closed_contest["contest"]
    other = services.create_contest(None, "hoi-thi-khac", "Hội thi khác")
    other_round = organise.add_round(None, other, organise.RoundSettings(
        title="Vòng khác", kind="quiz", opens_at=PAST_OPEN, closes_at=PAST_OPEN + timedelta(days=1),
        bank_slug="vong-1", time_limit_minutes=30))
    other.status = "open"
    db.session.commit()
    em = make_user("ts.em", org=sample_tree["class_b1"], full_name="Vũ Thị Em")
    elsewhere = _left_open(em, other, other_round)
    assert organise.close_expired_attempts(contest) == 0
    assert db.session.get(Attempt, elsewhere.id).status == "open"


def test_the_prizes_page_counts_attempts_left_open_as_publishing_will(client, closed_contest, make_user,  # noqa: F811
                                                                       sample_tree):
    em = make_user("ts.em", org=sample_tree["class_b1"], full_name="Vũ Thị Em")
    _left_open(em, closed_contest["contest"], closed_contest["round"])
    login(client, "quantri")
    page = client.get("/contests/manage/hoi-thi-2026/prizes").get_data(as_text=True)
    assert "Vũ Thị Em" in page


def test_publication_waits_out_the_grace_after_the_last_close(closed_contest):  # noqa: F811
    contest, round_ = closed_contest["contest"], closed_contest["round"]
    organise.set_true_count(None, round_, 2)
    round_.closes_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    problems = organise.publication_problems(contest)
    assert len(problems) == 1 and "Vòng 1" in problems[0] and str(int(GRACE.total_seconds())) in problems[0]
    with pytest.raises(ServiceError):
        organise.publish_results(None, contest)
    assert organise.publication_problems(contest, now=round_.closes_at + GRACE) == []


def test_a_final_score_of_zero_wins_no_prize_even_with_prizes_left(client, closed_contest, make_user,  # noqa: F811
                                                                    sample_tree):
    contest, round_ = closed_contest["contest"], closed_contest["round"]
    zero = make_user("khong", org=sample_tree["class_b1"], full_name="Đinh Văn Không")
    services.register(zero, contest, services.RegistrationForm(full_name="Đinh Văn Không"))
    play(zero, round_, 0, PAST_OPEN + timedelta(hours=3), 2)
    organise.set_true_count(None, round_, 2)
    organise.set_prize_settings(None, contest, {"consolation": 10}, 0, None)
    db.session.commit()
    login(client, "quantri")
    page = client.get("/contests/manage/hoi-thi-2026/prizes").get_data(as_text=True)
    assert "Không có giải (0 điểm)" in page  # the preview says why the last one gets nothing
    awards = organise.publish_results(None, contest)
    assert sorted(a.name for a in awards) == sorted(["Nguyễn Văn An", "Trần Thị Bình", "Lê Cường", "Phạm Dũng"])


def test_publishing_computes_the_final_standings_once(closed_contest, monkeypatch):  # noqa: F811
    contest = closed_contest["contest"]
    organise.set_true_count(None, closed_contest["round"], 2)
    organise.set_prize_settings(None, contest, {"first": 1}, 1, "school")
    calls = []
    original = organise.final_standings
    monkeypatch.setattr(organise, "final_standings", lambda c: calls.append(c) or original(c))
    awards = organise.publish_results(None, contest)
    assert len(calls) == 1 and {a.kind for a in awards} == {"individual", "collective"}


def test_award_codes_are_certificate_codes(closed_contest):  # noqa: F811
    organise.set_true_count(None, closed_contest["round"], 2)
    organise.set_prize_settings(None, closed_contest["contest"], {"first": 1, "second": 3}, 0, None)
    organise.publish_results(None, closed_contest["contest"])
    codes = list(db.session.scalars(select(Award.code)))
    assert codes and all(len(c) == 12 and set(c) <= set(READABLE_UPPER) for c in codes)


# --- one tie rule for every ranking -----------------------------------------------------------


def test_shared_ranks_marks_ties_and_skips_ranks():
    assert shared_ranks([]) == []
    assert shared_ranks([9, 7, 7, 5, 5, 5, 1]) == [(1, False), (2, True), (2, True), (4, True), (4, True),
                                                   (4, True), (7, False)]


@given(st.dictionaries(st.integers(0, 50), st.integers(0, 4), max_size=30))
def test_rank_scores_and_rank_units_agree_with_shared_ranks(scores):
    ranked = rank_scores(scores)
    assert [(rank, tied) for rank, tied, _ in ranked] == shared_ranks([scores[pid] for _, _, pid in ranked])
    paths = {oid: f"/{oid}/" for oid in scores}
    units = rank_units(paths, dict.fromkeys(scores, 10), {oid: [float(s)] for oid, s in scores.items()}, list(scores))
    keys = [(r.participation_rate, r.average_score, r.participants) for _, r in units]
    assert [rank for rank, _ in units] == [rank for rank, _ in shared_ranks(keys)]
