"""Our Markdown bank format (see docs/content-format.md), parsed and written back.

The format carries every field of a stored question, so that a bank exported as Markdown and
imported again is the same bank whatever format it first came in (the round-trip property in
tests/quizzes/test_roundtrip.py): descriptions and essays (``type:``), weights (``[50%]``,
``= %50% answer``), per-option and per-answer feedback (an indented ``> `` line under the
option or answer), feedback for a right and a wrong answer (``right feedback:``,
``wrong feedback:``), pinned options (``pinned: 4``) and multi-line texts (indented
continuation lines). A text line that would otherwise read as an option, answer,
explanation or metadata line is written with a backslash in front, which reading removes.
"""

from __future__ import annotations

import re
import unicodedata

import yaml
from flask_babel import lazy_gettext as _l

from lms.core.yaml_errors import yaml_error_at
from lms.quizzes.formats.common import (
    ExportLoss,
    check_round_trip,
    fraction_key,
    number_text,
    percent_text,
    truth_of,
)
from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.settings import check_settings
from lms.quizzes.types import EPS, REGISTRY, parse_number, question_problem, validate_question

OPTION_RE = re.compile(r"^\s*[-*]\s+\[( |x|X|-?\d+(?:\.\d+)?%)\]\s+(.*)$")
DISTRACTOR_RE = re.compile(r"^\s*[-*]\s+->\s+(.+)$")  # a right-hand side no left side matches
PAIR_RE = re.compile(r"^\s*[-*]\s+(.+?)\s+->\s+(.+)$")
ANSWER_RE = re.compile(r"^=\s*(.*)$")
WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%(?:\s+|$)")
META_RE = re.compile(r"^(tags|difficulty|points|id|accents|case|type|pinned|right feedback|wrong feedback):\s*(.*)$",
                     re.I)
NUMERIC_RE = re.compile(r"^(?P<value>-?[\d.,]+)\s*(?:(?:\+-|±)\s*(?P<tol>[\d.,]+))?$")
RANGE_RE = re.compile(r"^(?P<min>-?[\d.,]+)\s*\.\.\s*(?P<max>-?[\d.,]+)$")
DIFFICULTIES = ("easy", "medium", "hard")
CHOICE_TYPES = ("single", "multiple", "truefalse")
TEXT_ONLY_TYPES = ("description", "essay")
# What a question's answer lines are called when one question mixes two kinds.
ANSWER_KINDS = {"options": _l("options"), "pairs": _l("matching pairs"), "answers": _l("accepted answers")}


def parse_markdown_bank(text: str) -> ParsedBank:
    """A bank file: YAML front matter (settings) and one question per ``## `` heading, in the
    syntax of docs/content-format.md. Every problem is a ``ParseIssue`` with its line; a
    question with a problem is left out (the import then refuses the whole file)."""
    bank = ParsedBank()
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff").replace("\r\n", "\n"))
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            bank.issues.append(ParseIssue(1, _l("front matter is not closed by a line '---'")))
            return bank
        try:
            raw = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as err:
            at, detail = yaml_error_at(err)
            bank.issues.append(ParseIssue(1 if at is None else at + 2, _l("bad YAML: %(problem)s", problem=detail)))
            return bank
        if not isinstance(raw, dict):
            bank.issues.append(ParseIssue(2, _l("front matter must be key: value lines")))
            return bank
        settings, problems = check_settings(raw)
        for key, message in problems:
            line = next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 2)
            bank.issues.append(ParseIssue(line, message))
        bank.settings = settings
        start = end + 1
    else:
        bank.settings = check_settings({})[0]

    current: list[tuple[int, str]] | None = None
    blocks: list[list[tuple[int, str]]] = []
    for number, line in enumerate(lines[start:], start + 1):
        if line.startswith("## "):
            current = [(number, line)]
            blocks.append(current)
        elif current is not None:
            current.append((number, line))
        elif line.strip() and not line.startswith("# "):
            bank.issues.append(ParseIssue(number, _l("text before the first question: start each question with '## '")))
    for block in blocks:
        question = _parse_block(block, bank.issues)
        if question is not None:
            bank.questions.append(question)
    if not blocks and not bank.issues:
        bank.issues.append(ParseIssue(start + 1, _l("the bank has no questions (each starts with '## ')")))
    return bank


def _structural(content: str) -> bool:
    """Whether a line (without its indentation) reads as something other than text: an
    option, pair, answer, explanation, metadata, a malformed option or a new question."""
    return bool(content.startswith((">", "- ", "* ", "## ")) or OPTION_RE.match(content) or DISTRACTOR_RE.match(content)
                or PAIR_RE.match(content) or ANSWER_RE.match(content) or META_RE.match(content))


def _escaped(content: str) -> bool:
    """Whether ``content`` is backslashes followed by a structural line: the writer put one
    backslash in front of it (``\\- list item``), the reader takes one away."""
    bare = content.lstrip("\\")
    return bare != content and _structural(bare)


def _text_line(line: str) -> str:
    """A text line as stored: its indentation kept, the writer's escape removed."""
    content = line.lstrip()
    indent = line[: len(line) - len(content)]
    return indent + (content[1:] if _escaped(content) else content)


def _escape_line(line: str) -> str:
    """The inverse of ``_text_line``."""
    content = line.lstrip()
    indent = line[: len(line) - len(content)]
    if _structural(content.lstrip("\\")):
        return indent + "\\" + content
    return line


def _quote_value(line: str) -> str:
    value = line[1:]
    return value[1:] if value.startswith(" ") else value


def _weight(text: str) -> tuple[float | None, str]:
    if m := WEIGHT_RE.match(text):
        return float(m.group(1)) / 100.0, text[m.end():]
    return None, text


def _box_fraction(box: str) -> float | None:
    """The fraction an option box states itself (``[50%]``), or None for ``[x]``/``[ ]``."""
    return float(box[:-1]) / 100.0 if box.endswith("%") else None


def infer_choice_type(boxes: list[str], texts: list[str]) -> str:
    """The type options make without a ``type:`` line. With weights (``[50%]``): single when
    exactly one option earns full marks, multiple otherwise. Without: several ``[x]`` make a
    multiple-answer question; two options meaning true and false (``Đúng``/``Sai``,
    ``True``/``False``, any order) with one ``[x]`` a true/false question; else single."""
    if any(b.endswith("%") for b in boxes):
        fractions = [_box_fraction(b) if b.endswith("%") else (1.0 if b.lower() == "x" else 0.0) for b in boxes]
        return "single" if sum(1 for f in fractions if f >= 1 - EPS) == 1 else "multiple"
    right = sum(1 for b in boxes if b.lower() == "x")
    if right > 1:
        return "multiple"
    if right == 1 and len(texts) == 2 and {truth_of(t) for t in texts} == {True, False}:
        return "truefalse"
    return "single"


def choice_fractions(boxes: list[str], qtype: str) -> list[float]:
    """Fractions of options written with boxes, for a question of ``qtype``: as written when
    any box holds a weight; else a multiple-answer question gives each right option 1/R and
    each wrong one -1/R (R right options), a single-answer one 1 and 0."""
    if any(b.endswith("%") for b in boxes):
        return [_box_fraction(b) if b.endswith("%") else (1.0 if b.lower() == "x" else 0.0) for b in boxes]
    right = sum(1 for b in boxes if b.lower() == "x")
    if qtype == "multiple" and right:
        return [1.0 / right if b.lower() == "x" else -1.0 / right for b in boxes]
    return [1.0 if b.lower() == "x" else 0.0 for b in boxes]


def _type_name(name: str | None):
    """A question type as authors read it in a message ("trắc nghiệm một đáp án", lazily
    translated), not the keyword stored for it."""
    kind = REGISTRY.get(name or "")
    return kind.label if kind is not None and kind.label is not None else name


def _parse_block(block: list[tuple[int, str]], issues: list[ParseIssue]) -> ParsedQuestion | None:
    first_line, heading = block[0]
    text_lines = [heading[3:].strip()]
    items: list[dict] = []  # {"kind": option|pair|answer, "line", "head", "more": [...], "feedback": [...]}
    explanation: list[str] = []
    meta: dict[str, str] = {}
    feedback_meta: dict[str, list[str]] = {}
    broken = False
    current: dict | None = None  # what indented lines continue: an item or a feedback metadata line
    blanks = 0

    for number, raw in block[1:]:
        line = raw.rstrip()
        if not line.strip():
            blanks += 1
            continue
        content = line.strip()
        # An indented line continues the option, answer or feedback above it, unless it reads
        # as an option, answer or metadata line itself (the writer escapes those when they are
        # text, so options indented by hand still read as options).
        if line[:1] in (" ", "\t") and current is not None and (
                not _structural(content) or (content.startswith(">") and current["kind"] in ("option", "answer"))):
            if content.startswith(">"):
                current["feedback"].append(_quote_value(content))
            elif current["feedback"]:
                issues.append(ParseIssue(number, _l("lines continuing an option come before its feedback ('  > ...')")))
                broken = True
            else:
                current["more"].extend([""] * blanks + [_text_line(line[2:] if line.startswith("  ") else line[1:])])
            blanks = 0
            continue
        pending, blanks = blanks, 0
        if _escaped(content):
            m = None
        elif m := OPTION_RE.match(line):
            current = {"kind": "option", "line": number, "box": m.group(1), "head": m.group(2).strip(),
                       "more": [], "feedback": []}
            items.append(current)
            continue
        elif m := DISTRACTOR_RE.match(line):
            current = {"kind": "pair", "line": number, "head": "", "right": m.group(1).strip(), "more": [],
                       "feedback": []}
            items.append(current)
            continue
        elif m := PAIR_RE.match(line):
            current = {"kind": "pair", "line": number, "head": m.group(1).strip(), "right": m.group(2).strip(),
                       "more": [], "feedback": []}
            items.append(current)
            continue
        elif m := ANSWER_RE.match(content):
            current = {"kind": "answer", "line": number, "head": m.group(1).strip(), "more": [], "feedback": []}
            items.append(current)
            continue
        elif content.startswith(">"):
            explanation.append(_quote_value(content))
            current = None
            continue
        elif m := META_RE.match(content):
            key = m.group(1).lower()
            meta[key] = m.group(2).strip()
            if key in ("right feedback", "wrong feedback"):
                current = {"kind": "meta", "more": [], "feedback": []}
                feedback_meta[key] = [m.group(2).strip()]
                current["more"] = feedback_meta[key]
            else:
                current = None
            continue
        elif content.startswith(("- ", "* ")):
            issues.append(ParseIssue(number, _l("an option must look like '- [x] text' or '- [ ] text'")))
            broken = True
            continue
        if items:
            issues.append(ParseIssue(number, _l("unexpected text after the options; explanations start with '> '")))
            broken = True
            continue
        text_lines.extend([""] * pending + [_text_line(line)])
        current = None

    q = ParsedQuestion(type="", text="\n".join(text_lines).strip(), line=first_line,
                       explanation="\n".join(explanation).strip() or None)
    q.tags = [t.strip() for t in meta.get("tags", "").split(",") if t.strip()]
    if "difficulty" in meta:
        if meta["difficulty"] not in DIFFICULTIES:
            issues.append(ParseIssue(first_line, _l("difficulty must be one of %(values)s", values=", ".join(DIFFICULTIES))))
            broken = True
        q.difficulty = meta["difficulty"]
    if "points" in meta:
        points = parse_number(meta["points"])
        if points is None or points <= 0:
            issues.append(ParseIssue(first_line, _l("points must be a positive number")))
            broken = True
        else:
            q.points = points
    q.name = meta.get("id") or None
    q.feedback_right = "\n".join(feedback_meta.get("right feedback", [])).strip() or None
    q.feedback_wrong = "\n".join(feedback_meta.get("wrong feedback", [])).strip() or None
    declared = meta.get("type", "").lower() or None
    if declared is not None and declared not in REGISTRY:
        issues.append(ParseIssue(first_line, _l("type must be one of %(values)s", values=", ".join(REGISTRY))))
        return None

    def text_of(item):
        return "\n".join([item["head"], *item["more"]]).strip()

    def feedback_of(item):
        return "\n".join(item["feedback"]).strip() or None

    options = [i for i in items if i["kind"] == "option"]
    pairs = [i for i in items if i["kind"] == "pair"]
    answers = [i for i in items if i["kind"] == "answer"]
    kinds = [k for k, present in (("options", options), ("pairs", pairs), ("answers", answers)) if present]
    if len(kinds) > 1:
        issues.append(ParseIssue(first_line, _l("the question mixes %(kinds)s; use one kind of answer",
                                                  kinds=" + ".join(str(ANSWER_KINDS[k]) for k in kinds))))
        return None
    if declared in TEXT_ONLY_TYPES:
        if items:
            issues.append(ParseIssue(first_line, _l("a question of type %(type)s has no options or answers", type=_type_name(declared))))
            return None
        q.type = declared
    elif options:
        boxes = [o["box"] for o in options]
        texts = [text_of(o) for o in options]
        q.type = declared or infer_choice_type(boxes, texts)
        if q.type not in CHOICE_TYPES:
            issues.append(ParseIssue(first_line, _l("a question of type %(type)s has no '- [x]' options", type=_type_name(q.type))))
            return None
        q.choices = [Choice(t, f, feedback=feedback_of(o))
                     for o, t, f in zip(options, texts, choice_fractions(boxes, q.type), strict=True)]
    elif pairs:
        if declared not in (None, "matching"):
            issues.append(ParseIssue(first_line, _l("a question of type %(type)s has no 'left -> right' pairs", type=_type_name(declared))))
            return None
        q.type = "matching"
        q.pairs = [{"left": text_of(p), "right": p["right"]} for p in pairs]
    elif answers:
        weighted = [_weight(a["head"]) for a in answers]
        numeric = [_numeric_answer(text) for _, text in weighted]
        if declared == "numeric" or (declared is None and all(n is not None for n in numeric)):
            bad = [a["head"] for a, n in zip(answers, numeric, strict=True) if n is None]
            if bad:
                issues.append(ParseIssue(first_line, _l("numeric answer '%(value)s' is not a number, 'n +- t' or 'a..b'", value=bad[0])))
                return None
            q.type = "numeric"
            q.answers = numeric
        elif declared in (None, "short"):
            q.type = "short"
            q.answers = [{"text": text.strip(), "fraction": 1.0} for _, text in weighted]
            q.options = {"ignore_accents": meta.get("accents", "").lower() in ("optional", "ignore"),
                         "case_sensitive": meta.get("case", "").lower() == "sensitive"}
        else:
            issues.append(ParseIssue(first_line, _l("a question of type %(type)s has no '= answer' lines", type=_type_name(declared))))
            return None
        for answer, (weight, _), item in zip(q.answers, weighted, answers, strict=True):
            if weight is not None:
                answer["fraction"] = weight
            # Only when written: a stored answer without feedback keeps its old content hash.
            if (feedback := feedback_of(item)) is not None:
                answer["feedback"] = feedback
    else:
        issues.append(ParseIssue(first_line, _l("the question has no options ('- [x] ...') and no answer ('= ...')")))
        return None
    if "pinned" in meta:
        numbers = [parse_number(x) for x in re.split(r"[,\s]+", meta["pinned"]) if x]
        if not q.choices or any(n is None or not n.is_integer() or not 1 <= n <= len(q.choices) for n in numbers):
            issues.append(ParseIssue(first_line, _l("pinned: give option numbers from 1 to %(n)d, e.g. 'pinned: 4'", n=len(q.choices))))
            broken = True
        else:
            for n in numbers:
                q.choices[int(n) - 1].pinned = True
    for problem in validate_question(q):
        issues.append(ParseIssue(first_line, question_problem(q.text, problem)))
        broken = True
    return None if broken else q


def _numeric_answer(text: str) -> dict | None:
    text = text.strip()
    if m := RANGE_RE.match(text):
        low, high = parse_number(m.group("min")), parse_number(m.group("max"))
        if low is not None and high is not None:
            return {"min": low, "max": high, "fraction": 1.0}
    if m := NUMERIC_RE.match(text):
        value = parse_number(m.group("value"))
        tolerance = parse_number(m.group("tol")) if m.group("tol") else 0.0
        if value is not None and tolerance is not None:
            return {"value": value, "tolerance": tolerance, "fraction": 1.0}
    return None


def write_markdown_bank(settings: dict, questions: list[ParsedQuestion], losses: list[ExportLoss] | None = None) -> str:
    """The inverse of the parser, for `lms export-questions --format md`: every question and
    every field of it (see the module docstring). When ``losses`` is given, the output is read
    back and anything that would not come back the same is added to it (``ExportLoss``)."""
    front = {k: v for k, v in settings.items() if v is not None}
    out = ["---", *yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip().split("\n"), "---", ""]
    written: list[tuple[int, ParsedQuestion]] = []
    for q in questions:
        written.append((len(out) + 1, q))
        out.extend(_write_question(q))
        out.append("")
    text = "\n".join(out)
    if losses is not None:
        check_round_trip("md", written, parse_markdown_bank(text), losses)
    return text


def _continued(first: str, rest: list[str], indent: str = "  ") -> list[str]:
    """A first line and the lines continuing it, indented (blank lines stay blank)."""
    return [first] + [indent + _escape_line(line) if line.strip() else "" for line in rest]


def _boxes(q: ParsedQuestion) -> list[str]:
    """Option boxes that give back ``q``'s fractions: ``[x]``/``[ ]`` when the rule of its
    type gives them, weights (``[50%]``) otherwise."""
    want = [fraction_key(c.fraction) for c in q.choices]
    plain = ["x" if f > 0 else " " for f in want]
    if [fraction_key(f) for f in choice_fractions(plain, q.type)] == want:
        return plain
    boxes = ["x" if f == 1 else " " if f == 0 else percent_text(f) + "%" for f in want]
    if all(b in ("x", " ") for b in boxes):  # a weight must show, or the rule above applies
        boxes = ["100%" if b == "x" else b for b in boxes]
    return boxes


def _answer_line(q: ParsedQuestion, a: dict) -> str:
    fraction = a.get("fraction", 1.0)
    if q.type == "numeric":
        if "min" in a:
            value = f"{number_text(a['min'])}..{number_text(a['max'])}"
        else:
            value = number_text(a["value"]) + (f" +- {number_text(a['tolerance'])}" if a.get("tolerance") else "")
    else:
        value = a["text"]
    weight = "" if fraction_key(fraction) == 1 and not WEIGHT_RE.match(value) else f"%{percent_text(fraction)}% "
    return f"= {weight}{value}"


def _write_question(q: ParsedQuestion) -> list[str]:
    text = (q.text or "").split("\n")
    out = [f"## {text[0]}"] + [_escape_line(line) if line.strip() else "" for line in text[1:]]
    items: list[str] = []
    inferred = None
    if q.type in CHOICE_TYPES:
        boxes = _boxes(q)
        inferred = infer_choice_type(boxes, [c.text for c in q.choices])
        for box, c in zip(boxes, q.choices, strict=True):
            lines = c.text.split("\n")
            items.extend(_continued(f"- [{box}] {lines[0]}", lines[1:]))
            if c.feedback:
                items.extend(f"  > {line}" if line else "  >" for line in c.feedback.split("\n"))
    elif q.type == "matching":
        inferred = "matching"
        for p in q.pairs:
            left = (p.get("left") or "").split("\n")
            head = f"- {left[0]} -> {p['right']}" if left[0] else f"- -> {p['right']}"
            items.extend(_continued(head, left[1:]))
    elif q.type in ("short", "numeric"):
        lines = [_answer_line(q, a) for a in q.answers]
        inferred = "numeric" if all(_numeric_answer(_weight(line[2:])[1]) for line in lines) else "short"
        for line, a in zip(lines, q.answers, strict=True):
            items.append(line)
            if a.get("feedback"):
                items.extend(f"  > {x}" if x else "  >" for x in a["feedback"].split("\n"))
    if q.name:
        out.append(f"id: {q.name}")
    if inferred != q.type:
        out.append(f"type: {q.type}")
    if q.tags:
        out.append(f"tags: {', '.join(q.tags)}")
    if q.difficulty:
        out.append(f"difficulty: {q.difficulty}")
    if fraction_key(q.points) != 1:
        out.append(f"points: {number_text(q.points)}")
    if q.type == "short" and q.options.get("ignore_accents"):
        out.append("accents: optional")
    if q.type == "short" and q.options.get("case_sensitive"):
        out.append("case: sensitive")
    pinned = [str(i) for i, c in enumerate(q.choices, 1) if c.pinned]
    if pinned:
        out.append(f"pinned: {', '.join(pinned)}")
    for key, value in (("right feedback", q.feedback_right), ("wrong feedback", q.feedback_wrong)):
        if value:
            lines = value.split("\n")
            out.extend(_continued(f"{key}: {lines[0]}", lines[1:]))
    if items:
        out.append("")
        out.extend(items)
    if q.explanation:
        out.append("")
        out.extend(f"> {line}" if line else ">" for line in q.explanation.split("\n"))
    return out
