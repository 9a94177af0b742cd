"""Issue #15's closing-note evidence: the conformance table of the fixture files (questions in
→ imported → on the paper → out) and the run count of the round-trip property.

    .venv/bin/python bench/roundtrip_table.py [--examples 100] [--no-property]

Builds a throw-away SQLite database (migrated), imports every question file of
../shared/fixtures/{moodle,public-cases} as its own bank (skipping essays, as an author must
for now), starts a paper for one learner, exports each bank in its own format and in our
Markdown and imports both again; prints the Markdown table. Then runs the hypothesis
round-trip property (tests/quizzes/test_roundtrip.py) with ``--examples`` examples per format
and question type, and prints how many ran and which failed. The same numbers are asserted by
tests/quizzes/test_conformance.py and tests/quizzes/test_roundtrip.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def conformance_table() -> str:
    from flask_migrate import upgrade

    from lms import create_app
    from lms.auth.services import NewUser, create_user
    from lms.config import TestingConfig
    from lms.extensions import db
    from tests.quizzes.conformance import CASES, measure, table

    with tempfile.TemporaryDirectory() as tmp:
        overrides = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
        app = create_app({**overrides, "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp}/lms.sqlite3"},
                         instance_path=tmp)
        with app.app_context():
            upgrade()
            rows = []
            for number, case in enumerate(CASES, 1):
                learner = create_user(NewUser(username=f"hocvien{number}", full_name=f"Học viên {number}",
                                              kind="citizen", password="correct-horse-42"))
                db.session.commit()
                rows.append(measure(case, learner, f"bank-{number}"))
            text = table(rows)
            db.session.remove()
            db.engine.dispose()
    return text


def property_runs(examples: int) -> str:
    from tests.quizzes import test_roundtrip as rt

    lines, failed = [], []
    for fmt, qtype in rt.COMBOS:
        try:
            ran = rt.run_round_trip(fmt, qtype, examples)
        except Exception as err:  # noqa: BLE001 (a failing property is reported, not raised)
            failed.append(f"{fmt}/{qtype}: {type(err).__name__}")
            ran = rt.RUNS[fmt, qtype]
        lines.append(f"{fmt}/{qtype}: {ran}")
    total = sum(rt.RUNS.values())
    out = [f"Round-trip property: {total} examples run, max_examples={examples} per format and question type "
           f"({len(rt.COMBOS)} combinations).", "  " + ", ".join(lines)]
    out.append("  failed: " + "; ".join(failed) if failed else "  all passed")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100, help="max_examples per format and question type")
    parser.add_argument("--no-property", action="store_true", help="print the table only")
    args = parser.parse_args()
    print(conformance_table())
    if not args.no_property:
        print()
        print(property_runs(args.examples))


if __name__ == "__main__":
    main()
