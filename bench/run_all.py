"""Every benchmark in turn, each in its own process with its default sizes (`make bench`).

    .venv/bin/python bench/run_all.py [--only quiz_submit,leaderboard] [--postgres URL|none]

Each one prints its own figures; a failing benchmark is reported and the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Name, and whether it also runs on PostgreSQL (so takes --postgres).
BENCHMARKS = [
    ("lesson_page", False),
    ("quiz_submit", True),
    ("contest_submit", True),
    ("leaderboard", False),
    ("import_users", True),
    ("certificates", False),
    ("export_completion", True),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated names, e.g. quiz_submit,leaderboard")
    parser.add_argument("--postgres", default=None, help="passed on to the benchmarks that use PostgreSQL")
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {name for name, _ in BENCHMARKS}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    failed = []
    for name, uses_postgres in BENCHMARKS:
        if wanted and name not in wanted:
            continue
        command = [sys.executable, str(HERE / f"{name}.py")]
        if uses_postgres and args.postgres:
            command += ["--postgres", args.postgres]
        print(f"=== {name}", flush=True)
        started = time.perf_counter()
        if subprocess.run(command, cwd=HERE.parent).returncode != 0:
            failed.append(name)
        print(f"=== {name}: {time.perf_counter() - started:.0f} s\n", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
