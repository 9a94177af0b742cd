"""What the bank exporters share: the meaning of a question as a format can carry it, and
the report of what an export could not carry.

No exporter drops anything silently. Each writer (Markdown, GIFT, the Excel template, Aiken)
either writes a field of a question or records an ``ExportLoss`` naming the question and what
was lost; a question the format cannot hold at all is left out and reported as such. After
writing, every writer reads its own output back with the importer of that format and compares
what came back with what was written (``check_round_trip``): any difference not already
reported is reported too, so the report holds even where a format rule was missed.

"The same question" means the same ``neutral`` shape: type, text, options with their
fractions (rounded to 7 decimals, the precision Moodle stores a fraction with, NUMBER(12,7)
in question_answers), per-option and per-answer feedback, pinned options, accepted answers,
matching pairs, explanation, right/wrong feedback, tags, difficulty, points and name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lms.core.text import fold
from lms.quizzes.ir import ParsedBank, ParsedQuestion
from lms.quizzes.rules import auto_pin
from lms.quizzes.types import type_label

# What authors call each format (pages and messages never show the short codes).
FORMAT_NAMES = {"md": "Markdown", "gift": "Moodle GIFT", "xlsx": "Excel", "aiken": "Aiken"}

# The words a true/false option is written with, folded (no case, no diacritics): the key of a
# true/false question comes from which option MEANS true, never from where it stands.
TRUE_WORDS = frozenset({"dung", "true", "t", "d"})
FALSE_WORDS = frozenset({"sai", "false", "f", "s"})

FIELD_LABELS = {
    "type": _l("question type"),
    "text": _l("question text"),
    "name": _l("question name (id)"),
    "choices": _l("option texts"),
    "key": _l("right options and weights"),
    "choice_feedback": _l("feedback on options"),
    "pinned": _l("options kept in place"),
    "answers": _l("accepted answers"),
    "answer_feedback": _l("feedback on answers"),
    "pairs": _l("matching pairs"),
    "explanation": _l("explanation"),
    "feedback_right": _l("feedback for a right answer"),
    "feedback_wrong": _l("feedback for a wrong answer"),
    "tags": _l("topics (tags)"),
    "difficulty": _l("difficulty"),
    "points": _l("points"),
    "options": _l("how answers are compared (case, accents)"),
}
FIELDS = tuple(FIELD_LABELS)


@dataclass(frozen=True)
class ExportLoss:
    """One thing an export could not carry. ``question`` is how an author finds the question
    (its name, or the start of its text), ``type`` its type key, ``field`` a key of
    ``FIELD_LABELS`` (None when the whole question was left out), ``message`` what happened
    (translated lazily)."""

    question: str
    type: str
    message: object
    field: str | None = None
    skipped: bool = False
    # Which question object of the export this is about (two questions may share a label).
    ref: int | None = dataclass_field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.question} ({type_label(self.type)}): {self.message}"


def loss_for(q: ParsedQuestion, message, field_name: str | None = None, *, skipped: bool = False) -> ExportLoss:
    """An ``ExportLoss`` about ``q``."""
    return ExportLoss(question_label(q), q.type, message, field_name, skipped, ref=id(q))


def question_label(q: ParsedQuestion) -> str:
    """The question's name, or the first 60 characters of its first line of text."""
    if q.name:
        return q.name
    from lms.quizzes.text import markdown_to_plain

    first = (markdown_to_plain(q.text) or q.text or "").strip().splitlines()
    text = first[0] if first else ""
    return text if len(text) <= 60 else text[:59] + "…"


def truth_of(text: str | None) -> bool | None:
    """True for an option that means "true" (Đúng, True, T, Đ), False for one that means
    "false" (Sai, False, F, S), whatever its case, diacritics, emphasis or punctuation;
    None otherwise."""
    word = re.sub(r"[\W_]", "", fold(text or ""))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def number_text(value: float) -> str:
    """A number written so that reading it back gives the same float: the shortest decimal
    that round-trips (Python's repr), without an exponent, "-0" or a trailing ".0"."""
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fraction_key(fraction: float) -> float:
    """A fraction as Moodle stores it (7 decimals): 1/3 and 0.3333333 are the same weight."""
    return round(float(fraction) + 0.0, 7) + 0.0


def percent_text(fraction: float) -> str:
    """A weight as GIFT and our Markdown write it (``33.33333`` for 1/3): 5 decimals of a
    percentage are the 7 decimals Moodle keeps of a fraction."""
    return number_text(round(float(fraction) * 100, 5))


def _answer(a: dict) -> tuple:
    fraction = fraction_key(a.get("fraction", 1.0))
    if "min" in a:
        return ("range", float(a["min"]), float(a["max"]), fraction)
    if "value" in a:
        return ("value", float(a["value"]), float(a.get("tolerance") or 0.0), fraction)
    return ("text", a.get("text", ""), fraction)


def neutral(q: ParsedQuestion) -> dict:
    """The meaning of ``q`` as a dict of hashable values keyed by ``FIELDS``: what must be equal
    after an export and an import. Empty strings and None are the same; so are a missing and a
    False comparison option."""
    options = {}
    if q.type == "short":
        options = (("case_sensitive", bool(q.options.get("case_sensitive"))),
                   ("ignore_accents", bool(q.options.get("ignore_accents"))))
    return {
        "type": q.type,
        "text": q.text or "",
        "name": q.name or None,
        "choices": tuple(c.text for c in q.choices),
        "key": tuple(fraction_key(c.fraction) for c in q.choices),
        "choice_feedback": tuple(c.feedback or None for c in q.choices),
        # Pinned as it will be once stored: every import pins options that refer to the others
        # (lms.quizzes.rules.auto_pin), so such a pin survives a format that cannot write it.
        "pinned": tuple(bool(c.pinned) or auto_pin(c.text) for c in q.choices),
        "answers": tuple(_answer(a) for a in q.answers),
        "answer_feedback": tuple(a.get("feedback") or None for a in q.answers),
        "pairs": tuple((p.get("left") or "", p.get("right") or "") for p in q.pairs),
        "explanation": q.explanation or None,
        "feedback_right": q.feedback_right or None,
        "feedback_wrong": q.feedback_wrong or None,
        "tags": tuple(q.tags),
        "difficulty": q.difficulty or None,
        "points": fraction_key(q.points),
        "options": options or (),
    }


def default_value(field: str, n: dict):
    """What field ``field`` of the neutral shape ``n`` holds when the question has nothing there."""
    if field in ("choice_feedback", "answer_feedback"):
        return (None,) * len(n[field])
    if field == "pinned":  # what every import pins by itself
        if len(n["choices"]) != len(n[field]):  # GIFT's true/false view has no options
            return (False,) * len(n[field])
        return tuple(auto_pin(text) for text in n["choices"])
    if field == "points":
        return 1.0
    if field == "options":
        return (("case_sensitive", False), ("ignore_accents", False)) if n["type"] == "short" else ()
    if field in ("tags", "choices", "key", "answers", "pairs"):
        return ()
    return None


def _truefalse_view(n: dict) -> dict:
    """A true/false question as GIFT holds one: which truth value is right, and the feedback
    for a right and a wrong answer (an option's own feedback counts as that)."""
    right = [i for i, k in enumerate(n["key"]) if k > 0]
    truths = [truth_of(t) for t in n["choices"]]
    view = dict(n)
    if len(right) == 1 and len(truths) == 2 and set(truths) == {True, False}:
        r = right[0]
        view["key"] = (truths[r],)
        view["choices"] = ()
        view["feedback_right"] = n["feedback_right"] or n["choice_feedback"][r]
        view["feedback_wrong"] = n["feedback_wrong"] or n["choice_feedback"][1 - r]
        view["choice_feedback"] = ()
    return view


# What each format has a place for (fields of ``neutral``), by question type where it differs.
_EVERYTHING = frozenset(FIELDS)
_GIFT = frozenset({"type", "text", "name", "choices", "key", "choice_feedback", "answers", "answer_feedback",
                   "pairs", "explanation"})
_CARRIED = {
    "md": {None: _EVERYTHING},
    "gift": {None: _GIFT, "truefalse": _GIFT | {"feedback_right", "feedback_wrong"},
             "numeric": _GIFT | {"feedback_wrong"}},
    "xlsx": {None: frozenset({"type", "text", "choices", "key", "answers", "explanation", "tags", "difficulty"})},
    "aiken": {None: frozenset({"type", "text", "choices", "key"})},
}


def carried(fmt: str, qtype: str) -> frozenset:
    """The fields of ``neutral`` that ``fmt`` has a place for in a question of type ``qtype``."""
    table = _CARRIED[fmt]
    return table.get(qtype, table[None])


def project(n: dict, fmt: str) -> dict:
    """``n`` reduced to what ``fmt`` carries, in the form it carries it (GIFT's true/false)."""
    if fmt == "gift" and n["type"] == "truefalse":
        n = _truefalse_view(n)
    keep = carried(fmt, n["type"])
    return {k: v for k, v in n.items() if k in keep}


def lost_fields(q: ParsedQuestion, fmt: str) -> list[str]:
    """The fields of ``q`` that hold something ``fmt`` has no place for."""
    n = neutral(q)
    if fmt == "gift" and q.type == "truefalse":
        n = _truefalse_view(n)
    keep = carried(fmt, q.type)
    return [name for name in FIELDS if name not in keep and n[name] != default_value(name, n)]


def uncarried_losses(q: ParsedQuestion, fmt: str, messages: dict | None = None) -> list[ExportLoss]:
    """A loss for every field of ``q`` that holds something and that ``fmt`` has no place for.
    ``messages`` may give a more precise message for a field."""
    losses = []
    for name in lost_fields(q, fmt):
        message = (messages or {}).get(name) or _l("%(format)s has no place for the %(what)s",
                                                   format=FORMAT_NAMES[fmt], what=FIELD_LABELS[name])
        losses.append(loss_for(q, message, name))
    return losses


def check_round_trip(fmt: str, written: list[tuple[int, ParsedQuestion]], back: ParsedBank,
                     losses: list[ExportLoss]) -> None:
    """Compare what was written (``(line or row where it starts, question)``) with ``back``,
    the same output read by the importer of ``fmt``, and add to ``losses`` every difference in
    a carried field that is not reported yet. A question that does not come back at all, or
    comes back with an import problem, is reported with that problem."""
    reported = {(loss.ref, loss.field) for loss in losses}
    by_line = {q.line: q for q in back.questions}
    problems: dict[int, list[str]] = {}
    starts = sorted(line for line, _ in written)
    for issue in back.issues:
        # An issue belongs to the last question that starts at or before its line.
        owner = max((s for s in starts if s <= issue.line), default=starts[0] if starts else issue.line)
        problems.setdefault(owner, []).append(issue.message)
    for line, q in written:
        again = by_line.get(line)
        if again is None:
            why = "; ".join(str(p) for p in problems.get(line, [])) or "?"
            losses.append(loss_for(q, _l("does not read back from the %(format)s file (%(why)s)",
                                         format=FORMAT_NAMES[fmt], why=why), "type"))
            continue
        want, got = project(neutral(q), fmt), project(neutral(again), fmt)
        differ = [f for f in FIELDS if f in want and want[f] != got.get(f) and (id(q), f) not in reported]
        if "type" in differ:  # the type decides the rest: one message says it
            differ = ["type"]
        if differ:
            what = ", ".join(str(FIELD_LABELS[f]) for f in differ)
            losses.append(loss_for(q, _l("reads back from the %(format)s file with a different %(what)s",
                                         format=FORMAT_NAMES[fmt], what=what), differ[0]))


def group_losses(losses: list[ExportLoss]) -> list[tuple[str, list[str]]]:
    """Losses grouped by message, for a page or a terminal: ``[(message, ["q1 (type)", ...])]``
    in the order the messages first appear."""
    groups: dict[str, list[str]] = {}
    for loss in losses:
        groups.setdefault(str(loss.message), []).append(f"{loss.question} ({type_label(loss.type)})")
    return list(groups.items())
