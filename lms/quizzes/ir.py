"""The format-neutral shape of a question bank.

Every import format (our Markdown, Moodle GIFT, Aiken, the Excel template) parses into
these dataclasses; the question-type registry validates and grades them; the database
stores them as JSON. Keeping one shape means one grader, whatever the source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Choice:
    text: str  # Markdown (lms.quizzes.text)
    # Share of the question's points this choice is worth: 1.0 right, 0 wrong, negative
    # to penalise; GIFT weights (~%50%) land here directly.
    fraction: float = 0.0
    feedback: str | None = None  # Markdown; shown at review beside this option when chosen
    # The option's identity across versions of its question ("c1", "c2"...), assigned by
    # lms.quizzes.services.load_bank, never by a parser: a regrade after the options were
    # reordered or corrected grades by meaning, not by position.
    id: str | None = None
    # Kept in its written place when options are shuffled ("all of the above").
    pinned: bool = False


@dataclass
class ParsedQuestion:
    type: str  # a key of lms.quizzes.types.REGISTRY
    text: str
    line: int = 0  # where the question starts in the source (line or spreadsheet row)
    name: str | None = None  # GIFT ::title:: or an explicit id; stable key across edits
    choices: list[Choice] = field(default_factory=list)
    # short answer: accepted answers with their fractions; numeric: {"value", "tolerance", "fraction"}
    answers: list[dict] = field(default_factory=list)
    # matching: [{"left": ..., "right": ...}]
    pairs: list[dict] = field(default_factory=list)
    explanation: str | None = None
    tags: list[str] = field(default_factory=list)
    difficulty: str | None = None
    category: str | None = None
    points: float = 1.0
    options: dict = field(default_factory=dict)  # e.g. {"case_sensitive": False, "ignore_accents": True}
    # GIFT feedback shown when the answer is right/wrong (true/false questions have both).
    feedback_right: str | None = None
    feedback_wrong: str | None = None
    def to_data(self) -> dict:
        """What QuestionVersion.data stores. Fields at their default are left out, so that a
        field added later does not change the content hash of every stored question."""
        data = asdict(self)
        for key in ("line", "text", "type", "explanation", "tags", "difficulty", "points", "name"):
            data.pop(key)
        if data.get("category") is None:  # a GIFT $CATEGORY is kept, so that an export writes it back
            data.pop("category")
        data["choices"] = [{k: v for k, v in c.items() if not (k == "pinned" and not v) and not (k == "id" and v is None)}
                           for c in data["choices"]]
        return data


@dataclass
class ParseIssue:
    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        """"line 7: <message>" in the current language (English outside a request or app)."""
        from flask_babel import gettext

        if self.column is None:
            where = gettext("line %(line)d", line=self.line)
        else:
            where = gettext("row %(row)d, column %(col)s", row=self.line, col=self.column)
        return f"{where}: {self.message}"


@dataclass
class ParsedBank:
    settings: dict = field(default_factory=dict)
    questions: list[ParsedQuestion] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)  # any issue refuses the whole import
    # What the import changed or decided on its own, shown in the import report without
    # refusing it (an option pinned in place, a phone number given back its leading zero).
    notes: list[ParseIssue] = field(default_factory=list)
    # Questions the import left out because the author asked it to (essays, with "skip
    # essays"): the import went through, but not everything in the file came across.
    skipped: list[ParsedQuestion] = field(default_factory=list)
