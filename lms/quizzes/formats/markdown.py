"""Our Markdown bank format (see docs/content-format.md), parsed and written back."""

from __future__ import annotations

import re
import unicodedata

import yaml

from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.settings import check_settings
from lms.quizzes.types import parse_number, validate_question

OPTION_RE = re.compile(r"^\s*[-*]\s+\[( |x|X)\]\s+(.*)$")
PAIR_RE = re.compile(r"^\s*[-*]\s+(.+?)\s+->\s+(.+)$")
ANSWER_RE = re.compile(r"^=\s*(.*)$")
META_RE = re.compile(r"^(tags|difficulty|points|id|accents|case):\s*(.*)$", re.I)
NUMERIC_RE = re.compile(r"^(?P<value>-?[\d.,]+)\s*(?:(?:\+-|±)\s*(?P<tol>[\d.,]+))?$")
RANGE_RE = re.compile(r"^(?P<min>-?[\d.,]+)\s*\.\.\s*(?P<max>-?[\d.,]+)$")
TRUE_WORDS = {"đúng", "true", "dung"}
FALSE_WORDS = {"sai", "false"}
DIFFICULTIES = ("easy", "medium", "hard")


def parse_markdown_bank(text: str) -> ParsedBank:
    bank = ParsedBank()
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff").replace("\r\n", "\n"))
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            bank.issues.append(ParseIssue(1, "front matter is not closed by a line '---'"))
            return bank
        try:
            raw = yaml.safe_load("\n".join(lines[1:end])) or {}
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            bank.issues.append(ParseIssue((mark.line + 2) if mark else 1, f"bad YAML: {getattr(err, 'problem', None) or err}"))
            return bank
        if not isinstance(raw, dict):
            bank.issues.append(ParseIssue(2, "front matter must be key: value lines"))
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
            bank.issues.append(ParseIssue(number, "text before the first question: start each question with '## '"))
    for block in blocks:
        question = _parse_block(block, bank.issues)
        if question is not None:
            bank.questions.append(question)
    if not blocks and not bank.issues:
        bank.issues.append(ParseIssue(start + 1, "the bank has no questions (each starts with '## ')"))
    return bank


def _parse_block(block: list[tuple[int, str]], issues: list[ParseIssue]) -> ParsedQuestion | None:
    first_line, heading = block[0]
    text_lines = [heading[3:].strip()]
    options: list[tuple[bool, str]] = []
    pairs: list[dict] = []
    answers: list[str] = []
    explanation: list[str] = []
    meta: dict[str, str] = {}
    broken = False
    for number, line in block[1:]:
        stripped = line.strip()
        if not stripped:
            continue
        if m := OPTION_RE.match(line):
            options.append((m.group(1).lower() == "x", m.group(2).strip()))
        elif m := PAIR_RE.match(line):
            pairs.append({"left": m.group(1).strip(), "right": m.group(2).strip()})
        elif m := ANSWER_RE.match(stripped):
            answers.append(m.group(1).strip())
        elif stripped.startswith(">"):
            explanation.append(stripped[1:].strip())
        elif m := META_RE.match(stripped):
            meta[m.group(1).lower()] = m.group(2).strip()
        elif stripped.startswith(("- ", "* ")):
            issues.append(ParseIssue(number, "an option must look like '- [x] text' or '- [ ] text'"))
            broken = True
        elif options or pairs or answers:
            issues.append(ParseIssue(number, "unexpected text after the options; explanations start with '> '"))
            broken = True
        else:
            text_lines.append(stripped)
    q = ParsedQuestion(type="", text="\n".join(text_lines).strip(), line=first_line,
                       explanation="\n".join(explanation) or None)
    q.tags = [t.strip() for t in meta.get("tags", "").split(",") if t.strip()]
    if "difficulty" in meta:
        if meta["difficulty"] not in DIFFICULTIES:
            issues.append(ParseIssue(first_line, f"difficulty must be one of {', '.join(DIFFICULTIES)}"))
            broken = True
        q.difficulty = meta["difficulty"]
    if "points" in meta:
        points = parse_number(meta["points"])
        if points is None or points <= 0:
            issues.append(ParseIssue(first_line, "points must be a positive number"))
            broken = True
        else:
            q.points = points
    q.name = meta.get("id") or None
    kinds = [k for k, present in (("options", options), ("pairs", pairs), ("answers", answers)) if present]
    if len(kinds) > 1:
        issues.append(ParseIssue(first_line, f"question mixes {' and '.join(kinds)}; use one kind of answer"))
        return None
    if options:
        right = [ok for ok, _ in options].count(True)
        words = {re.sub(r"\W", "", t.casefold()) for _, t in options}
        if len(options) == 2 and right == 1 and words <= (TRUE_WORDS | FALSE_WORDS) and len(words) == 2:
            q.type = "truefalse"
            q.choices = [Choice(t, 1.0 if ok else 0.0) for ok, t in options]
        elif right > 1:
            q.type = "multiple"
            wrong_value = -1.0 / right
            q.choices = [Choice(t, 1.0 / right if ok else wrong_value) for ok, t in options]
        else:
            q.type = "single"
            q.choices = [Choice(t, 1.0 if ok else 0.0) for ok, t in options]
    elif pairs:
        q.type = "matching"
        q.pairs = pairs
    elif answers:
        numeric = [_numeric_answer(a) for a in answers]
        if all(n is not None for n in numeric):
            q.type = "numeric"
            q.answers = numeric
        else:
            q.type = "short"
            q.answers = [{"text": a, "fraction": 1.0} for a in answers]
            q.options = {"ignore_accents": meta.get("accents", "").lower() in ("optional", "ignore"),
                         "case_sensitive": meta.get("case", "").lower() == "sensitive"}
    else:
        issues.append(ParseIssue(first_line, "question has no options ('- [x] ...') and no answer ('= ...')"))
        return None
    for problem in validate_question(q):
        issues.append(ParseIssue(first_line, f"question {q.text[:40]!r} {problem}"))
        broken = True
    return None if broken else q


def _numeric_answer(text: str) -> dict | None:
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


def write_markdown_bank(settings: dict, questions: list[ParsedQuestion]) -> str:
    """The inverse of the parser, for `lms export-questions --format md`."""
    front = {k: v for k, v in settings.items() if v is not None}
    out = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip(), "---", ""]
    for q in questions:
        if q.type in ("essay", "description"):
            continue
        out.append(f"## {q.text.splitlines()[0] if q.text else ''}")
        out.extend(q.text.splitlines()[1:])
        if q.name:
            out.append(f"id: {q.name}")
        if q.tags:
            out.append(f"tags: {', '.join(q.tags)}")
        if q.difficulty:
            out.append(f"difficulty: {q.difficulty}")
        if q.points != 1.0:
            out.append(f"points: {q.points:g}")
        if q.type == "short" and q.options.get("ignore_accents"):
            out.append("accents: optional")
        if q.type == "short" and q.options.get("case_sensitive"):
            out.append("case: sensitive")
        out.append("")
        if q.type in ("single", "multiple", "truefalse"):
            out.extend(f"- [{'x' if c.fraction > 0 else ' '}] {c.text}" for c in q.choices)
        elif q.type == "matching":
            out.extend(f"- {p['left']} -> {p['right']}" for p in q.pairs if p.get("left"))
        elif q.type == "short":
            out.extend(f"= {a['text']}" for a in q.answers if a.get("fraction", 1) > 0)
        elif q.type == "numeric":
            for a in q.answers:
                if "min" in a:
                    out.append(f"= {a['min']:g}..{a['max']:g}")
                else:
                    out.append(f"= {a['value']:g}" + (f" +- {a['tolerance']:g}" if a.get("tolerance") else ""))
        if q.explanation:
            out.append("")
            out.extend(f"> {line}" for line in q.explanation.splitlines())
        out.append("")
    return "\n".join(out)
