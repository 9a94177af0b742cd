"""Pure rules for attempts: drawing questions, grading a whole attempt, which attempt counts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.quizzes.types import REGISTRY

# Answers that arrive this long after the deadline still count: the learner pressed the
# button in time but a slow mobile network delivered the request late.
GRACE = timedelta(seconds=20)


@dataclass(frozen=True)
class Candidate:
    version_id: int
    type: str
    tags: tuple[str, ...] = ()
    choice_count: int = 0


def draw_items(candidates: list[Candidate], draw, shuffle_questions: bool, shuffle_options: bool,
               rng: random.Random) -> list[dict]:
    """Questions and option order for one attempt.

    ``draw`` is None (all questions), a number, or {tag: count} to draw per topic so that
    every participant gets a comparable paper. Non-gradable items never get drawn."""
    pool = [c for c in candidates if REGISTRY[c.type].gradable]
    if isinstance(draw, dict):
        chosen: list[Candidate] = []
        taken: set[int] = set()
        for tag, count in draw.items():
            tagged = [c for c in pool if tag in c.tags and c.version_id not in taken]
            picked = rng.sample(tagged, min(count, len(tagged)))
            chosen.extend(picked)
            taken.update(c.version_id for c in picked)
    elif isinstance(draw, int) and draw < len(pool):
        chosen = rng.sample(pool, draw)
    else:
        chosen = list(pool)
    if shuffle_questions:
        rng.shuffle(chosen)
    else:
        position = {c.version_id: i for i, c in enumerate(pool)}
        chosen.sort(key=lambda c: position[c.version_id])
    items = []
    for c in chosen:
        order = list(range(c.choice_count))
        if shuffle_options and REGISTRY[c.type].has_choices and c.type != "truefalse":
            rng.shuffle(order)
        items.append({"v": c.version_id, "order": order})
    return items


@dataclass(frozen=True)
class GradedItem:
    version_id: int
    fraction: float | None
    points: float
    max_points: float


def grade_response(qtype: str, data: dict, points: float, response) -> tuple[float | None, float]:
    """(fraction, points earned) for one answer; an empty answer earns 0, and a question that
    is not graded automatically earns nothing and has no fraction."""
    kind = REGISTRY[qtype]
    if not kind.gradable:
        return None, 0.0
    fraction = kind.grade(data, response) if response not in (None, "", []) else 0.0
    return fraction, round(fraction * points, 6)


def max_points(items: list[tuple[str, float]]) -> float:
    """What a paper of (type, points) items is out of: the gradable items' points."""
    return sum(points for qtype, points in items if REGISTRY[qtype].gradable)


def grade_items(items: list[tuple[int, str, dict, float, object]]) -> tuple[list[GradedItem], float, float]:
    """items: (version_id, type, data, points, response or None). Unanswered scores 0."""
    graded = []
    total = maximum = 0.0
    for version_id, qtype, data, points, response in items:
        fraction, earned = grade_response(qtype, data, points, response)
        if fraction is None:
            graded.append(GradedItem(version_id, None, 0.0, 0.0))
            continue
        graded.append(GradedItem(version_id, fraction, earned, points))
        total += earned
        maximum += points
    return graded, round(total, 6), maximum


def percent_of(score: float, maximum: float) -> float:
    return round(100.0 * score / maximum, 2) if maximum > 0 else 0.0


def counted_attempt(policy: str, attempts: list[tuple[datetime, float]]) -> int | None:
    """Index of the attempt whose score counts: best (ties: earliest), first or last submitted."""
    if not attempts:
        return None
    indexed = list(enumerate(attempts))
    if policy == "first":
        return min(indexed, key=lambda p: p[1][0])[0]
    if policy == "last":
        return max(indexed, key=lambda p: p[1][0])[0]
    return max(indexed, key=lambda p: (p[1][1], -p[1][0].timestamp()))[0]


def accepts_answers(deadline: datetime | None, now: datetime) -> bool:
    return deadline is None or now <= deadline + GRACE


# --- the seal on banks that contest rounds draw from ----------------------------------


@dataclass(frozen=True)
class SealWindow:
    """A timed round that draws its papers from a bank, as plain data.

    ``opens_at``/``closes_at`` are naive UTC; ``over`` is true once the round's results are
    published (nothing can be answered any more, whatever the clock says); ``organisers``
    are the user ids who run the round and may see its keys at any time."""

    bank_id: int
    opens_at: datetime
    closes_at: datetime
    over: bool = False
    organisers: frozenset[int] = frozenset()


def seal_until(windows, now: datetime, *, viewer_id: int | None, viewer_is_admin: bool) -> datetime | None:
    """The moment until which the keys, explanations and answer statistics of a bank stay
    hidden from this viewer, or None when nothing is hidden.

    A round seals its bank from the moment it exists (scheduled) until the last moment an
    answer to it can still count: its close plus ``GRACE``, the same bound as
    ``accepts_answers``. Otherwise someone outside the round could learn the key while a
    participant can still use it (issue 14, fault 3; OWASP ASVS 4.0 V4.1.3 least privilege).
    Platform admins and the round's own organisers are never sealed out; organising one
    contest opens no other contest's round. ``viewer_id`` None (nobody known) is an outsider.
    With several rounds the seal lasts until the last of those still running is over."""
    if viewer_is_admin:
        return None
    until = None
    for window in windows:
        if window.over or (viewer_id is not None and viewer_id in window.organisers):
            continue
        if accepts_answers(window.closes_at, now):
            end = window.closes_at + GRACE
            until = end if until is None or end > until else until
    return until
