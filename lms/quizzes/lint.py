"""Advice on a question bank's design, beside the format checks: patterns that let a
learner guess the key without understanding (issue 19's content review).

Pure functions over parsed banks (lms.quizzes.ir); ``lms check-content`` prints what they
find as warnings, without refusing the bank.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from lms.quizzes.ir import Choice, ParsedBank

# Share of single-choice questions whose key is the unique longest option above which a
# test-wise learner scores well by picking the longest option. With 4 options of random
# lengths the share would be about 25%; the issue sets the limit at 40%. The same cue works
# the other way round (a terse key among wordy distractors), so the shortest gets the same limit.
KEY_LONGEST_LIMIT = 0.40
KEY_SHORTEST_LIMIT = 0.40
MIN_SINGLES_FOR_RATIO = 5


def _key_and_other_lengths(choices: list[Choice]) -> tuple[int, list[int]] | None:
    """Length of the one right option (fraction 1) and of every other, or None when there is
    not exactly one right option and at least one other."""
    right = [len(c.text.strip()) for c in choices if c.fraction >= 1]
    others = [len(c.text.strip()) for c in choices if c.fraction < 1]
    return (right[0], others) if len(right) == 1 and others else None


def key_is_longest(choices: list[Choice]) -> bool:
    """True when the one right option (fraction 1) is strictly longer than every other."""
    lengths = _key_and_other_lengths(choices)
    return lengths is not None and lengths[0] > max(lengths[1])


def key_is_shortest(choices: list[Choice]) -> bool:
    """True when the one right option (fraction 1) is strictly shorter than every other."""
    lengths = _key_and_other_lengths(choices)
    return lengths is not None and lengths[0] < min(lengths[1])


@dataclass(frozen=True)
class BankShape:
    """Figures about a bank: counts by type, and the guessing patterns."""

    by_type: dict[str, int]
    singles: int
    key_longest: int
    key_shortest: int
    # For multiple-answer questions: how many have each count of right options.
    right_counts: dict[int, int]
    flat_draw: bool
    tags: dict[str, int]

    @property
    def key_longest_share(self) -> float:
        return self.key_longest / self.singles if self.singles else 0.0

    @property
    def key_shortest_share(self) -> float:
        return self.key_shortest / self.singles if self.singles else 0.0


def bank_shape(bank: ParsedBank) -> BankShape:
    questions = [q for q in bank.questions if q.type != "description"]
    singles = [q for q in questions if q.type == "single"]
    multiples = [q for q in questions if q.type == "multiple"]
    draw = bank.settings.get("draw")
    return BankShape(
        by_type=dict(Counter(q.type for q in questions)),
        singles=len(singles),
        key_longest=sum(1 for q in singles if key_is_longest(q.choices)),
        key_shortest=sum(1 for q in singles if key_is_shortest(q.choices)),
        right_counts=dict(Counter(sum(1 for c in q.choices if c.fraction > 0) for q in multiples)),
        flat_draw=isinstance(draw, int) and draw < len(questions),
        tags=dict(Counter(t for q in questions for t in q.tags)),
    )


def bank_advice(bank: ParsedBank) -> list[str]:
    """Warnings (English, for authors at the command line) about guessable patterns:
    the key longest, or shortest, in more than 40% of single-choice questions; every multiple-answer
    question with the same number of right options; a flat draw from a tagged bank, which
    lets an attempt miss a whole lesson (per-tag draw: content-format.md, Settings)."""
    shape = bank_shape(bank)
    advice = []
    if shape.singles >= MIN_SINGLES_FOR_RATIO and shape.key_longest_share > KEY_LONGEST_LIMIT:
        advice.append(f"the key is the longest option in {shape.key_longest} of {shape.singles} single-choice "
                      f"questions ({shape.key_longest_share:.0%}, limit {KEY_LONGEST_LIMIT:.0%}): "
                      "learners guess it; write distractors as long as the key")
    if shape.singles >= MIN_SINGLES_FOR_RATIO and shape.key_shortest_share > KEY_SHORTEST_LIMIT:
        advice.append(f"the key is the shortest option in {shape.key_shortest} of {shape.singles} single-choice "
                      f"questions ({shape.key_shortest_share:.0%}, limit {KEY_SHORTEST_LIMIT:.0%}): "
                      "learners guess it; give the key the detail the distractors have")
    if sum(shape.right_counts.values()) >= 3 and len(shape.right_counts) == 1:
        (count,) = shape.right_counts
        advice.append(f"every multiple-answer question has {count} right options: vary the number")
    if shape.flat_draw and len(shape.tags) >= 2:
        advice.append("draw is a single number in a bank with several tags: an attempt can miss a whole lesson; "
                      "draw per tag, e.g. draw: {vneid: 2, otp: 2}")
    return advice
