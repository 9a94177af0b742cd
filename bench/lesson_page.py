"""Benchmark: a lesson page served in-process (test client) for a signed-in learner, with the
shipped courses loaded. Target: median under 20 ms; page with its CSS under 60 KB.

    .venv/bin/python bench/lesson_page.py [--requests 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.services import NewUser, create_user
    from lms.courses.models import Course
    from lms.courses.sync import sync_content
    from lms.extensions import db
    from lms.quizzes.services import sync_bank_files

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                          "PASSWORD_HASH_METHOD": "scrypt:1024:8:1", "RATELIMIT_ENABLED": False},
                         instance_path=tmp)
        with app.app_context():
            upgrade()
            sync_bank_files(ROOT / "quizzes")
            sync_content(ROOT / "courses", ROOT / "quizzes")
            create_user(NewUser(username="hs.bench", full_name="Người Học", password="mat khau bench"))
            db.session.commit()
            course = db.session.query(Course).filter_by(slug="nhan-biet-lua-dao-truc-tuyen").one()
            lessons = [(course.slug, lesson.slug) for lesson in course.lessons]
        client = app.test_client()
        html = client.get("/login").get_data(as_text=True)
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"csrf_token": token, "username": "hs.bench", "password": "mat khau bench"})
        for slug, lesson in lessons:  # warm up
            client.get(f"/courses/{slug}/{lesson}")
        timings = []
        sizes = []
        for i in range(args.requests):
            slug, lesson = lessons[i % len(lessons)]
            started = time.perf_counter()
            response = client.get(f"/courses/{slug}/{lesson}")
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            sizes.append(len(response.data))
        css = sum((ROOT / "lms" / "static" / "css" / name).stat().st_size for name in ("site.css", "lesson.css"))
        timings.sort()
        print(f"lesson page, {args.requests} requests: median {statistics.median(timings):.1f} ms, "
              f"p95 {timings[int(0.95 * len(timings))]:.1f} ms (target: median < 20 ms)")
        print(f"weight on first load: largest page {max(sizes) / 1024:.1f} KB + CSS {css / 1024:.1f} KB "
              f"= {(max(sizes) + css) / 1024:.1f} KB (target < 60 KB)")


if __name__ == "__main__":
    main()
