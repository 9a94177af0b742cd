"""Item statistics from graded attempts: pure functions so they are easy to trust.

For each question: how many answered it, the mean score (facility), discrimination (mean
score in the top 27% of attempts minus the bottom 27%, by total score) and the wrong option
chosen most often. A question with low or negative discrimination is one the strongest
learners get wrong: usually a wrong key or a confusing wording.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Response:
    attempt_total: float  # the attempt's percent, to rank attempts
    fraction: float  # 0..1 earned on this question
    chosen: tuple[int, ...] = ()  # option indices chosen, for choice questions


@dataclass
class ItemStats:
    answered: int
    facility: float | None  # mean fraction, 0..1
    discrimination: float | None  # -1..1
    top_wrong_option: int | None
    top_wrong_count: int


def item_stats(responses: list[Response], right_options: set[int] | None = None, group_share: float = 0.27) -> ItemStats:
    n = len(responses)
    if n == 0:
        return ItemStats(0, None, None, None, 0)
    facility = sum(r.fraction for r in responses) / n
    discrimination = None
    group = int(round(n * group_share))
    if group >= 1 and n >= 2 * group:
        ranked = sorted(responses, key=lambda r: r.attempt_total)
        lower, upper = ranked[:group], ranked[-group:]
        discrimination = sum(r.fraction for r in upper) / group - sum(r.fraction for r in lower) / group
    wrong = Counter(i for r in responses for i in r.chosen if right_options is not None and i not in right_options)
    top, count = (wrong.most_common(1)[0] if wrong else (None, 0))
    return ItemStats(n, round(facility, 4), round(discrimination, 4) if discrimination is not None else None, top, count)
