"""Judged-round rules as pure functions: who judges what, and how rubric points become a score.

Kept free of Flask and the database so the guarantees (every entry gets exactly N distinct
judges, nobody judges their own unit, the work is spread evenly) can be checked exhaustively
with property-based tests.

Conflict of interest
    Organisations are materialised paths ("/1/7/42/"). A judge and a participant conflict when
    their units are the same or one contains the other. The contest's scope root and its
    ancestors are ignored: the province office running a provincial contest contains every
    participant, so judges sitting there (or higher) are never conflicted. People without a unit
    cannot be matched to one and are never conflicted.

Score
    A judge's score is ``sum(weight * points / max_points) / sum(weight) * 100`` (0..100), so
    criteria with different point scales combine by their weights alone. An entry's score is
    the plain mean of its judges' scores: every assigned judge must score, so each entry is
    averaged over the same number of judges, and no single judge's leniency decides alone.

Re-check
    The spread of an entry is the highest minus the lowest of its judges' scores. Above
    ``RECHECK_SPREAD`` points the judges read the entry very differently, and the organisers
    are shown a flag so they can ask the judges to look again before finalising.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from random import Random

RECHECK_SPREAD = 30.0


class AssignmentInfeasible(ValueError):
    """An entry cannot get enough distinct judges without a conflict of interest."""

    def __init__(self, entry_id: int, available: int, needed: int):
        self.entry_id = entry_id
        self.available = available
        self.needed = needed
        super().__init__(f"entry {entry_id} has {available} judge(s) without a conflict of interest; "
                         f"{needed} are needed")


class InvalidPoints(ValueError):
    """Rubric points that do not fit the criteria (out of range, wrong count, not finite).

    ``index`` is the 0-based position of the offending criterion, when one is to blame."""

    def __init__(self, message: str, index: int | None = None):
        super().__init__(message)
        self.index = index


def _neutral(path: str | None, scope_path: str | None) -> bool:
    """Units that cannot conflict: no unit at all, or the scope root and above."""
    if not path:
        return True
    return scope_path is not None and scope_path.startswith(path)


def conflicted(judge_path: str | None, entry_path: str | None, scope_path: str | None = None) -> bool:
    if _neutral(judge_path, scope_path) or _neutral(entry_path, scope_path):
        return False
    return judge_path.startswith(entry_path) or entry_path.startswith(judge_path)


def assign_judges(entries: Sequence[tuple[int, str | None]], judges: Sequence[tuple[int, str | None]],
                  per_entry: int, scope_path: str | None, rng: Random,
                  existing: dict[int, list[int]] | None = None,
                  exclude: dict[int, set[int]] | None = None) -> dict[int, list[int]]:
    """Give each entry exactly ``per_entry`` distinct, non-conflicted judges.

    ``existing`` maps entry ids to judges already assigned (from earlier runs, possibly for
    entries not in ``entries``): those assignments are kept and count towards each judge's
    load, so re-running after late submissions only tops up. Each new seat goes to the least
    loaded eligible judge, ties broken at random; starting from balanced loads and with no
    conflicts this keeps every judge's load within one of every other's.

    ``exclude`` maps entry ids to judges who must not judge them for reasons paths cannot
    show (a judge who is also the participant).

    Returns the full judge list (kept ones first) of every entry in ``entries``. Raises
    ``AssignmentInfeasible`` naming the first entry, most constrained first, that cannot be
    served; nothing is partially returned.
    """
    if per_entry < 1:
        raise ValueError("per_entry must be at least 1")
    existing = existing or {}
    exclude = exclude or {}
    judge_paths = dict(judges)
    load = {judge_id: 0 for judge_id in judge_paths}
    for assigned in existing.values():
        for judge_id in assigned:
            if judge_id in load:
                load[judge_id] += 1
    eligible = {entry_id: [j for j, jp in judge_paths.items()
                           if j not in exclude.get(entry_id, ()) and not conflicted(jp, path, scope_path)]
                for entry_id, path in entries}
    # Most constrained entries pick first so scarce neutral judges go where they are needed.
    order = sorted(range(len(entries)), key=lambda i: (len(eligible[entries[i][0]]), i))
    result: dict[int, list[int]] = {}
    for index in order:
        entry_id = entries[index][0]
        kept = list(dict.fromkeys(existing.get(entry_id, [])))
        needed = per_entry - len(kept)
        candidates = [j for j in eligible[entry_id] if j not in kept]
        if needed > len(candidates):
            raise AssignmentInfeasible(entry_id, len(candidates) + len(kept), per_entry)
        chosen: list[int] = []
        if needed > 0:
            tie = {j: rng.random() for j in candidates}
            chosen = sorted(candidates, key=lambda j: (load[j], tie[j]))[:needed]
            for judge_id in chosen:
                load[judge_id] += 1
        result[entry_id] = kept + chosen
    return {entry_id: result[entry_id] for entry_id, _ in entries}


def weighted_score(criteria: Sequence[tuple[float, float]], points: Sequence[float]) -> float:
    """0..100 from one judge's points; ``criteria`` are (max_points, weight) in rubric order."""
    if not criteria:
        raise InvalidPoints("the rubric has no criteria")
    if len(points) != len(criteria):
        raise InvalidPoints(f"expected {len(criteria)} scores, got {len(points)}")
    total_weight = 0.0
    total = 0.0
    for index, ((max_points, weight), value) in enumerate(zip(criteria, points, strict=True)):
        if not (math.isfinite(max_points) and math.isfinite(weight)) or max_points <= 0 or weight < 0:
            raise InvalidPoints(f"criterion {index + 1} has an invalid scale", index)
        if value is None or not math.isfinite(value) or not 0 <= value <= max_points:
            raise InvalidPoints(f"criterion {index + 1}: points must be between 0 and {max_points:g}", index)
        total += weight * value / max_points
        total_weight += weight
    if total_weight <= 0:
        raise InvalidPoints("the criteria weights add up to zero")
    return round(total / total_weight * 100, 4)


def entry_score(judge_scores: Sequence[float]) -> float | None:
    """The mean of the judges' scores (None when nobody has scored): see the module docstring."""
    if not judge_scores:
        return None
    return round(sum(judge_scores) / len(judge_scores), 4)


def score_spread(judge_scores: Sequence[float]) -> float | None:
    """Highest minus lowest judge's score (None with fewer than two scores)."""
    if len(judge_scores) < 2:
        return None
    return round(max(judge_scores) - min(judge_scores), 4)


def needs_recheck(judge_scores: Sequence[float], limit: float = RECHECK_SPREAD) -> bool:
    """Whether the judges differ by more than ``limit`` points: see the module docstring."""
    spread = score_spread(judge_scores)
    return spread is not None and spread > limit
