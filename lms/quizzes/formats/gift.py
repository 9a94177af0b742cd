"""Moodle GIFT: the syntax Moodle's own importer accepts, parsed into our neutral shape.

Covered: comments (//), $CATEGORY, ::names::, [html]/[moodle]/[plain]/[markdown] formats,
escapes (\\~ \\= \\# \\{ \\} \\: \\\\ \\n), per-answer #feedback, general ####feedback,
%weights% (negative too), multiple choice (single when an = answer exists, multiple
answers otherwise), true/false with right/wrong feedback, short answer, numeric (value,
value:tolerance, min..max, several weighted answers, ~ catch-all feedback), matching
(with distractor right-hand sides), essay ({}), description (no answer block) and the
missing-word form (text continuing after the answer block becomes "_____").

Text formats follow Moodle's importer (question/format/gift/format.php, qformat_gift):
a text with no marker is in Moodle's own format (HTML allowed, a newline is a line break),
which is how Moodle exports; answers, per-answer feedback, true/false feedback, numeric
feedback and general feedback without a marker of their own take the question text's
format. Whatever the format, texts are stored as Markdown (lms.quizzes.text); texts
compared with what a learner types (short-answer accepted answers) and the right-hand side
of a matching pair (read by Moodle as a plain string) are stored as plain text.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from lms.quizzes.ir import Choice, ParsedBank, ParsedQuestion, ParseIssue
from lms.quizzes.settings import check_settings
from lms.quizzes.text import html_to_markdown, markdown_to_plain, plain_to_markdown
from lms.quizzes.types import question_problem, validate_question

# Escaped control characters are swapped for private-use placeholders while parsing.
ESCAPES = {"\\\\": "\ue000", "\\~": "\ue001", "\\=": "\ue002", "\\#": "\ue003", "\\{": "\ue004",
           "\\}": "\ue005", "\\:": "\ue006"}
RESTORE = {v: k[1] for k, v in ESCAPES.items()}
# Moodle reads a marker only at the very start of a trimmed text, in lower case
# (qformat_gift::format_name_to_const); anything else in brackets is text.
FORMAT_RE = re.compile(r"^\[(html|moodle|plain|markdown)\]")
WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
# Moodle compares these exactly (in_array, case-sensitive): "{true}" is a short answer there.
TF_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}
BLANK = "_____"
# Moodle's documented way to write a blank feedback is "#&nbsp;": no feedback at all.
_BLANK_TEXT = re.compile(r"(?:\s|&nbsp;|&#160;|&#xa0;)*", re.I)
_CATEGORY_PREFIX = re.compile(r"^\$(course|cat\d|system|module)\$/")


def _protect(text: str) -> str:
    for raw, placeholder in ESCAPES.items():
        text = text.replace(raw, placeholder)
    return text.replace("\\n", "\n")


def _restore(text: str) -> str:
    for placeholder, char in RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def _split_format(raw: str, default: str) -> tuple[str, str]:
    """(text without its marker, format name): Moodle's parse_text_with_format."""
    text = raw.strip()
    m = FORMAT_RE.match(text)
    if m:
        return text[m.end():], m.group(1)
    return text, default


def _to_markdown(text: str, fmt: str) -> str:
    """Stored Markdown for ``text`` (escapes still protected) written in ``fmt``."""
    text = _restore(text).strip()
    if fmt == "html":
        return html_to_markdown(text)
    if fmt == "moodle":
        return html_to_markdown(text, moodle_breaks=True)
    if fmt == "plain":
        return plain_to_markdown(text)
    return unicodedata.normalize("NFC", text)  # markdown: stored as written


def _text(raw: str, default: str) -> tuple[str, str]:
    """(Markdown, format) of a GIFT text, its own marker winning over ``default``."""
    body, fmt = _split_format(raw, default)
    return _to_markdown(body, fmt), fmt


def _feedback(raw: str | None, default: str) -> str | None:
    """A feedback in Markdown, or None when there is none (absent, blank or only "&nbsp;")."""
    if raw is None:
        return None
    body, fmt = _split_format(raw, default)
    if _BLANK_TEXT.fullmatch(_restore(body)):
        return None
    return _to_markdown(body, fmt) or None


def _plain(raw: str, default: str) -> str:
    """A short-answer accepted answer, compared with what the learner types. Moodle keeps it
    as written (only a marker is removed): so do we for [plain] and [markdown]. In HTML
    ([html], [moodle], no marker) tags and entities cannot be typed, so the words they show
    are kept instead ("<p>VNeID</p>" is "VNeID", "l&agrave;" is "là")."""
    body, fmt = _split_format(raw, default)
    if fmt in ("plain", "markdown"):
        return unicodedata.normalize("NFC", _restore(body).strip())
    return markdown_to_plain(_to_markdown(body, fmt))


def _split_feedback(text: str) -> tuple[str, str | None]:
    """(answer, raw feedback or None) split on the first unescaped "#" (Moodle's commentparser)."""
    if "#" in text:
        body, feedback = text.split("#", 1)
        return body, feedback
    return text, None


def _weight(text: str) -> tuple[float | None, str]:
    m = WEIGHT_RE.match(text.strip())
    if not m:
        return None, text.strip()
    return float(m.group(1)) / 100.0, text.strip()[m.end():]


def _answer_items(block: str) -> list[tuple[str, str]]:
    """Split an answer block into (marker, text) pairs on unescaped = and ~."""
    items = []
    for m in re.finditer(r"([=~])([^=~]*)", block):
        items.append((m.group(1), m.group(2)))
    return items


def _number(text: str) -> float | None:
    try:
        return float(text.strip())
    except ValueError:
        return None


def _numeric_answer(text: str) -> dict | None:
    text = _restore(text).strip()
    if ".." in text:
        low, high = (_number(p) for p in text.split("..", 1))
        if low is None or high is None:
            return None
        return {"min": low, "max": high}
    value, _, tolerance = text.partition(":")
    number = _number(value)
    tol = _number(tolerance) if tolerance else 0.0
    if number is None or tol is None:
        return None
    return {"value": number, "tolerance": abs(tol)}


def parse_gift(text: str) -> ParsedBank:
    """Questions of a GIFT file (str, any newline convention, a BOM allowed) as Moodle's
    importer reads them: questions are separated by blank lines, lines are trimmed and
    ``//`` comment lines ignored. A ``$CATEGORY:`` line sets the category of the questions
    after it; a question written on the very next line, with no blank line between, is a
    question all the same (Moodle would swallow it into the category name). Problems are
    ParseIssues naming the line where the question starts."""
    bank = ParsedBank(settings=check_settings({})[0])
    text = unicodedata.normalize("NFC", text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    category = None
    chunk: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n") + [""], 1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped == "":
            if chunk:
                category = _handle_chunk(chunk, category, bank)
                chunk = []
            continue
        chunk.append((number, stripped))
    return bank


def _handle_chunk(chunk: list[tuple[int, str]], category: str | None, bank: ParsedBank) -> str | None:
    """Parse one blank-line-separated chunk; returns the category in force after it."""
    first_line, first = chunk[0]
    if first.startswith("$CATEGORY:"):
        path = _restore(_protect(first[len("$CATEGORY:"):])).strip()
        category = _CATEGORY_PREFIX.sub("", path) or None
        chunk = chunk[1:]
        if not chunk:
            return category
        first_line = chunk[0][0]
    raw = "\n".join(line for _, line in chunk)
    try:
        question = _parse_question(raw, first_line)
    except _GiftError as err:
        bank.issues.append(ParseIssue(first_line, err.args[0]))
        return category
    question.category = category
    problems = validate_question(question)
    if problems:
        bank.issues.append(ParseIssue(first_line, question_problem(markdown_to_plain(question.text), problems[0])))
        return category
    bank.questions.append(question)
    return category


class _GiftError(Exception):
    pass


def _parse_question(raw: str, line: int) -> ParsedQuestion:
    text = _protect(raw)
    name = None
    m = re.match(r"^\s*::(.*?)::", text, re.DOTALL)
    if m:
        name = _restore(m.group(1)).strip() or None
        text = text[m.end():]
    opening = text.find("{")
    closing = text.rfind("}")
    if opening == -1 and closing == -1:
        body, _fmt = _text(text, "moodle")
        return ParsedQuestion(type="description", text=body, line=line, name=name)
    if opening == -1 or closing < opening:
        raise _GiftError(_l("the answer block is not opened with { and closed with }"))
    if text.count("{") > 1 or text.count("}") > 1:
        raise _GiftError(_l("only one answer block { } is allowed; escape literal braces as \\{ and \\}"))
    block = text[opening + 1:closing]
    after = text[closing + 1:]
    if after.strip():
        question_text = text[:opening] + BLANK + after
    else:
        question_text = text[:opening]
    body, fmt = _text(question_text, "moodle")
    q = ParsedQuestion(type="", text=body, line=line, name=name)

    # Moodle takes the last "####" as the start of the general feedback, in the question's format.
    general = None
    if "####" in block:
        block, general = block.rsplit("####", 1)
    q.explanation = _feedback(general, fmt)
    block = block.strip()

    if block == "":
        q.type = "essay"
    elif block.startswith("#"):
        _parse_numeric(q, block[1:], fmt)
    elif "~" in block:
        _parse_multichoice(q, block, fmt)
    elif "=" in block and "->" in block:
        _parse_matching(q, block, fmt)
    elif _split_feedback(block)[0].strip() in TF_WORDS:
        _parse_truefalse(q, block, fmt)
    else:
        _parse_short(q, block, fmt)
    return q


def _parse_numeric(q: ParsedQuestion, block: str, fmt: str) -> None:
    q.type = "numeric"
    block = block.strip()
    if "=" not in block:
        main, _, rest = block.partition("~")
        value, feedback = _split_feedback(main)
        answer = _numeric_answer(value)
        if answer is None:
            raise _GiftError(_l("numeric answer '%(value)s' is not a number, number:tolerance or min..max",
                                 value=_restore(value).strip()))
        q.answers = [{**answer, "fraction": 1.0, "feedback": _feedback(feedback, fmt)}]
        if rest:
            q.feedback_wrong = _feedback(_split_feedback(rest)[1], fmt)
        return
    for marker, item in _answer_items(block):
        body, feedback = _split_feedback(item)
        weight, body = _weight(body)
        if marker == "~" and not body.strip():
            q.feedback_wrong = _feedback(feedback, fmt)
            continue
        answer = _numeric_answer(body)
        if answer is None:
            raise _GiftError(_l("numeric answer '%(value)s' is not a number, number:tolerance or min..max",
                                 value=_restore(body).strip()))
        fraction = weight if weight is not None else (1.0 if marker == "=" else 0.0)
        q.answers.append({**answer, "fraction": fraction, "feedback": _feedback(feedback, fmt)})


def _parse_multichoice(q: ParsedQuestion, block: str, fmt: str) -> None:
    # Moodle: with an "=" answer only one option may be chosen; without, several.
    q.type = "single" if "=" in block else "multiple"
    for marker, item in _answer_items(block):
        body, feedback = _split_feedback(item)
        weight, body = _weight(body)
        fraction = weight if weight is not None else (1.0 if marker == "=" else 0.0)
        q.choices.append(Choice(text=_text(body, fmt)[0], fraction=fraction, feedback=_feedback(feedback, fmt)))


def _parse_matching(q: ParsedQuestion, block: str, fmt: str) -> None:
    q.type = "matching"
    for marker, item in _answer_items(block):
        if marker != "=":
            raise _GiftError(_l("matching pairs start with =, like =left -> right"))
        body, _ = _split_feedback(item)
        if "->" not in body:
            raise _GiftError(_l("matching pair '%(pair)s' needs ->", pair=_restore(body).strip()))
        left, right = body.split("->", 1)
        # Moodle reads the right-hand side as a plain string, with no format and no marker
        # (qformat_gift: trim(escapedchar_post(...))): an entry of a drop-down list.
        q.pairs.append({"left": _text(left, fmt)[0], "right": unicodedata.normalize("NFC", _restore(right).strip())})


def _parse_truefalse(q: ParsedQuestion, block: str, fmt: str) -> None:
    q.type = "truefalse"
    parts = block.split("#", 2)
    value = TF_WORDS[parts[0].strip()]
    # Moodle: the first feedback is for a wrong answer, the second for a right one.
    q.feedback_wrong = _feedback(parts[1], fmt) if len(parts) > 1 else None
    q.feedback_right = _feedback(parts[2], fmt) if len(parts) > 2 else None
    q.choices = [Choice("Đúng", 1.0 if value else 0.0), Choice("Sai", 0.0 if value else 1.0)]


def _parse_short(q: ParsedQuestion, block: str, fmt: str) -> None:
    q.type = "short"
    # Moodle splits on "=" alone: "{Paris}" and "{true}" (lower case) accept one answer.
    items = block.split("=")
    if not items[0].strip():
        items = items[1:]
    for item in items:
        body, feedback = _split_feedback(item)
        weight, body = _weight(body)
        q.answers.append({"text": _plain(body, fmt), "fraction": 1.0 if weight is None else weight,
                          "feedback": _feedback(feedback, fmt)})


def _escape(text: str) -> str:
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _w(fraction: float, default: float) -> str:
    return "" if abs(fraction - default) < 1e-9 else f"%{fraction * 100:g}%"


def write_gift(questions: list[ParsedQuestion], losses: list | None = None) -> str:
    """GIFT for `lms export-questions --format gift`, as Moodle's importer reads it back
    (question/format/gift/format.php): texts marked ``[markdown]`` (stored text is
    Markdown; answers and feedback inherit the question's format), GIFT's control characters
    escaped, a true/false key taken from which option means true, feedback for a wrong
    answer before feedback for a right one, weights with 5 decimals of a percentage.

    What GIFT cannot hold is added to ``losses`` (``formats.common.ExportLoss``) when a list
    is given: difficulty, points, pinned options, tags (written as Moodle tag comments,
    ``// [tag:…]``), and questions it cannot express at all, which are left out. The output is
    then read back with ``parse_gift`` and any other difference is reported too."""
    from lms.quizzes.formats.common import check_round_trip

    out: list[str] = []
    written: list[tuple[int, ParsedQuestion]] = []
    found: list = []
    category = None
    for q in questions:
        lines = _gift_question(q, found)
        if lines is None:
            continue
        if q.category and q.category != category:
            category = q.category
            out.extend([f"$CATEGORY: {' '.join(category.split())}", ""])
        if q.tags:
            out.append("// " + " ".join(f"[tag:{_gift_tag(t)}]" for t in q.tags))
        written.append((len(out) + 1, q))
        out.extend(lines)
        out.append("")
    text = "\n".join(out)
    if losses is not None:
        losses.extend(found)
        check_round_trip("gift", written, parse_gift(text), losses)
    return text


# --- writing helpers (write_gift) -------------------------------------------------------

# Moodle's answer-weight pattern and format markers: an answer text starting with either is
# given its own [markdown] marker, so that neither is read as a weight or a format.
_GIFT_TEXT_START = re.compile(r"^\s*(%|\[)")


def _gift_escape(text: str) -> str:
    """Moodle's repchar: GIFT's control characters backslash-escaped, a newline as ``\\n``."""
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _gift_answer(text: str) -> str:
    return ("[markdown]" if _GIFT_TEXT_START.match(text) else "") + _gift_escape(text)


def _gift_tag(tag: str) -> str:
    return " ".join(tag.split()).replace("]", "\\]")


def _gift_feedback(feedback: str | None) -> str:
    return f"#{_gift_escape(feedback)}" if feedback else ""


def _gift_weight(fraction: float) -> str:
    from lms.quizzes.formats.common import percent_text

    return f"%{percent_text(fraction)}%"


def _gift_question(q: ParsedQuestion, found: list) -> list[str] | None:
    """The GIFT lines of one question, or None when GIFT cannot express it (reported)."""
    # Imported here: the writer's helpers stay apart from the parser above.
    from flask_babel import lazy_gettext as _l

    from lms.quizzes.formats.common import loss_for, number_text, truth_of, uncarried_losses
    from lms.quizzes.types import EPS

    found.extend(uncarried_losses(q, "gift", {"tags": _l(
        "GIFT keeps topics only as Moodle tag comments (// [tag:…]), which this app does not read back")}))
    head = (f"::{_gift_escape(q.name)}::" if q.name else "") + "[markdown]" + _gift_escape(q.text or "")
    general = f"####{_gift_escape(q.explanation)}" if q.explanation else ""

    def skip(message):
        found.append(loss_for(q, message, skipped=True))
        return None

    if q.type == "description":
        if q.explanation:
            found.append(loss_for(q, _l("GIFT has no place for the explanation of a description"), "explanation"))
        return [head]
    if q.type == "essay":
        return [f"{head}{{{general}}}"]
    if q.type == "truefalse":
        truths = [truth_of(c.text) for c in q.choices]
        right = [i for i, c in enumerate(q.choices) if c.fraction > EPS]
        if len(q.choices) == 2 and set(truths) == {True, False} and len(right) == 1:
            r = right[0]
            key = "TRUE" if truths[r] else "FALSE"
            fb_right = q.feedback_right or q.choices[r].feedback
            fb_wrong = q.feedback_wrong or q.choices[1 - r].feedback
            if (q.feedback_right and q.choices[r].feedback) or (q.feedback_wrong and q.choices[1 - r].feedback):
                found.append(loss_for(q, _l("GIFT keeps one feedback for a right and one for a wrong answer; "
                                            "the options' own feedback was left out"), "choice_feedback"))
            if [c.text for c in q.choices] != ["Đúng", "Sai"]:
                # The key survives; the author's labels and order do not: GIFT reads back Đúng, Sai.
                found.append(loss_for(q, _l("GIFT's true/false has no option labels or order: they read back "
                                            "as “Đúng”, “Sai”"), "choices"))
            # Moodle: {TRUE#feedback for a wrong answer#feedback for a right answer}.
            body = key + (f"#{_gift_escape(fb_wrong)}" if fb_wrong else "#" if fb_right else "")
            body += f"#{_gift_escape(fb_right)}" if fb_right else ""
            return [f"{head}{{{body}{general}}}"]
        found.append(loss_for(q, _l("neither option reads as true or false (Đúng/Sai, True/False); "
                                    "written as a single-choice question"), "type"))
    if q.type in ("single", "multiple", "truefalse"):
        single = q.type != "multiple"
        if single and not any(c.fraction >= 1 - EPS for c in q.choices):
            found.append(loss_for(q, _l("no option earns full marks, which GIFT needs for a single-choice "
                                        "question; it reads back as multiple answers"), "type"))
        lines = [head + "{"]
        for c in q.choices:
            if single and c.fraction >= 1 - EPS:
                marker = "="
            elif abs(c.fraction) < EPS:
                marker = "~"
            else:
                marker = "~" + _gift_weight(c.fraction)
            lines.append(f"\t{marker}{_gift_answer(c.text)}{_gift_feedback(c.feedback)}")
        return lines + ([f"\t{general}"] if general else []) + ["}"]
    if q.type == "short":
        if any("->" in (a.get("text") or "") + (a.get("feedback") or "") for a in q.answers):
            return skip(_l("an accepted answer or its feedback holds “->”, which GIFT reads as a matching pair"))
        lines = [head + "{"]
        for a in q.answers:
            fraction = a.get("fraction", 1.0)
            weight = "" if abs(fraction - 1) < EPS else _gift_weight(fraction)
            lines.append(f"\t={weight}{_gift_answer(a['text'])}{_gift_feedback(a.get('feedback'))}")
        return lines + ([f"\t{general}"] if general else []) + ["}"]
    if q.type == "numeric":
        lines = [head + "{#"]
        for a in q.answers:
            fraction = a.get("fraction", 1.0)
            weight = "" if abs(fraction - 1) < EPS else _gift_weight(fraction)
            if "min" in a:
                value = f"{number_text(a['min'])}..{number_text(a['max'])}"
            else:
                value = f"{number_text(a['value'])}:{number_text(a.get('tolerance') or 0)}"
            lines.append(f"\t={weight}{value}{_gift_feedback(a.get('feedback'))}")
        if q.feedback_wrong:
            lines.append(f"\t~{_gift_feedback(q.feedback_wrong)}")
        return lines + ([f"\t{general}"] if general else []) + ["}"]
    if q.type == "matching":
        if any("->" in (p.get("left") or "") for p in q.pairs):
            return skip(_l("the left side of a pair holds “->”, which GIFT reads as the arrow of the pair"))
        lines = [head + "{"]
        for p in q.pairs:
            left = _gift_answer(p.get("left") or "")
            lines.append(f"\t={left} -> {_gift_escape(p.get('right') or '')}")
        return lines + ([f"\t{general}"] if general else []) + ["}"]
    return skip(_l("GIFT has no form for this question type"))
