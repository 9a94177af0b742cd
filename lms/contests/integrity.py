"""Fairness rules of quiz rounds, pure (plain data in, plain data out, no database): which
attempts the organisers' integrity report flags, and whether a round may show scores while it
runs. The report (``lms.contests.integrity_views``) gathers the data and prints the flags.

A flag says "look at this attempt", never "this person cheated": every threshold below lets
honest people through at the cost of missing some dishonest ones, and nothing here changes a
score or a rank. The organisers decide, with the answer log and the participant in front of them.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

# --- leaving the page, and a second device -------------------------------------------------

# One or two focus losses happen to honest participants: a phone call, a notification pulled
# down, the screen locking while they think. Three or more in one attempt is a habit of
# leaving the page, which is what looking answers up elsewhere looks like.
FOCUS_LOSSES_FLAG = 3


def focus_flag(losses: int) -> bool:
    """Whether an attempt's count of focus losses (tab switches, other apps, the page
    closed and opened again: ``Attempt.focus_losses``) is worth the organiser's look."""
    return losses >= FOCUS_LOSSES_FLAG


def takeover_flag(takeovers: int) -> bool:
    """Whether the attempt moved between devices (``AttemptEvent`` "device_taken_over"):
    always worth a look in a one-device round, since it is what handing one's paper to
    someone else, or signing in for them, looks like. A dead phone looks the same, hence a
    flag and not a penalty."""
    return takeovers >= 1


# --- improbable times --------------------------------------------------------------------

# A median over fewer attempts says little about how long the paper takes.
MEDIAN_MIN_ATTEMPTS = 5
# A full score in under a quarter of the median time: the fastest honest participants still
# read every question; four times faster than half the field, with nothing wrong, is rare
# enough to look at and common enough among the well prepared that it proves nothing alone.
FAST_SHARE = 0.25
# Silent reading of non-fiction averages about 238 words per minute in adults (Brysbaert,
# "How many words do we read per minute?", Journal of Memory and Language 109, 2019); 500 is
# about twice that, skimming speed. Vietnamese words are counted as written, syllable by
# syllable, which counts more words than the same text in English: the estimate errs towards
# too little reading time, so fewer honest people are flagged.
READING_WORDS_PER_MINUTE = 500
# Below this much reading, the estimate is too small to compare with times that include
# a slow network and the first page load.
READING_MIN_SECONDS = 20.0


def median_seconds(durations: list[float]) -> float | None:
    """The median time (seconds) of the submitted attempts' ``durations``; None with fewer
    than ``MEDIAN_MIN_ATTEMPTS`` of them (too few to say what a usual time is)."""
    if len(durations) < MEDIAN_MIN_ATTEMPTS:
        return None
    return float(statistics.median(durations))


def fast_full_score(percent: float | None, seconds: float | None, median: float | None) -> bool:
    """A full score (100%) in less than ``FAST_SHARE`` of the round's median time. Needs a
    median (``median_seconds``); ``seconds`` is from the start to the submission."""
    if percent is None or seconds is None or median is None:
        return False
    return percent >= 100 and seconds < FAST_SHARE * median


def reading_seconds(words: int) -> float:
    """How long reading ``words`` words (question texts and their options) takes at the
    fastest plausible speed, ``READING_WORDS_PER_MINUTE``."""
    return 60.0 * max(words, 0) / READING_WORDS_PER_MINUTE


def read_too_fast(answered_in: float | None, reading: float) -> bool:
    """Answers saved faster than a person can read the questions: the attempt had answered
    every question it answered within ``answered_in`` seconds of its start (the first save of
    the last one), and reading those questions takes ``reading`` seconds (``reading_seconds``).

    Measured over the whole attempt, not answer by answer: reading the whole paper first and
    then clicking the answers quickly is honest and is not flagged."""
    if answered_in is None or reading < READING_MIN_SECONDS:
        return False
    return answered_in < reading


# --- identical answers ----------------------------------------------------------------------

# Everyone who knows the material gives the same right answers, so right answers prove
# nothing: only identical WRONG answers (not fully right) are counted, and only uncommon
# ones, since a wrong answer many gave is a shared misconception. Three identical uncommon
# wrong answers between two people is unlikely by chance; two can be bad luck.
SHARED_WRONG_MIN = 3
# A wrong answer is uncommon when at most this share of those who answered the question
# gave it, and never more than UNCOMMON_MAX people (which also bounds the work: pairs are
# counted within each group of people giving one wrong answer). Groups of three are always
# allowed, so that three people copying from one another in a small contest are still seen.
UNCOMMON_SHARE = 0.2
UNCOMMON_MIN = 3
UNCOMMON_MAX = 50

# One saved answer: the response as a canonical text (equal texts, equal answers) and
# whether it was fully right.
Answer = tuple[str, bool]


def uncommon_limit(answering: int) -> int:
    """How many people may give the same wrong answer to a question that ``answering``
    people answered for it to still count as uncommon (see ``UNCOMMON_SHARE``)."""
    return min(UNCOMMON_MAX, max(UNCOMMON_MIN, math.floor(UNCOMMON_SHARE * answering)))


@dataclass(frozen=True)
class SimilarPair:
    """Two attempts (``first`` < ``second``, attempt ids) of different participants with
    ``shared_wrong`` identical uncommon wrong answers; ``identical`` of the ``common``
    questions both answered have identical answers (right ones included)."""

    first: int
    second: int
    shared_wrong: int
    identical: int
    common: int


def similar_pairs(answers: dict[int, dict[int, Answer]], owners: dict[int, int]) -> list[SimilarPair]:
    """Pairs of attempts with at least ``SHARED_WRONG_MIN`` identical uncommon wrong answers,
    most shared first.

    ``answers``: attempt id -> {question version id: Answer}, graded answers only (an
    ungraded or empty answer is left out by the caller). ``owners``: attempt id -> the
    participant who took it; two attempts of one participant are never paired.

    Work: for each wrong answer, pairs among the people who gave it, and such a group is at
    most ``UNCOMMON_MAX`` people: linear in the number of answers for a given paper."""
    answering: Counter[int] = Counter()
    groups: dict[tuple[int, str], list[int]] = {}
    for attempt_id, given in answers.items():
        for version_id, (response, right) in given.items():
            answering[version_id] += 1
            if not right:
                groups.setdefault((version_id, response), []).append(attempt_id)
    shared: Counter[tuple[int, int]] = Counter()
    for (version_id, _response), members in groups.items():
        if len(members) < 2 or len(members) > uncommon_limit(answering[version_id]):
            continue
        for a, b in combinations(sorted(members), 2):
            if owners.get(a) != owners.get(b):
                shared[a, b] += 1
    pairs = []
    for (a, b), count in shared.items():
        if count < SHARED_WRONG_MIN:
            continue
        common = answers[a].keys() & answers[b].keys()
        identical = sum(1 for v in common if answers[a][v][0] == answers[b][v][0])
        pairs.append(SimilarPair(a, b, count, identical, len(common)))
    return sorted(pairs, key=lambda p: (-p.shared_wrong, -p.identical, p.first, p.second))


def similar_groups(pairs: list[SimilarPair]) -> list[list[int]]:
    """The attempts of ``pairs`` joined into groups (two attempts are in one group when a
    chain of pairs links them): each group sorted, groups largest first."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = root(pair.first), root(pair.second)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[int, list[int]] = {}
    for x in list(parent):
        members.setdefault(root(x), []).append(x)
    return sorted((sorted(group) for group in members.values()), key=lambda g: (-len(g), g))


# --- one attempt's flags --------------------------------------------------------------------

FLAGS = ("takeover", "focus", "fast_full_score", "read_too_fast", "similar")


@dataclass(frozen=True)
class AttemptFacts:
    """What the report knows of one attempt. ``seconds``: start to submission (None while
    open); ``answered_in``: start to the first save of the last question answered (None
    without answers); ``reading``: ``reading_seconds`` of the questions it answered."""

    attempt_id: int
    participant: int
    percent: float | None = None
    seconds: float | None = None
    focus_losses: int = 0
    takeovers: int = 0
    answered_in: float | None = None
    reading: float = 0.0


def flags_of(facts: AttemptFacts, median: float | None, similar: frozenset[int] | set[int] = frozenset()) -> list[str]:
    """The flags (in ``FLAGS`` order) of one attempt; ``median`` from ``median_seconds``,
    ``similar`` the attempt ids found in ``similar_pairs``."""
    raised = {
        "takeover": takeover_flag(facts.takeovers),
        "focus": focus_flag(facts.focus_losses),
        "fast_full_score": fast_full_score(facts.percent, facts.seconds, median),
        "read_too_fast": read_too_fast(facts.answered_in, facts.reading),
        "similar": facts.attempt_id in similar,
    }
    return [name for name in FLAGS if raised[name]]


# --- scores shown while a round runs --------------------------------------------------------


def scores_shown_live(hide_until_close: bool, attempts_allowed: int) -> bool:
    """Whether a round's scores (each attempt's and the leaderboard's) may show while it runs.

    Only when the organiser chose so (``hide_until_close`` False) and the round allows one
    attempt: with more, a participant could change one answer per attempt and read, from
    each new score, which answers are right, which is the key itself (the same reason a
    course attempt's score waits while its bank is sealed: lms.quizzes.services.score_visible)."""
    return not hide_until_close and attempts_allowed <= 1
