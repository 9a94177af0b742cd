"""Benchmark: the leaderboard page of a round with 100,000 participants, polled repeatedly
while results keep arriving. Target: p95 under 50 ms.

    .venv/bin/python bench/leaderboard.py [--participants 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from bench.quiz_submit import BANK
    from lms import create_app
    from lms.contests import organise, rounds, services
    from lms.contests.models import Registration, RoundEntry
    from lms.extensions import db
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.services import load_bank

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "RATELIMIT_ENABLED": False}, instance_path=tmp)
        rng = random.Random(1)
        with app.app_context():
            upgrade()
            load_bank("bench", parse_markdown_bank(BANK))
            contest = services.create_contest(None, "bench", "Hội thi")
            opens = datetime(2026, 12, 1, 1)
            round_ = organise.add_round(None, contest, organise.RoundSettings(
                title="Vòng 1", kind="quiz", opens_at=opens, closes_at=opens + timedelta(hours=15),
                bank_slug="bench", draw=10, hide_results_until_close=False))
            contest.status = "published"
            round_.tiebreaker_answer = 120
            db.session.execute(insert(Registration), [
                {"contest_id": contest.id, "full_name": f"Thí sinh {i}", "identity_key": str(i)}
                for i in range(args.participants)])
            db.session.execute(insert(RoundEntry), [
                {"round_id": round_.id, "registration_id": i + 1, "score": float(rng.randint(0, 40) * 2.5),
                 "seconds_taken": rng.uniform(60, 1800), "prediction": rng.randint(0, 500),
                 "submitted_at": opens + timedelta(seconds=rng.randint(0, 50_000))} for i in range(args.participants)])
            db.session.commit()
            started = time.perf_counter()
            rounds._bump(round_.id)
            board = rounds.leaderboard(round_, full=True)
            print(f"{args.participants} participants: one full ranking computed in "
                  f"{(time.perf_counter() - started) * 1000:.0f} ms ({len(board.rows)} rows)")
        client = app.test_client()
        timings = []
        for i in range(args.requests):
            if i % 50 == 0:  # new results keep arriving during the round
                with app.app_context():
                    rounds._bump(1)
            t = time.perf_counter()
            response = client.get("/contests/bench/rounds/1/leaderboard")
            timings.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        timings.sort()
        print(f"leaderboard page, {args.requests} requests (results changing every 50): "
              f"p50 {timings[len(timings) // 2]:.1f} ms, p95 {timings[int(len(timings) * 0.95)]:.1f} ms, "
              f"max {timings[-1]:.0f} ms (target p95 < 50 ms)")


if __name__ == "__main__":
    main()
