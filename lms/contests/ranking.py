"""Contest ranking rules, as pure functions over plain data (the contest pages build on them).

Individual ranking in a quiz round, in order:
1. higher score first;
2. then the prediction closest to the true count (when the round has a tiebreaker question);
3. then less time taken;
4. then the earlier submission.
Participants equal on every key share a rank ("1, 2, 2, 4"): remaining ties are shown as ties.

Collective ranking by organisation: participants, participation rate against headcount, and
average score, at any level of the tree (a unit counts everyone in its subtree).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Entry:
    participant_id: int
    score: float
    seconds_taken: float
    submitted_at: datetime
    prediction: int | None = None


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry
    tied: bool  # shares its rank with another participant


def ranking_key(entry: Entry, true_count: int | None):
    distance = abs(entry.prediction - true_count) if (true_count is not None and entry.prediction is not None) else None
    # A missing prediction ranks after every given one.
    return (-entry.score, distance is None, distance if distance is not None else 0,
            entry.seconds_taken, entry.submitted_at)


def shared_ranks(keys: Sequence) -> list[tuple[int, bool]]:
    """(rank, tied) for each of ``keys``, already in ranking order: equal neighbouring keys
    share the rank of the first of them ("1, 2, 2, 4") and are marked tied."""
    result: list[tuple[int, bool]] = []
    for index, key in enumerate(keys):
        same_as_previous = index > 0 and key == keys[index - 1]
        rank = result[-1][0] if same_as_previous else index + 1
        tied = same_as_previous or (index + 1 < len(keys) and key == keys[index + 1])
        result.append((rank, tied))
    return result


def rank_participants(entries: Iterable[Entry], true_count: int | None = None) -> list[Ranked]:
    ordered = sorted(entries, key=lambda e: (ranking_key(e, true_count), e.participant_id))
    ranks = shared_ranks([ranking_key(e, true_count) for e in ordered])
    return [Ranked(rank, entry, tied) for entry, (rank, tied) in zip(ordered, ranks, strict=True)]


@dataclass(frozen=True)
class UnitResult:
    org_id: int
    participants: int
    headcount: int | None
    participation_rate: float | None  # 0..1, None without a headcount
    average_score: float | None


def rank_units(paths: dict[int, str], headcounts: dict[int, int | None],
               scores_by_org: dict[int, list[float]], level_ids: Iterable[int]) -> list[tuple[int, UnitResult]]:
    """Collective ranking of the units in ``level_ids`` (e.g. every school of a province).

    ``paths`` maps every org id to its materialised path, ``scores_by_org`` gives the scores of
    participants registered directly in each org. A unit counts its whole subtree. Order:
    participation rate, then average score, then participants (units without a headcount last).
    """
    results = []
    for org_id in level_ids:
        prefix = paths[org_id]
        scores = [s for oid, values in scores_by_org.items() if paths.get(oid, "").startswith(prefix) for s in values]
        headcount = headcounts.get(org_id)
        rate = (len(scores) / headcount) if headcount else None
        average = (sum(scores) / len(scores)) if scores else None
        results.append(UnitResult(org_id, len(scores), headcount, rate, average))
    results.sort(key=lambda r: (r.participation_rate is None, -(r.participation_rate or 0.0),
                                -(r.average_score or 0.0), -r.participants, r.org_id))
    ranks = shared_ranks([(r.participation_rate, r.average_score, r.participants) for r in results])
    return [(rank, result) for result, (rank, _) in zip(results, ranks, strict=True)]


def combine_rounds(scores: dict[int, dict[int, float]], weights: dict[int, float]) -> dict[int, float]:
    """Final score per participant: the weighted mean of their round scores (a missed round
    counts 0), with weights normalised so the final score stays on the rounds' 0-100 scale."""
    total_weight = sum(w for w in weights.values() if w > 0)
    if total_weight <= 0:
        return {pid: 0.0 for pid in scores}
    return {pid: round(sum(per_round.get(rid, 0.0) * w for rid, w in weights.items() if w > 0) / total_weight, 4)
            for pid, per_round in scores.items()}


def rank_scores(scores: dict[int, float]) -> list[tuple[int, bool, int]]:
    """(rank, tied, participant) by score, highest first; equal scores share a rank."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    ranks = shared_ranks([score for _, score in ordered])
    return [(rank, tied, pid) for (pid, _), (rank, tied) in zip(ordered, ranks, strict=True)]


PRIZES = ("first", "second", "third", "consolation")


def award_prizes(ranked: list[tuple[int, int]], counts: dict[str, int]) -> dict[int, str]:
    """Hand out prizes down the ranking: ``counts`` says how many of each prize (in the order of
    PRIZES). A tie is never split: everyone sharing a rank gets the same prize, so a tie at the
    last place of a prize can give that prize to more people than its count, and the next prize
    starts after the tied group. ``ranked`` is (rank, participant) in ranking order."""
    groups: list[list[int]] = []
    previous = None
    for rank, pid in ranked:
        if groups and rank == previous:
            groups[-1].append(pid)
        else:
            groups.append([pid])
        previous = rank
    prizes: dict[int, str] = {}
    position = 0
    for prize in PRIZES:
        given = 0
        while given < counts.get(prize, 0) and position < len(groups):
            for pid in groups[position]:
                prizes[pid] = prize
            given += len(groups[position])
            position += 1
    return prizes
