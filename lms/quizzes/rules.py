"""Pure rules for attempts: drawing questions, grading a whole attempt, which attempt counts;
and for options: their identity across versions of a question, and which stay in place."""

from __future__ import annotations

import difflib
import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.core.text import fold
from lms.quizzes.types import REGISTRY

# Answers that arrive this long after the deadline still count: the learner pressed the
# button in time but a slow mobile network delivered the request late.
GRACE = timedelta(seconds=20)


@dataclass(frozen=True)
class Candidate:
    """One current question version of a bank, in bank order, as the draw sees it.

    ``pinned``: indices of options kept in their written place when options are shuffled
    (``Choice.pinned``, e.g. "Tất cả các đáp án trên")."""

    version_id: int
    type: str
    tags: tuple[str, ...] = ()
    choice_count: int = 0
    pinned: tuple[int, ...] = ()


def option_order(count: int, pinned=(), shuffle: bool = True, rng: random.Random | None = None) -> list[int]:
    """The order in which ``count`` options are shown: indices 0..count-1, the ``pinned``
    ones at their written position and the others shuffled into the remaining places
    (when ``shuffle``): "all of the above" written last stays last (issue 15, fault 9)."""
    order = list(range(count))
    if not shuffle or count < 2:
        return order
    fixed = set(pinned)
    free = [i for i in order if i not in fixed]
    (rng or random.Random()).shuffle(free)
    moving = iter(free)
    return [i if i in fixed else next(moving) for i in order]


def pinned_positions(data: dict) -> tuple[int, ...]:
    """Indices of a stored version's options that stay in place (``"pinned": true``), for
    ``option_order``. Every page that shuffles options (the paper, practice) goes through
    these two, so "all of the above" stays last everywhere."""
    return tuple(i for i, c in enumerate(data.get("choices", [])) if c.get("pinned"))


@dataclass(frozen=True)
class Block:
    """Descriptions and the questions they introduce, kept together on a paper. A question
    written before any description is a block of its own (no descriptions)."""

    descriptions: tuple[Candidate, ...]
    questions: tuple[Candidate, ...]
    introduces: bool = True  # False for descriptions with nothing after them (a closing note)


def paper_blocks(candidates: list[Candidate]) -> list[Block]:
    """Group a bank (candidates in bank order) into blocks: a description introduces the
    items after it until the next description (consecutive descriptions introduce the same
    items together: a title, then a scenario). Only gradable questions are kept in a block:
    essays are not answerable on the paper yet (issue 22), though they still end a run of
    descriptions. A block with descriptions and no items at all can only be the last one
    (a closing note)."""
    blocks: list[tuple[list[Candidate], list[Candidate], list[Candidate]]] = []  # descriptions, questions, all items
    for c in candidates:
        if c.type == "description":
            if blocks and blocks[-1][0] and not blocks[-1][2]:
                blocks[-1][0].append(c)
            else:
                blocks.append(([c], [], []))
        else:
            if not (blocks and blocks[-1][0]):
                blocks.append(([], [], []))
            blocks[-1][2].append(c)
            if REGISTRY[c.type].gradable:
                blocks[-1][1].append(c)
    return [Block(tuple(d), tuple(q), bool(items)) for d, q, items in blocks if q or not items]


def draw_items(candidates: list[Candidate], draw, shuffle_questions: bool, shuffle_options: bool,
               rng: random.Random) -> list[dict]:
    """Questions, their descriptions and option order for one attempt:
    ``[{"v": version_id, "order": [option indices as shown]}]``.

    ``draw`` is None (all questions), a number, or {tag: count} to draw per topic so that
    every participant gets a comparable paper. Only questions are drawn; a description
    comes along, just before its questions, when at least one of them is drawn
    (``paper_blocks``), and descriptions that introduce no question close the paper. With
    ``shuffle_questions`` the blocks are shuffled and the questions inside each block, so a
    description never lands away from its questions. Options are shuffled around the
    pinned ones (``option_order``); true/false keeps its written order."""
    blocks = paper_blocks(candidates)
    pool = [q for b in blocks for q in b.questions]
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
    drawn = {c.version_id for c in chosen}
    groups: list[list[Candidate]] = []
    closing: list[Candidate] = []
    for block in blocks:
        questions = [q for q in block.questions if q.version_id in drawn]
        if not block.introduces:
            closing.extend(block.descriptions)
        elif questions:
            if shuffle_questions:
                rng.shuffle(questions)
            groups.append([*block.descriptions, *questions])
    if shuffle_questions:
        rng.shuffle(groups)
    items = []
    for c in [c for group in groups for c in group] + closing:
        shuffle = shuffle_options and REGISTRY[c.type].has_choices and c.type != "truefalse"
        items.append({"v": c.version_id, "order": option_order(c.choice_count, c.pinned, shuffle, rng)})
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


# --- options: identity across versions, and pinning ---------------------------------

# Below this difflib ratio two option texts are different options, not one corrected.
SIMILAR_OPTION = 0.6
_CHOICE_ID = re.compile(r"c(\d+)")


def _nfc_text(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def match_choice_ids(old: list[tuple[str, str]], new: list[str]) -> list[str]:
    """Ids for the options ``new`` (texts, in written order) of a new version of a question
    whose current version has the options ``old`` ([(id, text)]), so that an answer keeps
    its meaning when options are reordered or corrected (issue 15, fault 7).

    Matched in three passes, each over the options still unmatched: the same NFC text; then
    the same folded text (``lms.core.text.fold``: case, diacritics, spacing); then, for an
    option whose text was corrected, the most similar old one (``difflib`` ratio of the
    folded texts >= ``SIMILAR_OPTION``, best pair first, ties to the earlier options). An
    option left over is new: it gets a fresh id ``c{n}`` above every id in ``old``. The
    result has one id per new option, all distinct; with ``old`` empty it is c1..cn."""
    ids: list[str | None] = [None] * len(new)
    free = dict(old)  # id -> text, the old options not matched yet (insertion order = written order)

    def exact_pass(key) -> None:
        for i, text in enumerate(new):
            if ids[i] is not None:
                continue
            wanted = key(text)
            for old_id, old_text in free.items():
                if key(old_text) == wanted:
                    ids[i] = old_id
                    del free[old_id]
                    break

    exact_pass(_nfc_text)
    exact_pass(lambda t: fold(t or ""))
    pairs = []
    for i, text in enumerate(new):
        if ids[i] is None:
            for position, (old_id, old_text) in enumerate(free.items()):
                ratio = difflib.SequenceMatcher(None, fold(text or ""), fold(old_text or "")).ratio()
                if ratio >= SIMILAR_OPTION:
                    pairs.append((-ratio, i, position, old_id))
    for _, i, _, old_id in sorted(pairs):
        if ids[i] is None and old_id in free:
            ids[i] = old_id
            del free[old_id]
    numbers = [int(m.group(1)) for old_id, _ in old if (m := _CHOICE_ID.fullmatch(old_id or ""))]
    following = max(numbers, default=0) + 1
    for i in range(len(ids)):
        if ids[i] is None:
            ids[i] = f"c{following}"
            following += 1
    return ids  # type: ignore[return-value]


def choice_ids(data: dict) -> list[str]:
    """The ids of a stored version's options in stored order; an option stored without one
    (before migration 0014) is ``c{position}``, as that migration numbers them."""
    return [c.get("id") or f"c{i}" for i, c in enumerate(data.get("choices", []), 1)]


def choice_index_map(old_data: dict, new_data: dict) -> dict[int, int]:
    """{option index in ``old_data``: index of the same option in ``new_data``} for two
    versions of one question, through option ids; options that no longer exist are absent.
    Responses and option orders are indices into their own version, so anything comparing
    across versions (a regrade, item statistics) maps them through this."""
    where = {cid: i for i, cid in enumerate(choice_ids(new_data))}
    return {i: where[cid] for i, cid in enumerate(choice_ids(old_data)) if cid in where}


# An option that refers to other options ("all of the above") means nothing away from its
# place. Matched on the folded text with punctuation removed; letters name options (A-H).
_LETTER = r"[a-h]"
_LETTERS = rf"{_LETTER}(?: {_LETTER})*(?: (?:va|hoac|and|or)) {_LETTER}"
_OPTION_WORD = r"(?:dap an|phuong an|cau tra loi|cau|y|lua chon|answers?|options?|choices?)"
_COUNT = r"(?:hai|ba|bon|nam|2|3|4|5)"
_REFERS = re.compile("|".join([
    # Tất cả các đáp án trên (đều đúng); Tất cả đều đúng/sai; Tất cả các ý trên
    rf"tat ca(?: cac)?(?: {_OPTION_WORD})?(?: (?:o )?tren)?(?: deu)?(?: (?:dung|sai))?",
    # Cả ba đáp án trên; Cả hai đều đúng; Cả 3 ý trên đều sai
    rf"ca {_COUNT}(?: {_OPTION_WORD})?(?: (?:o )?tren)?(?: deu)?(?: (?:dung|sai))?",
    # Cả A và B; Cả A, B và C đều đúng; Đáp án A và B đều đúng; A và B đều đúng; A và C đúng
    rf"(?:ca )?(?:{_OPTION_WORD} )?{_LETTERS}(?: deu)?(?: (?:dung|sai))?",
    # Không có đáp án nào đúng; Không đáp án nào đúng; Không có phương án nào ở trên đúng
    rf"(?:khong|chang) (?:co )?{_OPTION_WORD} nao(?: (?:o )?tren)?(?: (?:dung|ca))?",
    rf"(?:khong|chang) (?:co )?{_OPTION_WORD} (?:dung|chinh xac)",
    # all of the above; none of the above; all of these; all are correct; none are correct
    rf"(?:all|none|both|neither) (?:of )?(?:the )?(?:above|these|those|of the above)(?: {_OPTION_WORD})?(?: (?:are|is) (?:correct|true|right|wrong|false))?",
    rf"(?:all|none) (?:of )?(?:the )?{_OPTION_WORD}(?: above)?(?: (?:are|is) (?:correct|true|right|wrong|false))?",
    r"(?:all|none) (?:are|is) (?:correct|true|right|wrong|false)",
    # both A and B; A and B are correct; neither A nor B
    rf"(?:both )?{_LETTERS}(?: (?:are|is) (?:both )?(?:correct|true|right|wrong|false))?",
    rf"neither {_LETTER} nor {_LETTER}",
]))
_REFERS_NEEDS = re.compile(rf"^(?:ca|both|{_OPTION_WORD})\b|(?:dung|sai|correct|true|right|wrong|false)$")


def auto_pin(text: str) -> bool:
    """Whether an option refers to the other options ("Tất cả các đáp án trên", "Cả A và
    B", "Không có đáp án nào đúng", "all of the above", "none of the above", "both A and
    B"), so that shuffling would make it wrong or meaningless: such an option is kept in its
    written place (``Choice.pinned``). Compared folded (case, diacritics), punctuation and
    Markdown escapes ignored, the whole option only: "Tất cả học sinh" or "Vitamin A và B"
    are content, not references. A bare "A và B" is read as content too, unless it starts
    with "Cả"/"both"/"đáp án" or ends "đều đúng"/"are correct"."""
    folded = fold(re.sub(r"[^\w\s]|_", " ", text or ""))
    if not folded or not _REFERS.fullmatch(folded):
        return False
    if re.fullmatch(rf"(?:ca )?(?:{_OPTION_WORD} )?{_LETTERS}|(?:both )?{_LETTERS}", folded):
        return bool(_REFERS_NEEDS.search(folded))
    return True


def carry_response(old_type: str, old_data: dict, new_type: str, new_data: dict, response) -> tuple[bool, object]:
    """``(True, response)`` giving an answer to an older version of a question as the same
    answer to a newer version, by meaning, or ``(False, None)`` when the newer version
    cannot judge it (a regrade then leaves it as it was).

    Choice types (single, multiple, true/false, to one another): option indices through
    option ids (``choice_index_map``); an answer that chose an option the newer version no
    longer has is not carried. Matching: the response lists the right-hand text chosen for
    each left item in order, so it follows the left items, matched by text as options are
    (``match_choice_ids``); a left item new in the newer version is unanswered. Short
    answer and numeric: the same response, when the type did not change. Any other change
    of type: not carried."""
    old_kind, new_kind = REGISTRY[old_type], REGISTRY[new_type]
    if not new_kind.gradable:
        return False, None
    if old_kind.has_choices and new_kind.has_choices:
        chosen = response if isinstance(response, list) else []
        index_map = choice_index_map(old_data, new_data)
        if any(not isinstance(i, int) or i not in index_map for i in chosen):
            return False, None
        return True, [index_map[i] for i in chosen]
    if old_type != new_type or new_kind.has_choices:
        return False, None
    if new_type == "matching":
        old_lefts = [p["left"] for p in old_data.get("pairs", []) if p.get("left")]
        new_lefts = [p["left"] for p in new_data.get("pairs", []) if p.get("left")]
        ids = match_choice_ids([(f"c{i}", text) for i, text in enumerate(old_lefts, 1)], new_lefts)
        given = list(response or [])
        by_id = {f"c{i}": given[i - 1] for i in range(1, len(old_lefts) + 1) if i <= len(given)}
        return True, [by_id.get(left_id, "") for left_id in ids]
    return True, response


# --- one device per attempt, and leaving the page -------------------------------------


def device_allows(bound: str | None, device: str | None) -> bool:
    """Whether a request from the browser whose device id is ``device`` (its session's, see
    lms.auth.views.DEVICE_KEY; None for a session without one) may see, answer or submit an
    attempt bound to the device ``bound`` (``Attempt.device_id``). An unbound attempt is
    open to every browser of its owner; a bound one only to that browser, until a sign-in
    elsewhere moves it there."""
    return bound is None or bound == device


# Whose attempts count the times the learner left the page: contest rounds, where it is
# worth an organiser's look. Course quizzes record nothing and their page sends nothing.
FOCUS_PURPOSES = frozenset({"contest"})
# One report adds at most this many losses (the page batches losses that happen in quick
# succession); an attempt keeps at most FOCUS_EVENTS_MAX rows of them (the count goes on),
# and its count stops at FOCUS_LOSSES_MAX: enough to flag, bounded whatever a script sends.
FOCUS_REPORT_MAX = 20
FOCUS_EVENTS_MAX = 100
FOCUS_LOSSES_MAX = 10_000


def records_focus(purpose: str) -> bool:
    """Whether attempts of this ``purpose`` ("course", "contest") record focus losses."""
    return purpose in FOCUS_PURPOSES


def focus_losses_reported(value) -> int:
    """The number of losses one report may add: ``value`` as sent (any text), read as a whole
    number and kept within 1..FOCUS_REPORT_MAX; a report always means at least one loss."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), FOCUS_REPORT_MAX)


# --- before submitting: answered, unanswered and flagged questions ---------------------


def is_answered(response) -> bool:
    """Whether a stored response (``AttemptAnswer.response``, as ``QuestionType.parse_response``
    made it) says anything: a chosen option (a list of indices, 0 included), a text or number
    with more than spaces, a matching with at least one pair chosen. None, "", "  ", [] and a
    matching left all on "— choose —" (``["", ""]``) are unanswered. The paper's navigator and
    the confirmation before submitting use this one rule (quiz.js mirrors it in the browser)."""
    if response is None:
        return False
    if isinstance(response, str):
        return bool(response.strip())
    if isinstance(response, (list, tuple)):
        return any(is_answered(part) for part in response)
    if isinstance(response, dict):
        return any(is_answered(part) for part in response.values())
    return True  # an option index or a number


def clean_flags(positions, question_positions) -> list[int]:
    """The positions to store in ``Attempt.flagged`` from what a page sent: ``positions`` is
    any iterable of values (form strings, JSON numbers), ``question_positions`` the 0-based
    positions in ``Attempt.items`` that hold questions (descriptions cannot be flagged).
    Returns them as sorted unique ints; anything else (text, floats, negative, out of range,
    a description) is dropped, so a crafted request can store nothing but real positions."""
    allowed = set(question_positions)
    kept = set()
    for value in positions or ():
        if isinstance(value, bool):
            continue
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            continue
        if number in allowed:
            kept.add(number)
    return sorted(kept)


@dataclass(frozen=True)
class PaperCheck:
    """What the learner is told before submitting: question numbers (1..n, as on the paper)."""

    total: int
    answered: int
    unanswered: tuple[int, ...]
    flagged: tuple[int, ...]

    @property
    def needs_confirmation(self) -> bool:
        """Submitting asks first when some question is unanswered or flagged for review: a
        press of Submit then never uses up an attempt by mistake (issue 18, fault 4). A paper
        with every question answered and none flagged goes straight to grading."""
        return bool(self.unanswered or self.flagged)


def check_paper(questions) -> PaperCheck:
    """``questions``: (number, answered, flagged) for each question of a paper, in paper order
    (descriptions left out)."""
    questions = list(questions)
    return PaperCheck(
        total=len(questions), answered=sum(1 for _, answered, _ in questions if answered),
        unanswered=tuple(n for n, answered, _ in questions if not answered),
        flagged=tuple(n for n, _, flagged in questions if flagged))
