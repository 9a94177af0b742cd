"""Aiken: the simple multiple-choice format Moodle imports (question, lettered options, ANSWER: X)."""

from __future__ import annotations

import re
import unicodedata

from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.settings import check_settings

OPTION_RE = re.compile(r"^([A-Z])[.)]\s+(.*)$")
ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*)$", re.I)


def parse_aiken(text: str) -> ParsedBank:
    bank = ParsedBank(settings=check_settings({})[0])
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    question_lines: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if not line:
            continue
        if not question_lines and not options:
            start = number
        if m := ANSWER_RE.match(line):
            letters = [x.strip().upper() for x in re.split(r"[,\s]+", m.group(1)) if x.strip()]
            _finish(bank, start, number, question_lines, options, letters)
            question_lines, options = [], []
        elif (m := OPTION_RE.match(line)) and question_lines:
            options.append((m.group(1), m.group(2).strip()))
        elif options:
            bank.issues.append(ParseIssue(number, "expected another option (A) ...) or the ANSWER: line"))
            question_lines, options = [], []
        else:
            question_lines.append(line)
    if question_lines or options:
        bank.issues.append(ParseIssue(start, "the last question has no ANSWER: line"))
    if not bank.questions and not bank.issues:
        bank.issues.append(ParseIssue(1, "no questions found"))
    return bank


def _finish(bank, start, number, question_lines, options, letters) -> None:
    if not question_lines:
        bank.issues.append(ParseIssue(number, "ANSWER: line without a question"))
        return
    if len(options) < 2:
        bank.issues.append(ParseIssue(start, "a question needs at least two options A), B) ..."))
        return
    known = [letter for letter, _ in options]
    if len(set(known)) != len(known):
        bank.issues.append(ParseIssue(start, "an option letter is used twice"))
        return
    if not letters or any(letter not in known for letter in letters):
        bank.issues.append(ParseIssue(number, f"ANSWER must name one of the option letters {', '.join(known)}"))
        return
    right = set(letters)
    qtype = "multiple" if len(right) > 1 else "single"
    share = 1.0 / len(right)
    choices = [Choice(text, share if letter in right else (-share if qtype == "multiple" else 0.0)) for letter, text in options]
    bank.questions.append(ParsedQuestion(type=qtype, text="\n".join(question_lines), line=start, choices=choices))
