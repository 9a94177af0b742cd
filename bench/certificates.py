"""Benchmark: bulk certificate rendering (`lms certificates render`), certificates per second
and peak memory, for 5,000 certificates on this machine (target: 50/s).

    .venv/bin/python bench/certificates.py [--count 5000] [--workers N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FIRST = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"]
MIDDLE = ["Thị", "Văn", "Đức", "Ngọc", "Minh", "Thu", "Quốc", "Hữu", "Thanh", "Khánh"]
LAST = ["Hoà", "Anh", "Bình", "Châu", "Dũng", "Giang", "Hương", "Khoa", "Linh", "Lụa", "Phúc", "Tuấn", "Yến"]


def prepare(instance: str, count: int) -> str:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from lms import create_app
    from lms.auth.models import User
    from lms.certificates.models import Certificate
    from lms.certificates.services import new_code, next_serial
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.orgs.services import create_org

    url = f"sqlite:///{instance}/bench.sqlite3"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=instance)
    with app.app_context():
        upgrade()
        org = create_org("BENCH", "Sở Giáo dục và Đào tạo Mẫu", "department")
        course = Course(slug="dich-vu-cong", title="Sử dụng dịch vụ công trực tuyến", summary="", certificate=True)
        db.session.add(course)
        db.session.flush()
        db.session.execute(insert(User), [
            {"username": f"hv{i:05d}", "full_name": f"{FIRST[i % 12]} {MIDDLE[i % 10]} {LAST[i % 13]}",
             "name_search": "", "kind": "citizen", "org_id": org.id} for i in range(count)])
        users = db.session.execute(select(User.id, User.full_name).order_by(User.id)).all()
        rows = [{"serial": next_serial(2026), "version": 1, "code": new_code(), "user_id": uid, "course_id": course.id,
                 "org_id": org.id, "full_name": name, "course_title": course.title, "completed_on": date(2026, 11, 24),
                 "score": 80 + uid % 20, "issuer_name": org.name, "template": "default", "signature": ""}
                for uid, name in users]
        db.session.execute(insert(Certificate), rows)
        db.session.commit()
    return url


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        url = prepare(tmp, args.count)
        print(f"prepared {args.count} certificates in {time.perf_counter() - t0:.1f}s")
        out = Path(tmp) / "pdf"
        cmd = [str(Path(sys.executable).parent / "lms"), "certificates", "render", "--course", "dich-vu-cong",
               "--org", "BENCH", "-o", str(out)] + (["--workers", str(args.workers)] if args.workers else [])
        env = {"LMS_DATABASE_URL": url, "LMS_INSTANCE_PATH": tmp, "LMS_SECRET_KEY": "bench", "PATH": "/usr/bin:/bin"}
        started = time.perf_counter()
        result = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if result.returncode:
            sys.exit(result.stdout + result.stderr)
        seconds = time.perf_counter() - started
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        files = list(out.glob("*.pdf"))
        size = sum(f.stat().st_size for f in files)
        print(result.stdout.strip())
        print(f"certificates: {len(files)}  wall time (incl. start-up): {seconds:.1f}s  "
              f"rate: {len(files) / seconds:.0f}/s (target 50/s)")
        print(f"peak memory of the largest process: {peak_kb / 1024:.0f} MB; average PDF {size / len(files) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
