"""Benchmark: importing a 10,000-row roster (CSV and XLSX) into a fresh database, then
re-importing it (which must change nothing). Target: under 30 s for 10,000 rows.

    .venv/bin/python bench/import_users.py [--rows 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE = ["Thị", "Văn", "Đức", "Ngọc", "Minh", "Thu", "Quốc", "Hữu", "Thanh", "Khánh", "Bảo", "Gia"]
GIVEN = ["Hoà", "Anh", "Bình", "Châu", "Dũng", "Giang", "Hương", "Khoa", "Linh", "Lụa", "Phúc", "Tuấn", "Yến",
         "Quỳnh", "Sơn", "Thảo", "Trang", "Việt", "Xuân", "Ánh"]


def make_rows(n: int, classes: list[str]) -> list[list[str]]:
    rng = random.Random(42)
    rows = []
    for i in range(n):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(2006, 2011)}"
        rows.append([f"hs{i:06d}", name, rng.choice(classes), "học sinh", dob, f"09{rng.randint(10_000_000, 99_999_999)}"])
    return rows


def write_files(rows, folder: Path) -> dict[str, Path]:
    header = ["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Đối tượng", "Ngày sinh", "Số điện thoại"]
    csv_path = folder / "roster.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for row in rows:
        ws.append(row)
    xlsx_path = folder / "roster.xlsx"
    wb.save(xlsx_path)
    return {"csv": csv_path, "xlsx": xlsx_path}


def run(label: str, url: str, instance: str, n: int) -> None:
    from flask_migrate import upgrade

    from lms import create_app
    from lms.extensions import db
    from lms.orgs.services import create_org
    from lms.roster.parsing import parse_roster
    from lms.roster.services import apply_plan, plan_import

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}, instance_path=instance)
    with app.app_context():
        upgrade()
        province = create_org("BT", "Tỉnh Mẫu", "province")
        classes = []
        for s in range(5):
            school = create_org(f"BT-S{s}", f"Trường THPT số {s + 1}", "school", parent=province)
            for c in range(10):
                classes.append(create_org(f"BT-S{s}-C{c}", f"Lớp {10 + c % 3}A{c}", "class", parent=school).code)
        db.session.commit()
        files = write_files(make_rows(n, classes), Path(instance))
        for fmt, path in files.items():
            for attempt in ("pass 1", "pass 2"):  # the XLSX holds the same people as the CSV
                started = time.perf_counter()
                parsed = parse_roster(path.name, path.read_bytes())
                plan = plan_import(parsed)
                result = apply_plan(plan, filename=path.name)
                db.session.commit()
                seconds = time.perf_counter() - started
                print(f"[{label}] {fmt:<4} {attempt:<12} {len(parsed.rows):>6} rows  {seconds:6.2f} s  "
                      f"{len(parsed.rows) / seconds:8.0f} rows/s  created {result.created}, updated {result.updated}, "
                      f"unchanged {result.unchanged}, problems {len(plan.issues)}", flush=True)
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test", help="'none' to skip")
    args = parser.parse_args()
    from bench.harness import on_each_database

    on_each_database(lambda label, url, tmp: run(label, url, tmp, args.rows), args.postgres)


if __name__ == "__main__":
    main()
