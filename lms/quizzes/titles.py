"""What pages call an attempt: its bank's title, or, for an attempt taken in a contest round,
the contest and the round ("Hội thi …: Vòng 1"). A contest's participants are never shown
the bank its paper is drawn from (its slug or title names a course quiz, or gives the paper
away).

This module cannot know contests (a higher layer): they register a source here (see
lms.contests.attempt_titles), fn(round_ids: set[int]) -> {round id: title}.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lms.core.text import fold

ROUND_TITLE_SOURCES: list = []


def round_titles(round_ids: Iterable[int | None]) -> dict[int, str]:
    """{round id: "Contest: Round"} for the rounds some registered area knows."""
    wanted = {rid for rid in round_ids if rid is not None}
    titles: dict[int, str] = {}
    if wanted:
        for source in ROUND_TITLE_SOURCES:
            titles.update(source(wanted))
    return titles


def contest_attempt_titles(attempts: Iterable) -> dict[int, str]:
    """{attempt id: "Contest: Round"} for the contest attempts among ``attempts``."""
    contest = [a for a in attempts if a.purpose == "contest"]
    titles = round_titles(a.round_id for a in contest)
    return {a.id: titles[a.round_id] for a in contest if a.round_id in titles}


def attempt_title(attempt) -> str:
    """The title of the attempt's page and review: the contest and round for a contest
    attempt, else the bank's title."""
    return contest_attempt_titles([attempt]).get(attempt.id) or attempt.bank.title


def _words(value: str) -> list[str]:
    return re.findall(r"\w+", fold(value))


def prefixed_title(prefix: str, title: str) -> str:
    """``"<prefix>: <title>"``, or ``title`` alone when it already begins by naming what the
    prefix names: "Bài kiểm tra" + "Kiểm tra: An toàn dữ liệu" is "Kiểm tra: An toàn dữ liệu",
    not "Bài kiểm tra: Kiểm tra: …" (issue 18).

    Compared folded (``lms.core.text.fold``: case and diacritics ignored), word by word: the
    title's first words equal the whole prefix or its last two words or more ("kiểm tra" of
    "bài kiểm tra"). One trailing word is not enough ("Trà" is not "kiểm tra")."""
    head, words = _words(prefix), _words(title)
    if not head:
        return title
    tails = [head] + [head[i:] for i in range(1, len(head) - 1)]
    if any(words[:len(tail)] == tail for tail in tails):
        return title
    return f"{prefix}: {title}"
