"""A simulated quiz round of 1,000 participants, on the main database and on PostgreSQL."""

import random
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from lms.auth.models import User
from lms.contests import organise, rounds, services
from lms.contests.models import Registration, RoundEntry
from lms.extensions import db
from lms.quizzes import services as quiz_services
from lms.quizzes.formats.markdown import parse_markdown_bank

N = 1000
OPENS = datetime(2026, 12, 1, 1)


def test_thousand_participants(any_db_app, make_org):
    province = make_org("P", "Tỉnh", "province")
    contest = services.create_contest(None, "mo-phong", "Mô phỏng", scope=province)
    contest.status = "open"
    quiz_services.load_bank("mp", parse_markdown_bank(
        "---\ntitle: MP\nshuffle_options: false\n---\n" + "".join(f"## Câu {i}\n- [x] Đúng\n- [ ] Sai\n\n" for i in range(5))))
    round_ = organise.add_round(None, contest, organise.RoundSettings(
        title="Vòng 1", kind="quiz", opens_at=OPENS, closes_at=OPENS + timedelta(hours=2), bank_slug="mp",
        time_limit_minutes=20, tiebreaker_question="?", freeze_minutes=0))
    db.session.execute(insert(User), [{"username": f"ts{i:04d}", "full_name": f"Thí sinh {i}", "name_search": "",
                                       "kind": "student", "org_id": province.id} for i in range(N)])
    db.session.commit()
    users = list(db.session.scalars(select(User).order_by(User.id)))
    rng = random.Random(3)
    expected = {}
    for i, user in enumerate(users):
        services.register(user, contest, services.RegistrationForm(full_name=user.full_name))
        start = OPENS + timedelta(seconds=i * 5)
        attempt = rounds.start_round(user, round_, now=start)
        rounds.set_prediction(user, round_, rng.randint(0, 50), now=start)
        right = rng.randint(0, 5)
        for item in attempt.items[:right]:
            quiz_services.save_answer(attempt, item["v"], ["0"], now=start)
        quiz_services.finish_attempt(attempt, now=start + timedelta(seconds=rng.randint(30, 900)))
        expected[user.full_name] = right * 20.0
        if i % 100 == 99:
            db.session.commit()
    db.session.commit()
    assert db.session.scalar(select(func.count(Registration.id))) == N
    assert db.session.scalar(select(func.count(RoundEntry.id)).where(RoundEntry.score.is_not(None))) == N
    round_.tiebreaker_answer = sum(1 for s in expected.values() if s == 100.0)
    rounds._bump(round_.id)
    board = rounds.leaderboard(round_, now=OPENS + timedelta(hours=3), full=True)
    assert len(board.rows) == rounds.TOP and board.total == N
    everyone = rounds.ranked_rows(round_)
    assert everyone[:rounds.TOP] == board.rows
    scores = [r.score for r in everyone]
    assert scores == sorted(scores, reverse=True)
    assert {r.name: r.score for r in everyone} == expected
    assert everyone[0].rank == 1 and everyone[-1].rank <= N
