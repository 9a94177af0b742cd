"""Aiken: the simple multiple-choice format Moodle imports (question, lettered options, ANSWER: X).

The rules are those of Moodle's importer (qformat_aiken, question/format/aiken/format.php):

- each line is trimmed, and a line shorter than two characters is skipped;
- an option is a capital letter, then ")" or ".", then the text, with or without a space
  between ("A) Hà Nội", "A)Hà Nội", "A.Hà Nội");
- "ANSWER:" ends the question; the right option is the first character after the colon,
  with or without a space, whatever follows it ("ANSWER: B", "ANSWER:B", "ANSWER: B.",
  "ANSWER: B) Hà Nội"). Moodle maps that letter to a position (A the first option), so
  options must be lettered A, B, C … in order; a file lettered otherwise is refused rather
  than guessed;
- Windows (CRLF) and old Mac (CR) line ends, and a UTF-8 byte-order mark, are accepted.

Where Moodle would drop or break a question, this reader is kinder but never silent: a
question text over several lines is kept whole (Moodle keeps only the last line); "Answer:"
in any case is read as ANSWER:; a lower-case answer letter (which Moodle maps to no option)
is read as its capital with a note; several letters ("ANSWER: A, C") make a
multiple-response question (Moodle would keep only A). Text is plain: stored as Markdown
through ``plain_to_markdown`` so that it shows exactly as typed.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.settings import check_settings
from lms.quizzes.text import plain_to_markdown

OPTION_RE = re.compile(r"^([A-Z])[.)][ \t]*(.*)$")
ANSWER_RE = re.compile(r"^ANSWER\s*:\s*(.*)$", re.I)
# "A, C", "A C", "A;C." (our extension: several right options).
_SEVERAL_RE = re.compile(r"^[A-Za-z][.)]?(?:(?:\s*[,;]\s*|\s+)[A-Za-z][.)]?)+\.?$")
# Moodle's rule: the first character, when what follows is not another letter ("B", "B.",
# "B) Hà Nội"); "Hà Nội" (the answer's text instead of its letter) is refused.
_FIRST_LETTER_RE = re.compile(r"^([A-Za-z])(?![^\W\d_])")


def parse_aiken(text: str) -> ParsedBank:
    """The questions of an Aiken file (``text``: the whole file, already decoded), as
    single-choice (or, with several answer letters, multiple-response) questions whose text
    and options are Markdown. Problems are ``issues`` naming their line; what was read
    differently from Moodle is a ``notes`` entry."""
    bank = ParsedBank(settings=check_settings({})[0])
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    question_lines: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.strip()
        if len(line) < 2:  # Moodle skips these too
            continue
        if not question_lines and not options:
            start = number
        if m := ANSWER_RE.match(line):
            letters = _answer_letters(bank, number, m.group(1))
            question = [plain_to_markdown("\n".join(question_lines))] if question_lines else []
            _finish(bank, start, number, question, [(x, plain_to_markdown(t)) for x, t in options], letters)
            question_lines, options = [], []
        elif (m := OPTION_RE.match(line)) and question_lines:
            options.append((m.group(1), m.group(2).strip()))
        elif options:
            bank.issues.append(ParseIssue(number, _l("expected another option (A) ...) or the ANSWER: line")))
            question_lines, options = [], []
        else:
            question_lines.append(line)
    if question_lines or options:
        bank.issues.append(ParseIssue(start, _l("the last question has no ANSWER: line")))
    if not bank.questions and not bank.issues:
        bank.issues.append(ParseIssue(1, _l("no questions found")))
    return bank


def _answer_letters(bank: ParsedBank, number: int, spec: str) -> list[str]:
    """The capital letters named by what follows "ANSWER:" ([] when none can be read)."""
    spec = spec.strip()
    if _SEVERAL_RE.match(spec):
        letters = re.findall(r"[A-Za-z]", spec)
    elif m := _FIRST_LETTER_RE.match(spec):
        letters = [m.group(1)]
    else:
        return []
    lower = [x for x in dict.fromkeys(letters) if x.islower() and x.upper() not in letters]
    if lower:
        bank.notes.append(ParseIssue(number, _l(
            "answer letter %(typed)s read as %(letter)s (Moodle reads only capital letters)",
            typed=", ".join(lower), letter=", ".join(x.upper() for x in lower))))
    return list(dict.fromkeys(x.upper() for x in letters))


def _finish(bank, start, number, question_lines, options, letters) -> None:
    if not question_lines:
        bank.issues.append(ParseIssue(number, _l("ANSWER: line without a question")))
        return
    if len(options) < 2:
        bank.issues.append(ParseIssue(start, _l("a question needs at least two options A), B) ...")))
        return
    known = [letter for letter, _ in options]
    if len(set(known)) != len(known):
        bank.issues.append(ParseIssue(start, _l("an option letter is used twice")))
        return
    if known != [chr(ord("A") + i) for i in range(len(known))]:
        # Moodle reads the ANSWER letter as a position: with options lettered A, B, D the
        # author's D would be Moodle's fourth option. Neither reading is safe to guess.
        bank.issues.append(ParseIssue(start, _l("the options are lettered %(letters)s: letter them A, B, C … in order",
                                                letters=", ".join(known))))
        return
    empty = [letter for letter, text in options if not text]
    if empty:
        bank.issues.append(ParseIssue(start, _l("option %(letters)s has no text", letters=", ".join(empty))))
        return
    if not letters or any(letter not in known for letter in letters):
        bank.issues.append(ParseIssue(number, _l("ANSWER must name one of the option letters %(letters)s",
                                                 letters=", ".join(known))))
        return
    right = set(letters)
    qtype = "multiple" if len(right) > 1 else "single"
    share = 1.0 / len(right)
    choices = [Choice(text, share if letter in right else (-share if qtype == "multiple" else 0.0)) for letter, text in options]
    bank.questions.append(ParsedQuestion(type=qtype, text="\n".join(question_lines), line=start, choices=choices))


# --- writing (export) ---------------------------------------------------------------------

# A line Moodle's Aiken importer would read as an option or as the answer line.
_AIKEN_STRUCTURE = re.compile(r"^\s*([A-Z][).]|ANSWER\s*:)", re.I)


def write_aiken(questions: list[ParsedQuestion], losses: list | None = None) -> str:
    """Aiken for `lms export-questions --format aiken`, as Moodle's exporter writes it
    (question/format/aiken/format.php): the question on one line, options ``A) text`` one per
    line, ``ANSWER: B``; plain text, so stored Markdown is unescaped (``\\*`` becomes ``*``)
    or, where it carries formatting, reduced to its words. Multiple-answer questions are
    written ``ANSWER: A, C`` (our extension; Moodle's importer takes single choice only).

    Aiken holds choice questions with up to 26 options and nothing else: no feedback,
    explanation, weights, topics, points or names. When ``losses`` is given, each of those,
    and every question left out, is added to it (``formats.common.ExportLoss``), and the output
    is read back with ``parse_aiken`` to report any other difference."""
    from lms.quizzes.formats.common import check_round_trip

    out: list[str] = []
    written: list[tuple[int, ParsedQuestion]] = []
    found: list = []
    for q in questions:
        lines = _aiken_question(q, found)
        if lines is not None:
            written.append((len(out) + 1, q))
            out.extend(lines)
            out.append("")
    text = "\n".join(out)
    if losses is not None:
        losses.extend(found)
        check_round_trip("aiken", written, parse_aiken(text), losses)
    return text


def _aiken_plain(text: str) -> tuple[str, bool]:
    """(plain text of a stored Markdown text, whether formatting was lost). Text that is
    escaped plain text (what an Aiken import stores) comes back exactly as it was typed."""
    from lms.quizzes.text import markdown_to_plain, plain_to_markdown, unescape_markdown

    plain = unescape_markdown(text)
    if plain_to_markdown(plain) == text:
        return plain, False
    words = markdown_to_plain(text)
    return words, words != plain


def _aiken_question(q: ParsedQuestion, found: list) -> list[str] | None:
    """The Aiken lines of ``q``, or None when Aiken cannot hold it (reported)."""
    from flask_babel import lazy_gettext as _l

    from lms.quizzes.formats.common import fraction_key, loss_for, uncarried_losses
    from lms.quizzes.formats.markdown import choice_fractions

    def skip(message):
        found.append(loss_for(q, message, skipped=True))
        return None

    if q.type not in ("single", "multiple", "truefalse"):
        return skip(_l("Aiken holds only questions with options"))
    if len(q.choices) > 26:
        return skip(_l("more than 26 options: Aiken letters them A to Z"))
    text, formatting = _aiken_plain(q.text or "")
    if "\n" in text.strip():
        found.append(loss_for(q, _l("Aiken keeps a question on one line; its line breaks became spaces"), "text"))
    text = " ".join(text.split())
    if not text or _AIKEN_STRUCTURE.match(text):
        return skip(_l("its text starts like an option or answer line (“A)”, “ANSWER:”), which Aiken cannot tell apart"))
    options = []
    for c in q.choices:
        option, lost = _aiken_plain(c.text)
        formatting = formatting or lost or "\n" in option.strip()
        options.append(" ".join(option.split()))
    if formatting:
        found.append(loss_for(q, _l("Aiken is plain text: bold, lists, links and line breaks were written as plain words"),
                              "text"))
    found.extend(uncarried_losses(q, "aiken"))
    if q.type == "truefalse":
        found.append(loss_for(q, _l("Aiken has no true/false type: it reads back as single choice"), "type"))
    marked = [c.fraction > 0 if q.type == "multiple" else c.fraction >= 1 - 1e-9 for c in q.choices]
    boxes = ["x" if ok else " " for ok in marked]
    kind = "multiple" if q.type == "multiple" else "single"
    if [fraction_key(f) for f in choice_fractions(boxes, kind)] != [fraction_key(c.fraction) for c in q.choices]:
        found.append(loss_for(q, _l("Aiken names the right options only, without weights"), "key"))
    right = [chr(ord("A") + i) for i, ok in enumerate(marked) if ok]
    if not right:
        return skip(_l("no option earns full marks, and Aiken can only name fully right options"))
    return [text, *(f"{chr(ord('A') + i)}) {option}" for i, option in enumerate(options)), f"ANSWER: {', '.join(right)}"]
