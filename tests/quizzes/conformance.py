"""The conformance table of issue #15: every question file in ../shared/fixtures/moodle and
../shared/fixtures/public-cases, with the questions in it (counted by hand as Moodle's importer
counts them: question/format/gift/format.php, question/format/aiken/format.php), the questions
our import brings in, the questions on a learner's paper, and the questions out (exported in the
same format and in our Markdown, then imported again).

Used by tests/quizzes/test_conformance.py (which asserts the numbers) and by
bench/roundtrip_table.py (which prints the table for the closing note).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lms.quizzes.types import REGISTRY, type_label

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


@dataclass(frozen=True)
class Case:
    path: str          # under FIXTURES
    fmt: str           # md, gift, aiken or xlsx
    moodle: dict       # questions in the file by type, as Moodle's importer counts them

    @property
    def total(self) -> int:
        return sum(self.moodle.values())


CASES = [
    Case("moodle/examples.gift.txt", "gift",
         {"single": 16, "multiple": 2, "truefalse": 5, "short": 9, "numeric": 8, "matching": 3}),
    Case("moodle/questions.gift.txt", "gift",
         {"single": 1, "multiple": 1, "truefalse": 3, "short": 1, "numeric": 1, "matching": 1, "essay": 1}),
    Case("moodle/questions.aiken.txt", "aiken", {"single": 2}),
    Case("public-cases/gift-moodle-export-html-answers.gift.txt", "gift", {"single": 2, "matching": 1}),
    Case("public-cases/gift-answer-feedback-and-nbsp.gift.txt", "gift", {"single": 1, "truefalse": 1, "numeric": 1}),
    Case("public-cases/gift-essay-and-description.gift.txt", "gift", {"description": 1, "essay": 1, "single": 2}),
    Case("public-cases/gift-category-without-blank-line.gift.txt", "gift", {"truefalse": 1, "single": 1}),
    Case("public-cases/md-truefalse-sai-first-export-gift.md", "md", {"truefalse": 2}),
    Case("public-cases/gift-regrade-key-fixed-options-reordered.v1.gift.txt", "gift", {"single": 1}),
    Case("public-cases/gift-regrade-key-fixed-options-reordered.v2.gift.txt", "gift", {"single": 1}),
    Case("public-cases/aiken-no-space-after-letter.aiken.txt", "aiken", {"single": 2}),
    Case("public-cases/aiken-all-of-the-above-shuffled.aiken.txt", "aiken", {"single": 1}),
    Case("public-cases/xlsx-questions-excel-autotyped-dates-percent.xlsx", "xlsx", {"single": 3}),
]


@dataclass
class Row:
    case: Case
    imported: Counter = field(default_factory=Counter)
    skipped: int = 0
    issues: list[str] = field(default_factory=list)
    paper_questions: int = 0
    paper_descriptions: int = 0
    out: Counter = field(default_factory=Counter)
    out_same: bool = False  # the same-format export imports back as the same bank
    names_same: bool = False  # ...with every question's name as the file had it
    out_losses: list[str] = field(default_factory=list)
    md_out: Counter = field(default_factory=Counter)
    md_same: bool = False
    md_losses: list[str] = field(default_factory=list)


def counts_text(counts: Counter | dict) -> str:
    parts = [f"{counts[t]} {type_label(t)}" for t in REGISTRY if counts.get(t)]
    return ", ".join(parts) or "0"


def measure(case: Case, user, slug: str) -> Row:
    """Import ``case`` (skipping essays, as the author would have to), put a paper in front of
    ``user``, export the bank in its own format and in Markdown, and import both again. Needs
    an app context with a database; commits."""
    from lms.extensions import db
    from lms.quizzes import services
    from lms.quizzes.formats.aiken import parse_aiken
    from lms.quizzes.formats.common import neutral, project
    from lms.quizzes.formats.gift import parse_gift
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.formats.xlsx import parse_xlsx

    path = FIXTURES / case.path
    row = Row(case)
    fmt, parsed, report = services.import_questions(None, slug, path.name, path.read_bytes(), case.fmt,
                                                    skip_essays=True)
    row.issues = [str(issue) for issue in parsed.issues]
    row.imported = Counter(q.type for q in parsed.questions)
    row.skipped = len(parsed.skipped)
    if report is None:
        db.session.rollback()
        return row
    db.session.commit()
    bank = services.get_bank(slug)
    attempt = services.start_attempt(user, bank, settings={"max_attempts": None, "cooldown_minutes": 0})
    db.session.commit()
    for item in services.attempt_paper(attempt):
        if item.version.type == "description":
            row.paper_descriptions += 1
        else:
            row.paper_questions += 1

    def read(kind, data):
        if kind == "xlsx":
            return parse_xlsx(data)
        return {"md": parse_markdown_bank, "gift": parse_gift, "aiken": parse_aiken}[kind](data.decode("utf-8"))

    def shape(questions, kind, names=True):
        return [{k: v for k, v in project(neutral(q), kind).items() if names or k != "name"} for q in questions]

    losses: list = []
    back = read(fmt, services.export_bank(slug, fmt, user, losses))
    row.out = Counter(q.type for q in back.questions)
    row.out_same = not back.issues and shape(back.questions, fmt, False) == shape(parsed.questions, fmt, False)
    row.names_same = [q.name for q in back.questions] == [q.name for q in parsed.questions]
    row.out_losses = [str(loss) for loss in losses]
    losses = []
    back = read("md", services.export_bank(slug, "md", user, losses))
    row.md_out = Counter(q.type for q in back.questions)
    row.md_same = not back.issues and shape(back.questions, "md", False) == shape(parsed.questions, "md", False)
    row.names_same = row.names_same and [q.name for q in back.questions] == [q.name for q in parsed.questions]
    row.md_losses = [str(loss) for loss in losses]
    return row


def table(rows: list[Row]) -> str:
    """The Markdown table of the closing note."""
    lines = ["| file | questions in (as Moodle counts) | imported | on the paper | out: same format | out: Markdown |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        case = row.case
        expected = Counter({t: n for t, n in case.moodle.items() if t != "essay"})
        imported = f"{sum(row.imported.values())}"
        if row.imported != expected:
            imported += f": {counts_text(row.imported)}"
        if row.skipped:
            imported += f" ({row.skipped} essay skipped, as asked)"
        if row.issues:
            lines.append(f"| {case.path} | {case.total}: {counts_text(case.moodle)} | refused: {'; '.join(row.issues)} "
                         f"| – | – | – |")
            continue
        paper = f"{row.paper_questions}" + (f" + {row.paper_descriptions} description" if row.paper_descriptions else "")
        same = f"{sum(row.out.values())} {'= same bank' if row.out_same else '≠ (differs)'}"
        if not row.names_same:
            same += " (a repeated name comes back as “name~2”)"
        if row.out_losses:
            same += f"; {len(row.out_losses)} loss(es) reported"
        md = f"{sum(row.md_out.values())} {'= same bank' if row.md_same else '≠ (differs)'}"
        if row.md_losses:
            md += f"; {len(row.md_losses)} loss(es) reported"
        lines.append(f"| {case.path} | {case.total}: {counts_text(case.moodle)} | {imported} | {paper} | {same} | {md} |")
    return "\n".join(lines)
