"""Hypothesis strategies for question banks in the neutral shape, per import format.

Each format gets the question types and fields it has a place for (see
lms.quizzes.formats.common.carried), with texts drawn from Vietnamese words with diacritics
and the characters each format treats specially: GIFT's ``~ = # { } : \\``, Markdown's
``* _ [ ] `` ` and ``>``, line breaks, and lines starting ``- ``, ``1. ``, ``= ``, ``## ``,
``tags:`` or ``A)``. What a format cannot carry is left out of its strategy on purpose, and
each such limit has its own test that the exporter reports it (test_roundtrip.py).
"""

from __future__ import annotations

import re
from functools import cache

from hypothesis import strategies as st

from lms.quizzes.ir import Choice, ParsedQuestion
from lms.quizzes.text import plain_to_markdown

WORDS = ["Đúng", "định", "danh", "điện", "tử", "mức", "Cổng", "dịch", "vụ", "công", "người", "dân", "mã", "OTP",
         "bảo", "vệ", "tài", "khoản", "Nguyễn", "Thị", "Đào", "ứng", "dụng", "VNeID", "lừa", "đảo", "Ủy", "quyền",
         "Sai", "ĐÚNG", "phường", "xã", "hồ", "sơ", "12", "3,5", "2025"]
GIFT_SPECIALS = ["~", "=", "#", "{", "}", ":", "\\", "::", "####", "\\n", "//", "{=a", "~%50%", "$CATEGORY:"]
MD_SPECIALS = ["*", "_", "[", "]", "`", "**đậm**", "_nghiêng_", "[x]", "[ ]", "`mã`", "%50%", "&", "<b>", "\\*",
               "[liên kết](https://dichvucong.gov.vn)", "->", "|", ">"]
LINE_STARTS = ["- ", "1. ", "= ", "> ", "## ", "tags: ", "* ", "- [x] ", "- [ ] ", "\\", "\\- ", "type: ", "id: ",
               "right feedback: ", "+ ", "# "]
MOODLE_FRACTIONS = [1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25, 0.2,
                    0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05]
TRUE_FALSE = [("Đúng", "Sai"), ("Sai", "Đúng"), ("True", "False"), ("False", "True")]


@cache
def _line(specials: tuple, starts: tuple):
    tokens = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(specials)), min_size=1, max_size=6)
    return st.tuples(st.sampled_from(("",) * 4 + starts), tokens).map(lambda t: (t[0] + " ".join(t[1])).strip())


@cache
def texts(specials: tuple = (), starts: tuple = (), *, lines=3, blank_lines=True, exclude: tuple = ()):
    """Markdown-ish text: 1..``lines`` lines (the first starts with a word), an occasional
    blank line between them, no white space at either end of a line; none of ``exclude``."""
    specials = specials or ("đ",)
    first = st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), _line(specials, ())).map(
        lambda t: " ".join(t[0]) + " " + t[1])
    blank = [st.just("")] if blank_lines else []
    rest = st.lists(st.one_of(_line(specials, starts), *blank), max_size=lines - 1)

    def join(parts):
        body = [parts[0]]
        for line in parts[1]:
            if line or body[-1]:  # at most one blank line in a row
                body.append(line)
        while body[-1] == "":
            body.pop()
        return "\n".join(body)

    return st.tuples(first, rest).map(join).filter(lambda t: not any(x in t for x in exclude))


def one_line(specials: tuple = (), exclude: tuple = ()):
    return texts(specials, (), lines=1, blank_lines=False, exclude=exclude)


names = st.one_of(st.none(), one_line(tuple(GIFT_SPECIALS + MD_SPECIALS)).map(lambda t: t[:60].strip()))
tags = st.lists(st.sampled_from(["vneid", "otp", "dịch-vụ-công", "lừa đảo", "Chủ đề 1"]), max_size=3, unique=True)
difficulty = st.sampled_from([None, "easy", "medium", "hard"])
points = st.sampled_from([1.0, 1.0, 2.0, 0.5, 1.5, 0.25, 3.0])
numbers = st.one_of(st.integers(-5000, 5000).map(float),
                    st.decimals(-1000, 1000, places=4, allow_nan=False, allow_infinity=False).map(float))


def _fractions_single(n):
    """One option worth full marks, the others 0, partial or negative (Moodle allows both)."""
    others = st.lists(st.sampled_from([0.0, 0.0, 0.0] + MOODLE_FRACTIONS[1:] + [-0.5, -1.0, -0.3333333]),
                      min_size=n - 1, max_size=n - 1)
    return st.tuples(st.integers(0, n - 1), others).map(lambda t: t[1][:t[0]] + [1.0] + t[1][t[0]:])


# Right options' weights of a multiple-answer question, adding up to at most 100% as Moodle asks.
POSITIVE_SETS = [(1.0,), (0.5, 0.5), (0.3333333, 0.3333333, 0.3333333), (0.25, 0.25, 0.5), (0.75,), (0.5,),
                 (0.6, 0.4), (0.2, 0.2, 0.2, 0.2, 0.2), (1.0, 0.0)]


def _fractions_multiple(n):
    def place(t):
        positives, others, order = t
        values = (list(positives[:n]) + others)[:n]
        return [values[i] for i in order]

    return st.tuples(st.sampled_from(POSITIVE_SETS), st.lists(st.sampled_from([0.0, -1.0, -0.5, -0.3333333]),
                                                                min_size=n, max_size=n),
                     st.permutations(range(n))).map(place)


def _plain_fractions(n, kind):
    """Fractions our Markdown, the Excel template and Aiken give without weights."""
    if kind == "single":
        return st.integers(0, n - 1).map(lambda r: [1.0 if i == r else 0.0 for i in range(n)])
    return st.sets(st.integers(0, n - 1), min_size=2, max_size=n).map(
        lambda right: [1.0 / len(right) if i in right else -1.0 / len(right) for i in range(n)])


@st.composite
def question(draw, fmt: str, qtype: str) -> ParsedQuestion:
    """One question of ``qtype`` holding what ``fmt`` carries, as it is stored (Markdown texts)."""
    md, gift = fmt == "md", fmt == "gift"
    specials = tuple({"md": GIFT_SPECIALS + MD_SPECIALS, "gift": GIFT_SPECIALS + MD_SPECIALS,
                      "xlsx": MD_SPECIALS + ["=", "#", "~"], "aiken": MD_SPECIALS + GIFT_SPECIALS}[fmt])
    starts = tuple(LINE_STARTS) if fmt != "aiken" else ()

    def text():
        return draw(texts(specials, starts))

    def maybe(strategy):
        return draw(st.one_of(st.none(), strategy))

    rich = md or gift
    if fmt == "aiken":
        # Plain text on one line, stored the way an Aiken import stores it (escaped Markdown).
        body = draw(one_line(specials).filter(lambda t: not re.match(r"\s*([A-Z][).]|ANSWER\s*:)", t, re.I)))
        q = ParsedQuestion(type=qtype, text=plain_to_markdown(body))
    else:
        q = ParsedQuestion(type=qtype, text=text())
    if md or gift:
        q.name = draw(names)
    if md or fmt == "xlsx":
        q.tags = draw(tags)
        q.difficulty = draw(difficulty)
    if md:
        q.points = draw(points)
    if qtype not in ("description",) or md:
        q.explanation = maybe(texts(specials, starts)) if rich or fmt == "xlsx" else None

    if qtype in ("single", "multiple"):
        n = draw(st.integers(2, 6))
        if fmt == "aiken":
            option_texts = [plain_to_markdown(t) for t in draw(st.lists(one_line(specials), min_size=n, max_size=n))]
        else:
            option_texts = draw(st.lists(texts(specials, starts, lines=2), min_size=n, max_size=n))
        if rich:
            fractions = draw(_fractions_single(n) if qtype == "single" else _fractions_multiple(n))
        else:
            fractions = draw(_plain_fractions(n, qtype))
        q.choices = [Choice(t, f) for t, f in zip(option_texts, fractions, strict=True)]
        if rich:
            for c in q.choices:
                c.feedback = maybe(texts(specials, starts, lines=2))
        if md:
            for c in q.choices:
                c.pinned = draw(st.booleans())
    elif qtype == "truefalse":
        words = draw(st.sampled_from(TRUE_FALSE if rich else TRUE_FALSE[:2]))
        right = draw(st.integers(0, 1))
        q.choices = [Choice(w, 1.0 if i == right else 0.0) for i, w in enumerate(words)]
        if rich:
            q.feedback_right = maybe(texts(specials, starts, lines=2))
            q.feedback_wrong = maybe(texts(specials, starts, lines=2))
        if md:
            for c in q.choices:
                c.feedback = maybe(texts(specials, starts, lines=2))
    elif qtype == "short":
        # Plain single-line answers (compared with what a learner types). GIFT reads "->" in an
        # answer block as a matching pair and the Excel template separates answers with "|".
        exclude = ("->",) if gift else ("|",) if fmt == "xlsx" else ()
        answers = draw(st.lists(one_line(specials, exclude=exclude), min_size=1, max_size=3))
        if rich:
            fractions = draw(st.lists(st.sampled_from(MOODLE_FRACTIONS + [0.0]), min_size=len(answers),
                                      max_size=len(answers)).filter(lambda fs: any(f > 0 for f in fs)))
        else:
            fractions = [1.0] * len(answers)
        q.answers = [{"text": a, "fraction": f} for a, f in zip(answers, fractions, strict=True)]
        if rich:
            for a in q.answers:
                if (feedback := maybe(texts(specials, starts, lines=2, exclude=exclude))) is not None:
                    a["feedback"] = feedback
        q.options = {"ignore_accents": md and draw(st.booleans()), "case_sensitive": md and draw(st.booleans())}
    elif qtype == "numeric":
        for _ in range(draw(st.integers(1, 3))):
            if draw(st.booleans()):
                low, high = sorted([draw(numbers), draw(numbers)])
                answer = {"min": low, "max": high}
            else:
                answer = {"value": draw(numbers), "tolerance": abs(draw(numbers)) if draw(st.booleans()) else 0.0}
            answer["fraction"] = draw(st.sampled_from([1.0, 1.0, 0.5, 0.0])) if q.answers else 1.0
            if (feedback := maybe(texts(specials, starts, lines=2))) is not None:
                answer["feedback"] = feedback
            q.answers.append(answer)
        q.feedback_wrong = maybe(texts(specials, starts, lines=2))
        if md:
            q.feedback_right = maybe(texts(specials, starts, lines=2))
    elif qtype == "matching":
        # The left side cannot hold "->" (GIFT and our Markdown split a pair at its first arrow)
        # nor start with an option box ("[x] ..."); the right side is plain, on one line.
        lefts = draw(st.lists(texts(specials, starts, lines=2, exclude=("->",)),
                              min_size=2, max_size=4))
        rights = draw(st.lists(one_line(specials), min_size=len(lefts), max_size=len(lefts)))
        q.pairs = [{"left": left, "right": right} for left, right in zip(lefts, rights, strict=True)]
        if draw(st.booleans()):
            q.pairs.append({"left": "", "right": draw(one_line(specials))})  # a distractor
    return q


def banks(fmt: str, qtype: str):
    """1 to 3 questions of ``qtype`` for ``fmt``."""
    return st.lists(question(fmt, qtype), min_size=1, max_size=3)
