"""Benchmark: contest round answer saves and submissions under gunicorn (4 workers), beside a
bare endpoint on the same server, on SQLite and (if reachable) PostgreSQL.

    .venv/bin/python bench/contest_submit.py [--seconds 10] [--participants 2000] [--postgres URL|none]

A contest submission does more than a course quiz: it also keeps the round entry that counts
for the ranking and invalidates the leaderboard; every saved answer also goes to the contest's
answer log. Load comes from wrk (-t1 -c8). Prints requests/s, p50/p95 latency, server CPU-ms
per request and the ratios to the bare endpoint and to the signed-in no-op.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import app_env, on_each_database, session_cookie  # noqa: E402
from bench.quiz_submit import BANK, measure  # noqa: E402


def prepare(env: dict, participants: int):
    """A contest with one open quiz round; every participant registered, attempt started, half answered."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from lms import create_app
    from lms.auth.models import User
    from lms.contests import organise, rounds
    from lms.contests.models import Registration
    from lms.contests.services import create_contest
    from lms.core.timeutil import utcnow
    from lms.extensions import db
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.models import AttemptAnswer
    from lms.quizzes.services import load_bank

    app = create_app({"DATABASE_URL": env["LMS_DATABASE_URL"], "SECRET_KEY": env["LMS_SECRET_KEY"]},
                     instance_path=env["LMS_INSTANCE_PATH"])
    with app.app_context():
        upgrade()
        load_bank("bench", parse_markdown_bank(BANK))
        contest = create_contest(None, "bench", "Hội thi đo tải")
        contest.status = "open"
        now = utcnow()
        round_ = organise.add_round(None, contest, organise.RoundSettings(
            title="Vòng 1", kind="quiz", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=3),
            bank_slug="bench", draw=10, time_limit_minutes=60, tiebreaker_question="Bao nhiêu?"))
        db.session.execute(insert(User), [
            {"username": f"ts{i:05d}", "full_name": f"Thí sinh {i}", "name_search": f"thi sinh {i}", "kind": "student"}
            for i in range(participants)])
        users = db.session.query(User).order_by(User.id).all()
        db.session.execute(insert(Registration), [
            {"contest_id": contest.id, "user_id": u.id, "full_name": u.full_name, "identity_key": f"k{u.id}"}
            for u in users])
        db.session.commit()
        plan, answers = [], []
        for user in users:
            attempt = rounds.start_round(user, round_, now=now)
            versions = [item["v"] for item in attempt.items]
            # Option 0 is the right one of every BANK question: stored graded, as save_answer stores it.
            answers += [{"attempt_id": attempt.id, "question_version_id": v, "response": [0], "fraction": 1.0,
                         "points": 1.0} for v in versions[:5]]
            cookie, token = session_cookie(app, user.id)
            plan.append((attempt.id, versions, cookie, token))
        db.session.execute(insert(AttemptAnswer), answers)
        db.session.commit()
        db.engine.dispose()
    random.Random(7).shuffle(plan)
    return plan


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="server to create a throw-away database on; 'none' to skip")
    args = parser.parse_args()

    def run(label, url, tmp):
        env = app_env(url, tmp)
        started = time.perf_counter()
        plan = prepare(env, args.participants)
        print(f"[{label}] prepared {len(plan)} registered participants with open attempts in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        measure(label, env, plan, args.seconds, names=("contest answer save", "contest submission"))

    on_each_database(run, args.postgres)


if __name__ == "__main__":
    main()
