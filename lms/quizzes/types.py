"""Question types: one registry, so views, importers and graders never branch on type names.

Each type knows how to validate a parsed question, read a learner's response from form
values, grade it to a fraction between 0 and 1, and describe the right answer for review.
Grading functions are pure: plain data in, a number out.

Partial credit (documented in docs/content-format.md):
- single choice / true-false: the chosen option's fraction (Markdown: 1 or 0; GIFT weights kept);
- multiple answers: the sum of the chosen options' fractions, clamped to 0..1. In Markdown each
  right option is worth 1/R and each wrong option -1/R (R = number of right options), so ticking
  everything scores 0; GIFT weights are used as written;
- short answer: the best fraction among matching accepted answers (`*` is a wildcard);
- numeric: the best fraction among answers whose range contains the response;
- matching: the share of pairs matched correctly.
A question's score never goes below 0 or above its points.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from lms.core.i18n import register_labels
from lms.core.text import fold
from lms.quizzes.ir import ParsedQuestion

EPS = 1e-9


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def normalise_answer(text: str, *, case_sensitive: bool = False, ignore_accents: bool = False) -> str:
    text = re.sub(r"\s+", " ", (text or "").strip())
    if ignore_accents:
        text = fold(text)
    elif not case_sensitive:
        text = text.casefold()
    return text


def parse_number(value) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value or "").strip().replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+,\d+", text):  # 1.234,5 (Vietnamese thousands)
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class QuestionType:
    name: str
    gradable: bool = True
    has_choices: bool = False
    label: object = None  # what authors and learners read (a lazy translated string)

    def validate(self, q: ParsedQuestion) -> list[str]:
        return []

    def parse_response(self, data: dict, values: list[str]):
        return None

    def grade(self, data: dict, response) -> float | None:
        return None

    def right_answer(self, data: dict) -> list[str]:
        return []

    def feedback(self, data: dict, response) -> list[str]:
        """Feedback written for this response (Markdown texts), most specific first."""
        return []


def _right_or_wrong(data: dict, fraction: float) -> list[str]:
    """GIFT's feedback for a right or a wrong answer (true/false ``#wrong#right``, the
    numeric ``~#...`` for any other answer), when written."""
    text = data.get("feedback_right") if fraction >= 1 - EPS else data.get("feedback_wrong")
    return [text] if text else []


class _Choice(QuestionType):
    def validate(self, q):
        problems = []
        if len(q.choices) < 2:
            problems.append(_l("needs at least two options"))
        if not any(c.fraction > EPS for c in q.choices):
            problems.append(_l("has no right option (mark one with [x])"))
        if any(not c.text.strip() for c in q.choices):
            problems.append(_l("has an empty option"))
        return problems

    def parse_response(self, data, values):
        count = len(data.get("choices", []))
        picked = []
        for v in values:
            if str(v).isdigit() and int(v) < count and int(v) not in picked:
                picked.append(int(v))
        return picked

    def right_answer(self, data):
        return [c["text"] for c in data.get("choices", []) if c["fraction"] > EPS]

    def feedback(self, data, response):
        # Each chosen option's own feedback, in the order the options were written.
        choices = data.get("choices", [])
        picked = sorted(i for i in set(response or []) if isinstance(i, int) and 0 <= i < len(choices))
        notes = [choices[i]["feedback"] for i in picked if choices[i].get("feedback")]
        return notes + (_right_or_wrong(data, self.grade(data, picked)) if picked else [])


class SingleChoice(_Choice):
    def validate(self, q):
        problems = super().validate(q)
        if sum(1 for c in q.choices if c.fraction >= 1 - EPS) > 1:
            problems.append(_l("has several fully right options: use multiple answers instead"))
        return problems

    def parse_response(self, data, values):
        picked = super().parse_response(data, values)
        return picked[:1]

    def grade(self, data, response):
        if not response:
            return 0.0
        return _clamp(data["choices"][response[0]]["fraction"])


class MultipleChoice(_Choice):
    def grade(self, data, response):
        return _clamp(sum(data["choices"][i]["fraction"] for i in set(response or [])))


class TrueFalse(SingleChoice):
    def validate(self, q):
        problems = super().validate(q)
        if len(q.choices) != 2:
            problems.append(_l("true/false needs exactly two options"))
        return problems


class ShortAnswer(QuestionType):
    def validate(self, q):
        if not q.answers or not any(a.get("fraction", 1) > EPS for a in q.answers):
            return [_l("has no accepted answer (add a line '= answer')")]
        return []

    def parse_response(self, data, values):
        return (values[0] if values else "")[:500]

    def best_answer(self, data, response) -> dict | None:
        """The accepted answer ``response`` earns the most with (the first of equals), or None."""
        opts = data.get("options", {})
        given = normalise_answer(response or "", case_sensitive=opts.get("case_sensitive", False),
                                 ignore_accents=opts.get("ignore_accents", False))
        if not given:
            return None
        best = None
        for answer in data.get("answers", []):
            expected = normalise_answer(answer["text"], case_sensitive=opts.get("case_sensitive", False),
                                        ignore_accents=opts.get("ignore_accents", False))
            pattern = "^" + ".*".join(re.escape(part) for part in expected.split("*")) + "$"
            if re.match(pattern, given, re.DOTALL) and (
                    best is None or answer.get("fraction", 1.0) > best.get("fraction", 1.0)):
                best = answer
        return best

    def grade(self, data, response):
        best = self.best_answer(data, response)
        return _clamp(best.get("fraction", 1.0)) if best else 0.0

    def feedback(self, data, response):
        if not (response or "").strip():
            return []
        best = self.best_answer(data, response)
        if best is not None and best.get("feedback"):
            return [best["feedback"]]
        return _right_or_wrong(data, self.grade(data, response))

    def right_answer(self, data):
        return [a["text"] for a in data.get("answers", []) if a.get("fraction", 1) >= 1 - EPS]


class Numeric(QuestionType):
    def validate(self, q):
        if not q.answers:
            return [_l("has no numeric answer (add a line '= 12' or '= 12 +- 0.5')")]
        for a in q.answers:
            if "min" in a and a["min"] > a["max"]:
                return [_l("range %(low)s..%(high)s is empty", low=f"{a['min']:g}", high=f"{a['max']:g}")]
        return []

    def parse_response(self, data, values):
        return (values[0] if values else "")[:100]

    def best_answer(self, data, response) -> dict | None:
        """The answer whose range holds ``response`` and earns the most (the first of equals)."""
        number = parse_number(response)
        if number is None:
            return None
        best = None
        for a in data.get("answers", []):
            low, high = (a["min"], a["max"]) if "min" in a else (a["value"] - a.get("tolerance", 0), a["value"] + a.get("tolerance", 0))
            if low - EPS <= number <= high + EPS and (best is None or a.get("fraction", 1.0) > best.get("fraction", 1.0)):
                best = a
        return best

    def grade(self, data, response):
        best = self.best_answer(data, response)
        return _clamp(best.get("fraction", 1.0)) if best else 0.0

    def feedback(self, data, response):
        # Moodle: the matching answer's feedback; none matching, the "~#..." catch-all's.
        if not str(response or "").strip():
            return []
        best = self.best_answer(data, response)
        if best is not None and best.get("feedback"):
            return [best["feedback"]]
        return _right_or_wrong(data, self.grade(data, response))

    def right_answer(self, data):
        out = []
        for a in data.get("answers", []):
            if a.get("fraction", 1) < 1 - EPS:
                continue
            if "min" in a:
                out.append(f"{a['min']:g}..{a['max']:g}")
            elif a.get("tolerance"):
                out.append(f"{a['value']:g} ± {a['tolerance']:g}")
            else:
                out.append(f"{a['value']:g}")
        return out


class Matching(QuestionType):
    def validate(self, q):
        problems = []
        if len([p for p in q.pairs if p.get("left")]) < 2:
            problems.append(_l("matching needs at least two pairs"))
        if any(not p.get("right") for p in q.pairs):
            problems.append(_l("every pair needs a right-hand side"))
        return problems

    def parse_response(self, data, values):
        # values[i] is the right-hand text chosen for left item i
        rights = {p["right"] for p in data.get("pairs", [])}
        return [v if v in rights else "" for v in values[: len(data.get("pairs", []))]]

    def grade(self, data, response):
        lefts = [p for p in data.get("pairs", []) if p.get("left")]
        if not lefts:
            return 0.0
        response = list(response or [])
        right = sum(1 for i, p in enumerate(lefts) if i < len(response) and response[i] == p["right"])
        return right / len(lefts)

    def right_answer(self, data):
        return [f"{p['left']} → {p['right']}" for p in data.get("pairs", []) if p.get("left")]

    def feedback(self, data, response):
        if not any(response or []):
            return []
        return _right_or_wrong(data, self.grade(data, response))


class Essay(QuestionType):
    """Kept on import (GIFT `{}`); scored by a person, never automatically."""

    def parse_response(self, data, values):
        return (values[0] if values else "")[:10000]


class Description(QuestionType):
    """Text shown between questions (GIFT question with no answer block); not a question."""


REGISTRY: dict[str, QuestionType] = {
    "single": SingleChoice("single", has_choices=True, label=_l("single choice")),
    "multiple": MultipleChoice("multiple", has_choices=True, label=_l("multiple answers")),
    "truefalse": TrueFalse("truefalse", has_choices=True, label=_l("true/false")),
    "short": ShortAnswer("short", label=_l("short answer")),
    "numeric": Numeric("numeric", label=_l("numeric")),
    "matching": Matching("matching", label=_l("matching")),
    "essay": Essay("essay", gradable=False, label=_l("essay")),
    "description": Description("description", gradable=False, label=_l("description")),
}


register_labels("question_type", {name: kind.label for name, kind in REGISTRY.items()})


def type_label(name: str) -> str:
    """The translated name of a question type ("trắc nghiệm một đáp án"); the raw name for
    a type this version does not know."""
    kind = REGISTRY.get(name)
    return str(kind.label) if kind is not None and kind.label is not None else name


# What one stored question may hold, whatever the format it came from: a page shows a
# whole bank, so an oversized question costs every reader (the report's 400 MB question
# made the bank page take 6 GB). A text field is bounded like one Excel cell (32,767
# characters, Microsoft's "Excel specifications and limits"), the rest by generous use.
MAX_TEXT_CHARS = 32_767        # question text, explanation, feedback, one option or answer
MAX_ITEMS = 50                 # options, accepted answers or matching pairs
MAX_TAGS_CHARS = 498           # the tags column holds ",tag1,tag2," in 500 characters
MAX_NAME_CHARS = 255


def size_problems(q: ParsedQuestion) -> list:
    """Translated messages for every part of ``q`` over the bounds above ([] when none)."""
    from flask_babel import lazy_gettext as _l

    def too_long(what, value):
        if value and len(value) > MAX_TEXT_CHARS:
            problems.append(_l("%(what)s has %(size)d characters; at most %(n)d",
                               what=what, size=len(value), n=MAX_TEXT_CHARS))

    problems: list = []
    too_long(_l("the question text"), q.text)
    too_long(_l("the explanation"), q.explanation)
    too_long(_l("the feedback"), q.feedback_right)
    too_long(_l("the feedback"), q.feedback_wrong)
    for what, items in ((_l("options"), q.choices), (_l("accepted answers"), q.answers), (_l("pairs"), q.pairs)):
        if len(items) > MAX_ITEMS:
            problems.append(_l("%(size)d %(what)s; at most %(n)d", size=len(items), what=what, n=MAX_ITEMS))
    for choice in q.choices[:MAX_ITEMS]:
        too_long(_l("an option"), choice.text)
        too_long(_l("the feedback"), choice.feedback)
    for item in (*q.answers[:MAX_ITEMS], *q.pairs[:MAX_ITEMS]):
        for value in item.values():
            too_long(_l("an answer"), value if isinstance(value, str) else None)
    if len(",".join(q.tags)) > MAX_TAGS_CHARS:
        problems.append(_l("the topics (tags) take %(size)d characters; at most %(n)d together",
                           size=len(",".join(q.tags)), n=MAX_TAGS_CHARS))
    if q.name and len(q.name) > MAX_NAME_CHARS:
        problems.append(_l("the question name has %(size)d characters; at most %(n)d",
                           size=len(q.name), n=MAX_NAME_CHARS))
    return problems


def question_problem(text: str, problem) -> object:
    """The import message for one of ``validate_question``'s problems of the question whose
    (plain) text is ``text``: "question 'Câu 2' has no right option", translated lazily."""
    return _l("question '%(text)s' %(problem)s", text=text[:40], problem=problem)


def validate_question(q: ParsedQuestion) -> list:
    """Problems of ``q`` as messages (size bounds first, then its type's rules); [] when fine."""
    kind = REGISTRY.get(q.type)
    if kind is None:
        return [_l("unknown question type “%(type)s”", type=q.type)]
    problems = size_problems(q)
    if problems:
        return problems
    if q.type != "description" and not q.text.strip():
        problems.append(_l("has no question text"))
    return problems + kind.validate(q)


def feedback_for(question_type: str, data: dict, response) -> list[str]:
    """The feedback the author wrote for ``response`` (a parsed response, as stored), as a
    list of Markdown texts to show in this order; [] for no answer or no feedback.

    As Moodle shows it (GIFT): single/multiple choice, the chosen options' own feedback;
    true/false, the feedback for a right or a wrong answer (GIFT ``{T#wrong#right}``);
    short answer and numeric, the feedback of the accepted answer that scored, else the one
    for any other answer (numeric ``~#...``; a short answer's ``=%0%*#...`` is an answer).
    The general feedback (GIFT ``####``, our ``explanation``) is not included: it is shown
    whatever the answer."""
    kind = REGISTRY.get(question_type)
    if kind is None or response in (None, "", [], {}):
        return []
    return [text for text in kind.feedback(data, response) if text]


def grade_response(question_type: str, data: dict, response) -> float | None:
    """Fraction 0..1 earned, or None for types a person must score."""
    return REGISTRY[question_type].grade(data, response)
