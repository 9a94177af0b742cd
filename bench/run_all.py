"""Every benchmark in turn, each in its own process with its default sizes (`make bench`).

    .venv/bin/python bench/run_all.py [--only quiz_submit,leaderboard] [--postgres URL|none]
                                      [--seconds N] [--quick]

Each one prints its own figures; a failing benchmark is reported and the others still run.
--seconds sets the length of each wrk run of the HTTP benchmarks; --quick runs every one on
small sizes with 3-second wrk runs, to check that they all work (its figures mean little).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Name, whether it also runs on PostgreSQL (so takes --postgres), whether it drives HTTP load
# with wrk (so takes --seconds), and its small sizes for --quick.
BENCHMARKS = [
    ("lesson_page", False, False, ["--requests", "100"]),
    ("quiz_submit", True, True, ["--learners", "600"]),
    ("contest_submit", True, True, ["--participants", "600"]),
    ("leaderboard", False, True, ["--participants", "10000", "--quiet-duration", "2"]),
    ("import_users", True, False, ["--rows", "2000"]),
    ("certificates", False, False, ["--count", "200"]),
    ("export_completion", True, False, ["--rows", "20000"]),
    ("hostile_uploads", False, False, ["roster csv, one 15 MB field", "quiz xlsx, billion laughs in the sheet"]),
]
# Run as a module (python -m bench.NAME) rather than as a script: they import from tests/.
AS_MODULE = {"hostile_uploads"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="comma-separated names, e.g. quiz_submit,leaderboard")
    parser.add_argument("--postgres", default=None, help="passed on to the benchmarks that use PostgreSQL")
    parser.add_argument("--seconds", type=float, default=None, help="length of each wrk run (HTTP benchmarks)")
    parser.add_argument("--quick", action="store_true", help="small sizes and 3-second wrk runs: a check, not figures")
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else (3 if args.quick else None)
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = wanted - {name for name, *_ in BENCHMARKS}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    failed = []
    for name, uses_postgres, uses_wrk, quick in BENCHMARKS:
        if wanted and name not in wanted:
            continue
        command = ([sys.executable, "-m", f"bench.{name}"] if name in AS_MODULE
                   else [sys.executable, str(HERE / f"{name}.py")]) + (quick if args.quick else [])
        if uses_postgres and args.postgres:
            command += ["--postgres", args.postgres]
        if uses_wrk and seconds is not None:
            command += ["--seconds", f"{seconds:g}"]
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
