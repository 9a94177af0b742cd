"""The format-neutral shape of a question bank.

Every import format (our Markdown, Moodle GIFT, Aiken, the Excel template) parses into
these dataclasses; the question-type registry validates and grades them; the database
stores them as JSON. Keeping one shape means one grader, whatever the source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Choice:
    text: str
    # Share of the question's points this choice is worth: 1.0 right, 0 wrong, negative
    # to penalise; GIFT weights (~%50%) land here directly.
    fraction: float = 0.0
    feedback: str | None = None


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
    # A GIFT description / essay etc. that we keep but do not grade.
    format: str = "markdown"

    def to_data(self) -> dict:
        data = asdict(self)
        for key in ("line", "text", "type", "explanation", "tags", "difficulty", "category", "points", "name"):
            data.pop(key)
        return data


@dataclass
class ParseIssue:
    line: int
    message: str
    column: str | None = None

    def __str__(self) -> str:
        where = f"line {self.line}" if self.column is None else f"row {self.line}, column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ParsedBank:
    settings: dict = field(default_factory=dict)
    questions: list[ParsedQuestion] = field(default_factory=list)
    issues: list[ParseIssue] = field(default_factory=list)
