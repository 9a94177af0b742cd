"""Peak memory and time of the upload parsers on hostile files (issue 14, fault 4).

    python -m bench.hostile_uploads            # every case, each in its own process

Each case runs in a child process capped at 8 GB of address space, so a parser that blows
up is stopped instead of taking the machine; the figure printed is the child's peak RSS."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

ROSTER_HEADER = ["Họ và tên", "Mã đơn vị"]
QUIZ_HEADER = ["Câu hỏi", "A", "B", "Đáp án"]

CASES = {
    "quiz xlsx, 400 MB shared string": ("quiz", "huge_shared_string", (QUIZ_HEADER, ["x", "y", "A"], 400)),
    "roster xlsx, 400 MB shared string": ("roster", "huge_shared_string", (ROSTER_HEADER, ["SA"], 400)),
    "roster xlsx, row 3,000,000 after the header": ("roster", "far_row", (ROSTER_HEADER, ["Ann", "SA"], 3_000_000)),
    "roster xlsx, 3,000,000 empty <row> elements": ("roster", "empty_rows", (ROSTER_HEADER, 3_000_000)),
    "quiz xlsx, 3,000,000 shared strings": ("quiz", "many_shared_strings", (QUIZ_HEADER, 3_000_000)),
    "quiz xlsx, billion laughs in the sheet": ("quiz", "billion_laughs", (QUIZ_HEADER,)),
    "roster csv, one 100 MB field": ("roster-csv", "field", (100,)),
    "roster csv, one 15 MB field": ("roster-csv", "field", (15,)),
    "roster csv, 3,000,000 rows": ("roster-csv", "rows", (3_000_000,)),
}


def _build(kind, builder, args) -> tuple[str, bytes]:
    if kind == "roster-csv":
        if builder == "field":
            return "r.csv", ("full_name,org_code\n" + "A" * (args[0] * 1024 * 1024) + ",SA\n").encode()
        return "r.csv", ("full_name,org_code\n" + "A,S\n" * args[0]).encode()
    from tests.core import hostile_files

    return "r.xlsx", getattr(hostile_files, builder)(*args)


def child(name: str) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))
    kind, builder, args = CASES[name]
    filename, data = _build(kind, builder, args)
    from lms import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    with app.test_request_context():
        start = time.perf_counter()
        try:
            if kind == "quiz":
                from lms.quizzes.services import parse_upload

                _, parsed = parse_upload(filename, data)
                issues, longest = parsed.issues, max((len(q.text) for q in parsed.questions), default=0)
            else:
                from lms.roster.parsing import parse_roster

                parsed = parse_roster(filename, data, app.config["ROSTER_MAX_ROWS"])
                issues = parsed.issues
                longest = max((len(v) for r in parsed.rows for v in r.values.values()), default=0)
            outcome = f"{len(issues)} issue(s): {str(issues[0])[:150] if issues else '-'}; longest value {longest}"
        except BaseException as err:  # noqa: BLE001  (the figure is what matters here)
            outcome = f"CRASH {err.__class__.__name__}: {str(err)[:120]}"
        seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"case": name, "upload_kb": len(data) // 1024, "seconds": round(seconds, 2),
                      "peak_mb": round(peak_mb), "outcome": outcome}, ensure_ascii=False))


def main() -> None:
    for name in sys.argv[1:] or CASES:
        result = subprocess.run([sys.executable, "-m", "bench.hostile_uploads", "--child", name],
                                capture_output=True, text=True, timeout=900)
        line = (result.stdout.strip().splitlines() or [""])[-1]
        print(line or json.dumps({"case": name, "died": result.returncode, "stderr": result.stderr[-300:]}),
              flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
