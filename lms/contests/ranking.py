"""Contest ranking rules, as pure functions over plain data (the contest pages build on them).

Individual ranking in a quiz round, in order, each key compared exactly at the precision the
board shows it, so the page always shows why one person is above another:
1. higher score, to 0.01 % (``score_key``: 75.125 % and 75.13 % are equal);
2. then the prediction closest to the true count, once the organiser has set it (when the
   round has a tiebreaker question);
3. then less time taken, to 0.1 s, cut off (``time_key``: 300.29 s is 300.2 s);
4. then the earlier submission, to the whole second (09:12:05.9 is 09:12:05).
Participants equal on every key share a rank ("1, 2, 2, 4"): remaining ties are shown as ties
(listed by exact submission, then registration, so every list is in one stable order).

The freeze (``standing_at``) and what each person sees at each stage of a round
(``board_stage``, ``board_shown``) are rules here too, as are the names and units a public
board shows (``public_name``, ``unit_label``) and how scores and times are written.

Collective ranking by organisation: participants, participation rate against headcount, and
average score, at any level of the tree (a unit counts everyone in its subtree).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from lms.quizzes.rules import GRACE, counted_attempt

# --- the ranking keys, at the precision the board shows ---------------------------------


def score_key(percent: float) -> int:
    """Minus the score in hundredths of a percent, rounded half up (75.125 -> -7513): keys
    ascend from the best, so one plain index serves the board on both databases. Stored as
    ``RoundEntry.score_key``; migration 0017 filled old rows with the same formula. Quiz
    percents already have two decimals; judged scores (four) are compared to 0.01 like them."""
    return -math.floor(percent * 100 + 0.5)


def time_key(seconds: float) -> int:
    """Tenths of a second taken, cut off (300.29 s -> 3002): the board writes "5:00,2" and
    never ranks on a difference it does not show. The 1e-6 absorbs binary fractions (a
    difference of datetimes of 300.2 s may come out as 300.19999999999999); the same formula
    as migration 0017."""
    return math.floor(seconds * 10 + 1e-6)


def submitted_key(at: datetime) -> datetime:
    """The submission time compared to the whole second, as the board and the report show it."""
    return at.replace(microsecond=0)


class RankKey(NamedTuple):
    """One participant's ranking key; smaller is better, compared field by field."""

    score: int  # score_key
    no_prediction: bool  # with a true count set, a missing prediction ranks after every given one
    distance: int  # |prediction - true count|; 0 without a true count
    time: int  # time_key
    submitted: datetime  # submitted_key


def rank_key(score_key_: int, time_key_: int, submitted_at: datetime | None, prediction: int | None,
             true_count: int | None) -> RankKey:
    """The key from stored keys (``RoundEntry.score_key``/``time_key``); the prediction counts
    only once the true count is set. A missing submission time ranks last."""
    if true_count is None:
        no_prediction, distance = False, 0
    elif prediction is None:
        no_prediction, distance = True, 0
    else:
        no_prediction, distance = False, abs(prediction - true_count)
    return RankKey(score_key_, no_prediction, distance, time_key_, submitted_key(submitted_at or datetime.max))


#: What put one participant below the one above, in the order the keys are compared.
DECIDING_KEYS = ("score", "prediction", "time", "submitted", "tie")


def deciding_part(upper: RankKey, lower: RankKey) -> str:
    """Which key puts ``lower`` below ``upper`` (one of DECIDING_KEYS): the first that differs;
    "tie" when none does. ``upper`` ranks at or above ``lower``."""
    if upper.score != lower.score:
        return "score"
    if (upper.no_prediction, upper.distance) != (lower.no_prediction, lower.distance):
        return "prediction"
    if upper.time != lower.time:
        return "time"
    if upper.submitted != lower.submitted:
        return "submitted"
    return "tie"


@dataclass(frozen=True)
class Entry:
    participant_id: int
    score: float  # percent
    seconds_taken: float
    submitted_at: datetime
    prediction: int | None = None


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry
    tied: bool  # shares its rank with another participant


def ranking_key(entry: Entry, true_count: int | None) -> RankKey:
    return rank_key(score_key(entry.score), time_key(entry.seconds_taken), entry.submitted_at, entry.prediction,
                    true_count)


def deciding_key(upper: Entry, lower: Entry, true_count: int | None) -> str:
    """Which key put ``lower`` below ``upper``: "score", "prediction", "time", "submitted" or
    "tie" (equal at the precision shown: they share a rank)."""
    return deciding_part(ranking_key(upper, true_count), ranking_key(lower, true_count))


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
    """Entries in ranking order with their (rank, tied). Tied entries are listed by exact
    submission time, then participant: the order the board reads from its index."""
    keyed = [(ranking_key(e, true_count), e) for e in entries]
    keyed.sort(key=lambda ke: (ke[0], ke[1].submitted_at, ke[1].participant_id))
    ranks = shared_ranks([key for key, _ in keyed])
    return [Ranked(rank, entry, tied) for (_, entry), (rank, tied) in zip(keyed, ranks, strict=True)]


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
    """(rank, tied, participant) by score, highest first, compared to 0.01 like the board
    (``score_key``: final scores of 80.004 and 80.001 share a rank); ties listed by participant."""
    ordered = sorted(scores.items(), key=lambda kv: (score_key(kv[1]), kv[0]))
    ranks = shared_ranks([score_key(score) for _, score in ordered])
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


# --- the freeze ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    """One submitted attempt of a round, as the freeze rule sees it (naive UTC times)."""

    started_at: datetime
    submitted_at: datetime
    percent: float

    @property
    def seconds_taken(self) -> float:
        return (self.submitted_at - self.started_at).total_seconds()


def standing_at(attempts: Iterable[AttemptResult], counting: str, moment: datetime) -> AttemptResult | None:
    """The result that counts for one participant using only their attempts submitted before
    ``moment``, under the round's counting policy ("best", "first", "last": the rule of
    ``lms.quizzes.rules.counted_attempt``, the one the live result follows); None when they
    had submitted nothing yet.

    The frozen board is everyone who had submitted before the freeze, each as they stood at
    the freeze, whatever they submitted after: later results are hidden, not the people
    (CTFd's "solves after the freeze are hidden"). Example: two attempts, best counts, Bình 75
    and An 50 before the freeze, An 90 during it: the frozen board shows Bình 75, An 50."""
    before = sorted((a for a in attempts if a.submitted_at < moment), key=lambda a: a.submitted_at)
    index = counted_attempt(counting, [(a.submitted_at, a.percent or 0.0) for a in before])
    return None if index is None else before[index]


def freeze_moment(closes_at: datetime, freeze_minutes: int | None) -> datetime | None:
    """When the public board freezes (``freeze_minutes`` before the close), or None."""
    return closes_at - timedelta(minutes=freeze_minutes) if freeze_minutes else None


# --- stages: what each person sees when ------------------------------------------------------


class Stage(StrEnum):
    """Where a round stands, as its board tells everyone (docs/contests.md has the table)."""

    SCHEDULED = "scheduled"  # not open yet
    OPEN = "open"  # taking answers, board live
    FROZEN = "frozen"  # the last minutes: the public board shows the standings at the freeze
    CLOSED_GRADING = "closed_grading"  # closed, results may still change (see ``board_stage``)
    CLOSED_FINAL = "closed_final"  # closed, every result in: the order is final, prizes not yet published
    PUBLISHED = "published"  # the contest's results and prizes are published


class Shown(StrEnum):
    """Which board a viewer gets."""

    HIDDEN = "hidden"  # nothing before the close (rounds that hide results until then)
    LIVE = "live"  # every result recorded so far
    AT_FREEZE = "at_freeze"  # everyone as they stood at the freeze moment


def board_stage(*, now: datetime, opens_at: datetime, closes_at: datetime, freeze_minutes: int | None = 0,
                published: bool = False, pending: bool = False, grace: timedelta = GRACE) -> Stage:
    """The stage of a round at ``now`` (naive UTC). After the close the round stays "closed,
    grading" while results may still change: within the quiz ``grace`` (answers sent just
    before the close may still arrive), or while ``pending`` (attempts whose time ran out are
    not graded yet, the tiebreaker's true count is not set, judges' scores not finalised).
    Publication (the contest's) comes after every round is final and ends the story."""
    if published:
        return Stage.PUBLISHED
    if now < opens_at:
        return Stage.SCHEDULED
    if now < closes_at:
        freeze = freeze_moment(closes_at, freeze_minutes)
        return Stage.FROZEN if freeze is not None and now >= freeze else Stage.OPEN
    if pending or now < closes_at + grace:
        return Stage.CLOSED_GRADING
    return Stage.CLOSED_FINAL


def board_shown(stage: Stage, *, organiser: bool, hide_until_close: bool) -> Shown:
    """What the board shows at ``stage``. The contest's organisers (and admins) always see the
    live board. The public and the participants: nothing before the close when the round
    hides results until then (``lms.access.rules.round_results_visible``); otherwise the live
    board, except during the freeze, when they see everyone as they stood at the freeze. The
    freeze lifts at the close: from then on everyone sees every result, marked provisional
    until the stage is final."""
    if organiser:
        return Shown.LIVE
    if stage in (Stage.SCHEDULED, Stage.OPEN, Stage.FROZEN) and hide_until_close:
        return Shown.HIDDEN
    if stage is Stage.FROZEN:
        return Shown.AT_FREEZE
    return Shown.LIVE


# --- what a board writes ----------------------------------------------------------------------


def initials(full_name: str) -> str:
    """A Vietnamese name with every word but the given name (the last) shortened to its
    initial: "Nguyễn Văn An" -> "N. V. An", "Lê Thị Thu Hà" -> "L. T. T. Hà". A one-word name
    stays whole. Enough for a pupil's family and school to recognise them, not for strangers
    to find them."""
    words = full_name.split()
    if len(words) <= 1:
        return full_name.strip()
    return " ".join([w[0].upper() + "." for w in words[:-1]] + [words[-1]])


def public_name(full_name: str, choice: str) -> str:
    """The name a public board shows under ``Contest.public_board`` (PUBLIC_BOARD_CHOICES):
    initials for "initials_and_unit", the full name otherwise."""
    return initials(full_name) if choice == "initials_and_unit" else full_name


def shows_unit(choice: str) -> bool:
    """Whether a public board under ``choice`` shows the participant's unit."""
    return choice != "name"


def unit_label(short_name: str | None, org_name: str | None, unit_name: str | None, school: str | None,
               parent: str | None = None) -> str | None:
    """A participant's unit as the board writes it: their unit's short name, else its name,
    else the unit or school typed at registration (people outside the tree). ``parent``: the
    short name (else name) of the unit above a class, written after it ("Lớp 11A1 · THPT Chu
    Văn An"), since every school has a "Lớp 10A1" and pupils must be told apart."""
    for value in (short_name, org_name, unit_name, school):
        if value and value.strip():
            own = value.strip()
            return f"{own} · {parent.strip()}" if parent and parent.strip() else own
    return None


def score_decimals(score_keys: Sequence[int]) -> int:
    """How many decimals a board (its rows in order) needs: 1, or 2 when two neighbours with
    different scores would look equal at one (75.50 and 75.49 both read 75.5)."""
    tenths = [_tenths(k) for k in score_keys]
    for index in range(1, len(score_keys)):
        if score_keys[index] != score_keys[index - 1] and tenths[index] == tenths[index - 1]:
            return 2
    return 1


def _tenths(key: int) -> Decimal:
    return (Decimal(-key) / 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_score(key: int, decimals: int = 2, decimal_symbol: str = ".") -> str:
    """A score from its ``score_key``, with 1 or 2 decimals (half up): -7550 -> "75.50"; the
    page passes the locale's decimal symbol ("," in Vietnamese)."""
    value = Decimal(-key) / 100
    text = str(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    return text.replace(".", decimal_symbol)


def format_time(key: int, decimal_symbol: str = ".") -> str:
    """A time taken from its ``time_key`` (tenths): 3002 -> "5:00.2" ("5:00,2" in Vietnamese),
    and "1:02:03.4" from an hour on."""
    hours, rest = divmod(key, 36000)
    minutes, rest = divmod(rest, 600)
    seconds, tenth = divmod(rest, 10)
    clock = f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    return f"{clock}{decimal_symbol}{tenth}"


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


def rate_text(rate: Fraction | None, decimals: int, point: str = ".") -> str:
    """A rate (0..1, exact) as a percentage with ``decimals`` decimals, rounded half up, with
    ``point`` as the decimal mark ("," in Vietnamese): rate_text(Fraction(2, 1500), 2) ==
    "0.13%". "—" for no rate."""
    if rate is None:
        return "—"
    units = _percent_units(rate, decimals)
    if not decimals:
        return f"{units}%"
    whole, part = divmod(units, 10 ** decimals)
    return f"{whole}{point}{part:0{decimals}d}%"


def headcounts_fixed_at(opens_at: Iterable[datetime], now: datetime) -> datetime | None:
    """When a contest's headcounts were fixed: the opening of its first round (naive UTC),
    once that moment has come; None before it (the current headcounts count, and may still
    change). ``opens_at`` are the openings of the contest's rounds."""
    first = min(opens_at, default=None)
    return first if first is not None and first <= now else None
