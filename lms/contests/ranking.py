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
from fractions import Fraction


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
    # participants / headcount, exact: 2/1500 and 1/1700 compare as they are, never as two
    # rounded floats. None without a headcount (or a headcount of 0).
    rate: Fraction | None
    # Mean final score of the participants, rounded half up to 2 decimals: the precision the
    # page shows is the precision compared, so two units shown equal are ranked equal.
    average_score: float | None

    @property
    def participation_rate(self) -> float | None:
        """The rate as a float in 0..1 (more than 1 when participants exceed the headcount),
        for figures elsewhere (the monthly public ranking); rankings compare ``rate``."""
        return float(self.rate) if self.rate is not None else None


def rank_units(paths: dict[int, str], headcounts: dict[int, int | None],
               scores_by_org: dict[int, list[float]], level_ids: Iterable[int]) -> list[tuple[int, UnitResult]]:
    """Collective ranking of the units in ``level_ids`` (e.g. every school of a province):
    [(rank, UnitResult)] in ranking order, equal units sharing a rank ("1, 2, 2, 4").

    ``paths`` maps every org id to its materialised path, ``headcounts`` the headcount each
    unit is measured against (for a contest: the one in force when its first round opened,
    lms.orgs.services.headcount_as_of), ``scores_by_org`` gives the scores (0-100) of the
    participants registered directly in each org. A unit counts its whole subtree. Order:
    participation rate compared exactly (a Fraction), then the average score at 2 decimals,
    then participants; units without a headcount come last.
    """
    results = []
    for org_id in level_ids:
        prefix = paths[org_id]
        scores = [s for oid, values in scores_by_org.items() if paths.get(oid, "").startswith(prefix) for s in values]
        headcount = headcounts.get(org_id)
        rate = Fraction(len(scores), headcount) if headcount else None
        results.append(UnitResult(org_id, len(scores), headcount, rate, average_hundredths(scores)))
    results.sort(key=lambda r: (r.rate is None, -(r.rate or 0), -(r.average_score or 0.0), -r.participants, r.org_id))
    ranks = shared_ranks([(r.rate, r.average_score, r.participants) for r in results])
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


# --- the collective ranking as shown ------------------------------------------------------


def average_hundredths(scores: Sequence[float]) -> float | None:
    """The mean of ``scores`` (0-100) rounded half up to 2 decimals, None for no score. Each
    score is read as the decimal it prints as (66.67, not the binary float nearest to it), so
    the rounding is the one a person checking by hand gets."""
    if not scores:
        return None
    mean = sum((Fraction(repr(float(s))) for s in scores), Fraction(0)) / len(scores)
    return ((mean * 100 + Fraction(1, 2)) // 1) / 100


MOST_RATE_DECIMALS = 4


def rate_decimals(rates: Iterable[Fraction | None], most: int = MOST_RATE_DECIMALS) -> int:
    """The fewest decimals of a percentage, 0 to ``most``, at which every two different rates
    of ``rates`` show differently (``rate_text``) and no rate above 0 shows as "0%": 2/1500 and
    1/1700 are both "0%" and "0.1%", but "0.13%" and "0.06%", so 2. ``most`` when even that
    cannot tell some apart (the counts beside the rate still do). None entries are ignored."""
    distinct = {r for r in rates if r is not None}
    for decimals in range(most + 1):
        shown = {_percent_units(r, decimals) for r in distinct}
        if len(shown) == len(distinct) and all(_percent_units(r, decimals) > 0 for r in distinct if r > 0):
            return decimals
    return most


def _percent_units(rate: Fraction, decimals: int) -> int:
    """``rate`` as a percentage in units of 10**-decimals, rounded half up."""
    return (rate * 100 * 10 ** decimals + Fraction(1, 2)) // 1


def rate_text(rate: Fraction | None, decimals: int) -> str:
    """A rate (0..1, exact) as a percentage with ``decimals`` decimals, rounded half up:
    rate_text(Fraction(2, 1500), 2) == "0.13%". "—" for no rate."""
    if rate is None:
        return "—"
    units = _percent_units(rate, decimals)
    if not decimals:
        return f"{units}%"
    whole, part = divmod(units, 10 ** decimals)
    return f"{whole}.{part:0{decimals}d}%"


def headcounts_fixed_at(opens_at: Iterable[datetime], now: datetime) -> datetime | None:
    """When a contest's headcounts were fixed: the opening of its first round (naive UTC),
    once that moment has come; None before it (the current headcounts count, and may still
    change). ``opens_at`` are the openings of the contest's rounds."""
    first = min(opens_at, default=None)
    return first if first is not None and first <= now else None
