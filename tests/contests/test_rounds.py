"""Quiz rounds: window and server clock, prediction, the result that counts, leaderboard with freeze."""

from datetime import date, datetime, timedelta

import pytest

from lms.contests import organise, rounds, services
from lms.core.errors import ServiceError
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank

BANK = "---\ntitle: Vòng loại\nshuffle_questions: false\nshuffle_options: false\n---\n" + "".join(
    f"## Câu {i}\n- [x] Đúng {i}\n- [ ] Sai {i}\n\n" for i in range(4))
# Round open 1/12 08:00 to 23:59 Vietnam time = 01:00 to 16:59 UTC.
OPENS, CLOSES = datetime(2026, 12, 1, 1, 0), datetime(2026, 12, 1, 16, 59)


@pytest.fixture
def round_(app, sample_tree, make_user):
    contest = services.create_contest(None, "hoi-thi", "Hội thi", scope=sample_tree["province"])
    contest.status = "open"
    quiz_services.load_bank("vong-loai", parse_markdown_bank(BANK))
    r = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng loại", kind="quiz", opens_at=OPENS, closes_at=CLOSES, bank_slug="vong-loai", time_limit_minutes=30,
        tiebreaker_question="Bao nhiêu thí sinh đúng hết?", freeze_minutes=60))
    db.session.commit()
    return r


def player(make_user, sample_tree, round_, username, name):
    user = make_user(username, org=sample_tree["class_a1"], full_name=name)
    services.register(user, round_.contest, services.RegistrationForm(full_name=name))
    return user


def play(user, round_, right: int, at: datetime, minutes: int, prediction=None):
    attempt = rounds.start_round(user, round_, now=at)
    if prediction is not None:
        rounds.set_prediction(user, round_, prediction, now=at)
    for item in attempt.items[:right]:
        quiz_services.save_answer(attempt, item["v"], ["0"], now=at)
    quiz_services.finish_attempt(attempt, now=at + timedelta(minutes=minutes))
    db.session.commit()
    return attempt


def test_window_and_deadline_capped_by_closing_time(round_, make_user, sample_tree):
    user = player(make_user, sample_tree, round_, "ts1", "Thí Sinh Một")
    with pytest.raises(ServiceError):
        rounds.start_round(user, round_, now=OPENS - timedelta(minutes=1))
    with pytest.raises(ServiceError):
        rounds.start_round(user, round_, now=CLOSES)  # 23:59 Vietnam time: closed
    late = rounds.start_round(user, round_, now=CLOSES - timedelta(minutes=10))
    assert late.deadline == CLOSES  # 30 minutes allowed, but the round closes first
    unregistered = make_user("khach", org=sample_tree["class_a1"])
    with pytest.raises(ServiceError):
        rounds.start_round(unregistered, round_, now=OPENS + timedelta(hours=1))


def test_one_attempt_and_results_ranked_with_prediction_and_time(round_, make_user, sample_tree):
    a = player(make_user, sample_tree, round_, "ts.a", "Nguyễn A")
    b = player(make_user, sample_tree, round_, "ts.b", "Trần B")
    c = player(make_user, sample_tree, round_, "ts.c", "Lê C")
    start = OPENS + timedelta(hours=1)
    play(a, round_, 4, start, 10, prediction=3)
    play(b, round_, 4, start, 5, prediction=9)
    play(c, round_, 3, start, 2, prediction=2)
    with pytest.raises(ServiceError):
        rounds.start_round(a, round_, now=start + timedelta(hours=1))  # attempts_allowed = 1
    round_.tiebreaker_answer = 2
    rounds._bump(round_.id)
    board = rounds.leaderboard(round_, now=CLOSES + timedelta(minutes=1), full=True)
    assert [(r.rank, r.name, r.decided_by) for r in board.rows] == [
        (1, "Nguyễn A", ""), (2, "Trần B", "prediction"), (3, "Lê C", "score")]


def test_leaderboard_is_frozen_before_the_end_and_cached(round_, make_user, sample_tree):
    early = player(make_user, sample_tree, round_, "ts.som", "Sớm")
    late = player(make_user, sample_tree, round_, "ts.muon", "Muộn")
    play(early, round_, 2, OPENS + timedelta(hours=2), 5)
    play(late, round_, 4, CLOSES - timedelta(minutes=30), 5)  # inside the last hour: frozen
    in_freeze = CLOSES - timedelta(minutes=10)
    round_.hide_results_until_close = False  # a live board during the round, frozen for its last hour
    db.session.commit()
    public = rounds.leaderboard(round_, now=in_freeze)
    assert public.frozen and [r.name for r in public.rows] == ["Sớm"]
    assert rounds.leaderboard(round_, now=in_freeze) is public  # kept: nothing before the freeze changed
    full = rounds.leaderboard(round_, now=in_freeze, full=True)
    assert [r.name for r in full.rows] == ["Muộn", "Sớm"]


def test_registration_date_fields_optional_by_default(round_, make_user, sample_tree):
    user = make_user("ts.x", org=sample_tree["class_a1"])
    reg = services.register(user, round_.contest, services.RegistrationForm(full_name="X", date_of_birth=date(2009, 1, 1)))
    assert reg.duplicate_of_id is None


def test_a_regrade_updates_the_round_result(round_, make_user, sample_tree):
    from sqlalchemy import select

    from lms.contests.models import RoundEntry
    from lms.quizzes.models import Question

    user = player(make_user, sample_tree, round_, "ts.rg", "Chấm Lại")
    play(user, round_, 4, OPENS + timedelta(hours=1), 5)  # option 0 everywhere: 100%
    assert db.session.scalar(select(RoundEntry.score)) == 100.0
    wrong_key = BANK.replace("## Câu 0\n- [x] Đúng 0\n- [ ] Sai 0", "## Câu 0\n- [ ] Đúng 0\n- [x] Sai 0")
    quiz_services.load_bank("vong-loai", parse_markdown_bank(wrong_key))
    question = db.session.scalar(select(Question).where(Question.position == 0))
    # Regrading while the round runs reports contest answers: an admin's (or organiser's) call.
    quiz_services.regrade_question(make_user("qtv", roles=[("admin", None)]), question)
    db.session.commit()
    assert db.session.scalar(select(RoundEntry.score)) == 75.0
    assert db.session.scalar(select(RoundEntry.score_key)) == -7500  # the board's key follows the regrade
