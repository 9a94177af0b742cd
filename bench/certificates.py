"""Benchmark: bulk certificate rendering (`lms certificates render`), certificates per second
and peak memory, for 5,000 certificates on this machine (target: 50/s).

    .venv/bin/python bench/certificates.py [--count 5000] [--workers N] [--compare REV]

``--compare REV`` also renders the same certificates with the code of git revision REV (a
temporary worktree), one after the other in this run, and prints both rows: e.g. the commit
before PAdES signing (issue 16) against today's signed PDFs.
"""

from __future__ import annotations

import argparse
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


def render(url: str, tmp: str, out: Path, workers: int, source: str | None) -> tuple[float, float, int, int, str]:
    """Run `lms certificates render` (from ``source`` when given) and return
    (seconds, peak MB, files, bytes, its summary line)."""
    cmd = [sys.executable, "-c", "import sys; from lms.cli import main; sys.exit(main())", "certificates", "render",
           "--course", "dich-vu-cong", "--org", "BENCH", "-o", str(out)] + (["--workers", str(workers)] if workers else [])
    env = {"LMS_DATABASE_URL": url, "LMS_INSTANCE_PATH": tmp, "LMS_SECRET_KEY": "bench", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": source or str(ROOT)}
    # A fresh wrapper process per run, so the peak it reports is this run's alone (the largest
    # of the command and its worker processes).
    wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
               "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True,
                            cwd=source or str(ROOT))
    if result.returncode:
        sys.exit(result.stdout + result.stderr)
    seconds = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    peak_kb = int(lines[-1].split()[1])
    files = list(out.glob("*.pdf"))
    return seconds, peak_kb / 1024, len(files), sum(f.stat().st_size for f in files), "\n".join(lines[:-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--compare", metavar="REV", help="also run the code of this git revision, first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        url = prepare(tmp, args.count)
        print(f"prepared {args.count} certificates in {time.perf_counter() - t0:.1f}s")
        runs = []
        if args.compare:
            tree = Path(tmp) / "compare-tree"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), args.compare],
                           check=True, capture_output=True)
            try:
                runs.append((args.compare, render(url, tmp, Path(tmp) / "pdf-before", args.workers, str(tree))))
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
        runs.append(("this tree", render(url, tmp, Path(tmp) / "pdf", args.workers, None)))
        print(f"{'code':<12} {'certificates':>12} {'seconds':>8} {'per second':>10} {'peak MB':>8} {'KB/PDF':>7}")
        for label, (seconds, peak, files, size, summary) in runs:
            print(f"{label}: {summary}")
            print(f"{label[:12]:<12} {files:>12} {seconds:>8.1f} {files / seconds:>10.1f} {peak:>8.0f} "
                  f"{size / max(files, 1) / 1024:>7.0f}")
        if len(runs) == 2:
            print(f"ratio this tree / {args.compare}: {runs[1][1][2] / runs[1][1][0] / (runs[0][1][2] / runs[0][1][0]):.2f} "
                  "of the rate")


if __name__ == "__main__":
    main()
