"""The pieces of bench/leaderboard.py that decide what its figures mean (no timing here): the
churn driver really answers a contest attempt page rightly through the plain-form path, and
the board's freshness is read correctly from the probe's answers."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from bench.leaderboard import BANK, freshness, right_answers
from lms.contests import organise, services
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.models import Attempt
from lms.quizzes.services import load_bank
from tests.conftest import csrf_token, login


def test_freshness_ages_and_lags_from_plain_data():
    results = [("An", 1.0, True), ("Bình", 3.0, True), ("Chi", 3.2, False)]  # Chi is not followed
    answers = [(1.5, set()), (2.5, {"An"}), (2.8, set()), (3.0, {"An"}), (4.0, {"An", "Bình"}),
               (12.0, {"An", "Bình"}), (14.0, {"An"})]
    fresh = freshness(results, answers)
    # While results arrive (up to 3.0): asked at 1.5, An (done at 1.0) is missing; at 2.8 An is
    # missing again (another worker's older board); at 3.0 Bình is not due yet.
    assert fresh.ages == pytest.approx([0.5, 0.0, 1.8, 0.0])
    assert fresh.lags == [1.5, 1.0]
    assert fresh.never == 0
    # 10 s or more after the last result (3.0): the answer at 14.0 still lacks Bình.
    assert (fresh.settled, fresh.stale_settled) == (1, 1)
    assert freshness(results, [(1.5, set()), (12.0, set())]).never == 1  # 11 s after An, 9 s after Bình
    assert freshness(results, [(1.5, set()), (8.0, set())]).never == 0  # not yet 10 s after either


def test_the_churn_participant_answers_every_question_rightly_through_the_form(app, client, make_user):
    load_bank("bench", parse_markdown_bank(BANK))
    contest = services.create_contest(None, "bench-board", "Hội thi đo tải")
    contest.status = "open"
    now = utcnow()
    organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
        bank_slug="bench", draw=10, time_limit_minutes=60, hide_results_until_close=False))
    user = make_user("churn00001", full_name="Người nộp bài 00001")
    services.register(user, contest, services.RegistrationForm(full_name=user.full_name))
    db.session.commit()
    login(client, "churn00001")
    token = csrf_token(client, "/contests/bench-board/")
    started = client.post("/contests/bench-board/rounds/1/start", data={"csrf_token": token})
    attempt_path = re.search(r"/quizzes/attempts/\d+", started.headers["Location"]).group(0)
    answers, all_right = right_answers(client.get(attempt_path).get_data(as_text=True))
    assert all_right and len(answers) == 10
    submitted = client.post(attempt_path, data=urlencode([("csrf_token", token), ("action", "submit"), *answers]),
                            content_type="application/x-www-form-urlencoded")
    assert submitted.status_code == 302 and "review" in submitted.headers["Location"]
    attempt = db.session.get(Attempt, int(attempt_path.rsplit("/", 1)[1]))
    assert attempt.status == "submitted" and attempt.percent == 100
