"""Benchmark: quiz answer autosave and submit throughput under gunicorn (4 workers),
beside a bare endpoint on the same server, on SQLite and (if reachable) PostgreSQL.

    .venv/bin/python bench/quiz_submit.py [--seconds 10] [--learners 3000] [--postgres URL]

Load comes from wrk (-t1 -c8). Prints requests/s, p50/p95 latency, server CPU-ms per request,
and the ratios of autosave and submit to the bare endpoint and to the signed-in no-op (target
>= 0.5 of bare req/s for submit). A signed-in form post that does nothing is
measured too: session cookie, user and CSRF check alone, the ceiling for any signed-in write.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    Gunicorn,
    Request,
    app_env,
    load,
    on_each_database,
    report,
    session_cookie,
)

BANK = "---\ntitle: Bench\ndraw: 10\n---\n" + "\n".join(
    f"## Câu hỏi số {i}: dịch vụ công trực tuyến?\ntags: t{i % 3}\n- [x] Đúng {i}\n- [ ] Sai {i}a\n- [ ] Sai {i}b\n- [ ] Sai {i}c\n"
    for i in range(30)
)


def prepare(env: dict, learners: int):
    """Migrate a fresh database, create learners with open attempts (half answered)."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from lms import create_app
    from lms.auth.models import User
    from lms.extensions import db
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.models import AttemptAnswer
    from lms.quizzes.services import load_bank, start_attempt

    app = create_app({"DATABASE_URL": env["LMS_DATABASE_URL"], "SECRET_KEY": env["LMS_SECRET_KEY"]},
                     instance_path=env["LMS_INSTANCE_PATH"])
    with app.app_context():
        upgrade()
        bank, _ = load_bank("bench", parse_markdown_bank(BANK))
        db.session.execute(insert(User), [
            {"username": f"bench{i:05d}", "full_name": f"Người học {i}", "name_search": f"nguoi hoc {i}",
             "kind": "student"} for i in range(learners)])
        db.session.commit()
        users = db.session.query(User).order_by(User.id).all()
        plan = []
        answers = []
        for user in users:
            attempt = start_attempt(user, bank, rng=random.Random(user.id))
            db.session.flush()
            versions = [item["v"] for item in attempt.items]
            # Option 0 is the right one of every BANK question: stored graded, as save_answer stores it.
            answers += [{"attempt_id": attempt.id, "question_version_id": v, "response": [0], "fraction": 1.0,
                         "points": 1.0} for v in versions[:5]]
            cookie, token = session_cookie(app, user.id)
            plan.append((attempt.id, versions, cookie, token))
        db.session.execute(insert(AttemptAnswer), answers)
        db.session.commit()
        db.engine.dispose()
    return plan


def measure(label: str, env: dict, plan, seconds: float, names=("answer autosave", "submit (one per attempt)"),
            target: str = "") -> dict:
    """Bare endpoint, a signed-in no-op post, then answer saves spread over every attempt, then
    one submit per attempt, each a wrk run on the same gunicorn server; prints the figures, the
    server CPU-ms per request and the ratios to the bare endpoint and the signed-in no-op."""
    form = "application/x-www-form-urlencoded"
    signed_in = [Request("POST", "/_signed_in_post", {"Cookie": cookie, "Content-Type": form}, f"csrf_token={token}")
                 for _, _, cookie, token in plan]
    # Learner i saves question i % 10 of their attempt; four passes over the learners, so a
    # rotation changes the saved value before coming back to the same learner and question.
    answers = [Request("POST", f"/quizzes/attempts/{attempt_id}/answer",
                       {"Cookie": cookie, "X-CSRFToken": token, "Content-Type": "application/json"},
                       json.dumps({"v": versions[i % len(versions)], "values": [str((i // len(plan)) % 4)]}))
               for i in range(4 * len(plan))
               for attempt_id, versions, cookie, token in [plan[i % len(plan)]]]
    submits = [Request("POST", f"/quizzes/attempts/{attempt_id}", {"Cookie": cookie, "Content-Type": form},
                       f"csrf_token={token}&action=submit")
               for attempt_id, _, cookie, token in plan]
    results = {}
    with Gunicorn(env) as server:
        # One second of signed-in posts and saves first, unreported: each worker's first requests
        # open its database connections and load the quiz code, which is not what is measured.
        for warm in (signed_in, answers):
            load("warm-up", server, warm, expect=(200, 302), seconds=1)
        results["bare"] = load("bare endpoint", server, Request("GET", "/_bare"), seconds=seconds)
        results["signed_in"] = load("signed-in no-op post", server, signed_in, expect=(302,), seconds=seconds)
        results["answer"] = load(names[0], server, answers, seconds=seconds)
        results["submit"] = load(names[1], server, submits, expect=(302,), once=True, seconds=seconds)
    print(f"[{label}]")
    report(results, targets={"submit": target})
    if results["submit"].exhausted:
        print(f"  (every attempt was submitted in {results['submit'].seconds:.1f}s, before the "
              f"{seconds:.0f}s were up: the rate is over that time)")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--learners", type=int, default=3000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="server to create a throw-away database on; 'none' to skip")
    args = parser.parse_args()

    def run(label, url, tmp):
        env = app_env(url, tmp)
        started = time.perf_counter()
        plan = prepare(env, args.learners)
        print(f"[{label}] prepared {len(plan)} learners with open attempts in {time.perf_counter() - started:.1f}s",
              flush=True)
        measure(label, env, plan, args.seconds, target="   (target: submit req/s >= 0.5 of bare)")

    on_each_database(run, args.postgres)


if __name__ == "__main__":
    main()
