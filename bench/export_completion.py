"""Benchmark: exporting 1,000,000 completion rows as CSV and XLSX, beside a raw SQL dump.

The raw dump runs the same learner x enrollment SELECT straight through the DBAPI
cursor into csv.writer - the speed limit for any export.  Targets: our CSV at least
half the raw dump's rows/s; peak memory (RSS of the process doing the export,
interpreter and app included) under 200 MB for both formats.

Each measurement runs in its own subprocess so its peak RSS is its own.

    .venv/bin/python bench/export_completion.py [--rows 1000000] [--postgres URL|none]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import on_each_database  # noqa: E402

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Ngọc", "Minh", "Thu", "Quốc", "Hữu", "Thanh", "Khánh", "Bảo", "Gia"]
GIVEN = ["Hằng", "Anh", "Bình", "Châu", "Dũng", "Giang", "Hương", "Khoa", "Linh", "Lụa", "Phúc", "Tuấn", "Yến"]
COURSES_PER_LEARNER = 4
BATCH = 20_000


def _app(url: str, instance: str):
    from lms import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=instance)


def build(url: str, instance: str, rows: int) -> None:
    """Province > 10 communes > 10 schools > 10 classes; learners spread over classes,
    each enrolled in 4 courses, 60 % completed; one course assigned province-wide."""
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from lms.auth.models import User
    from lms.courses.models import Assignment, Course, Enrollment
    from lms.extensions import db
    from lms.orgs.models import Organization

    rng = random.Random(7)
    app = _app(url, instance)
    with app.app_context():
        upgrade()
        conn = db.session.connection()
        next_id = 1
        org_rows = []

        def add_org(code, name, kind, parent):
            nonlocal next_id
            oid = next_id
            next_id += 1
            path = (parent["path"] if parent else "/") + f"{oid}/"
            row = {"id": oid, "code": code, "name": name, "kind": kind, "parent_id": parent["id"] if parent else None,
                   "path": path, "depth": path.count("/") - 2, "active": True}
            org_rows.append(row)
            return row

        province = add_org("BT", "Tỉnh Bến Tre", "province", None)
        classes = []
        for c in range(10):
            commune = add_org(f"BT-X{c}", f"Xã Phú Mỹ {c + 1}", "commune", province)
            for s in range(10):
                school = add_org(f"BT-X{c}-S{s}", f"Trường THCS số {s + 1} xã {c + 1}", "school", commune)
                for k in range(10):
                    classes.append(add_org(f"BT-X{c}-S{s}-L{k}", f"Lớp {6 + k % 4}A{k}", "class", school))
        conn.execute(insert(Organization), org_rows)
        for i in range(COURSES_PER_LEARNER):
            conn.execute(insert(Course), [{"slug": f"khoa-{i}", "title": f"Dịch vụ công trực tuyến - phần {i + 1}",
                                           "audience": ",citizen,student,", "lesson_count": 5}])
        course_ids = list(conn.scalars(select(Course.id).order_by(Course.id)))
        conn.execute(insert(Assignment), [{"course_id": course_ids[0], "org_id": province["id"],
                                           "due_on": date(2026, 6, 30)}])
        learners = rows // COURSES_PER_LEARNER
        users, enrollments = [], []
        base = datetime(2026, 1, 5, 1, 0)
        for i in range(learners):
            uid = i + 1
            users.append({"id": uid, "username": f"hs{uid:07d}", "kind": "student",
                          "full_name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                          "org_id": classes[i % len(classes)]["id"], "active": True})
            for course_id in course_ids:
                started = base + timedelta(minutes=rng.randint(0, 200_000))
                done = rng.random() < 0.6
                enrollments.append({"user_id": uid, "course_id": course_id, "started_at": started,
                                    "completed_at": started + timedelta(days=rng.randint(1, 40)) if done else None,
                                    "score": float(rng.randint(50, 100)) if done else None,
                                    "quiz_score": float(rng.randint(30, 100)) if done else None})
            if len(enrollments) >= BATCH:
                conn.execute(insert(User), users)
                conn.execute(insert(Enrollment), enrollments)
                users, enrollments = [], []
        if users:
            conn.execute(insert(User), users)
            conn.execute(insert(Enrollment), enrollments)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.execute(db.text("SELECT setval('user_account_id_seq', (SELECT max(id) FROM user_account))"))
            db.session.commit()
        db.engine.dispose()


RAW_SQL = """
SELECT o.code, o.name, u.username, u.full_name, c.slug, c.title, e.started_at, e.completed_at, e.score
FROM user_account u
JOIN organization o ON o.id = u.org_id
LEFT OUTER JOIN enrollment e ON e.user_id = u.id
LEFT OUTER JOIN course c ON c.id = e.course_id
WHERE u.deleted_at IS NULL AND o.active
ORDER BY o.path, u.id, e.course_id
"""


def _peak_rss_kb() -> int:
    """This process's own peak RSS.

    VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec, so a child forked
    from the (large) parent that built the data would report the parent's peak.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(mode: str, url: str, instance: str, out: str) -> None:
    """One measurement, in its own process; prints JSON with rows, seconds and peak RSS."""
    import csv

    app = _app(url, instance)
    with app.app_context():
        from lms.extensions import db
        from lms.reports import exports, services

        started = time.perf_counter()
        if mode == "raw":
            raw = db.engine.raw_connection()
            try:
                # A named (server-side) cursor on PostgreSQL, so the dump streams too.
                cursor = raw.cursor(name="dump") if db.engine.dialect.name == "postgresql" else raw.cursor()
                cursor.execute(RAW_SQL)
                count = 0
                with open(out, "w", encoding="utf-8-sig", newline="") as fh:
                    writer = csv.writer(fh)
                    while True:
                        chunk = cursor.fetchmany(5000)
                        if not chunk:
                            break
                        writer.writerows(chunk)
                        count += len(chunk)
                cursor.close()
            finally:
                raw.close()
        elif mode == "csv":
            count = exports.write_csv(services.completion_rows(None), out)
        else:
            count = exports.write_xlsx(services.completion_rows(None), out)
        seconds = time.perf_counter() - started
    rss_kb = _peak_rss_kb()
    print(json.dumps({"rows": count, "seconds": seconds, "peak_mb": rss_kb / 1024,
                      "bytes": os.path.getsize(out)}))


def measure(label: str, url: str, instance: str, rows: int, formats: list[str]) -> None:
    started = time.perf_counter()
    build(url, instance, rows)
    print(f"[{label}] built {rows:,} completion rows in {time.perf_counter() - started:.1f} s", flush=True)
    results = {}
    for mode in formats:
        out = str(Path(instance) / f"export.{mode if mode != 'raw' else 'raw.csv'}")
        proc = subprocess.run([sys.executable, __file__, "--child", mode, "--url", url, "--instance", instance,
                               "--out", out], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"{mode} export failed")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        results[mode] = result
        rate = result["rows"] / result["seconds"]
        print(f"[{label}] {mode:<4} {result['rows']:>9,} rows  {result['seconds']:7.1f} s  {rate:>9,.0f} rows/s  "
              f"peak RSS {result['peak_mb']:6.1f} MB  file {result['bytes'] / 1e6:7.1f} MB", flush=True)
        os.unlink(out)
    if "raw" not in results or "csv" not in results:
        return
    raw_rate = results["raw"]["rows"] / results["raw"]["seconds"]
    csv_rate = results["csv"]["rows"] / results["csv"]["seconds"]
    ok_speed = csv_rate >= raw_rate / 2
    ok_memory = all(results[m]["peak_mb"] < 200 for m in ("csv", "xlsx") if m in results)
    print(f"[{label}] CSV/raw speed ratio {csv_rate / raw_rate:.2f} (target >= 0.50: {'ok' if ok_speed else 'MISSED'}); "
          f"peak memory under 200 MB: {'ok' if ok_memory else 'MISSED'}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="'none' to skip")
    parser.add_argument("--formats", default="raw,csv,xlsx", help="comma-separated subset of raw,csv,xlsx")
    parser.add_argument("--child", choices=["raw", "csv", "xlsx"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--instance", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.instance, args.out)
        return
    formats = [f for f in ("raw", "csv", "xlsx") if f in args.formats.split(",")]
    on_each_database(lambda label, url, tmp: measure(label, url, tmp, args.rows, formats), args.postgres)


if __name__ == "__main__":
    main()
