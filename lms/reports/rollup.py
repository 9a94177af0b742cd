"""Roll completion figures up an organisation tree.

Reports show every unit with the figures of its whole subtree (a school
includes its classes, a district includes its schools).  Keeping this logic
free of Flask and the database lets it be tested exhaustively with random
trees and reused by dashboards, exports and the public ranking alike.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "OrgNode",
    "LearnerFact",
    "Totals",
    "own_totals",
    "roll_up",
    "children_rows",
    "name_sort_key",
]


@dataclass(frozen=True)
class OrgNode:
    """One unit of the organisation tree, detached from the ORM.

    Frozen so that a node list can be shared between report views without
    anyone accidentally editing it.
    """

    id: int
    parent_id: int | None
    name: str
    code: str
    kind: str
    headcount: int | None = None


@dataclass(frozen=True)
class LearnerFact:
    """One learner x one course, or a learner with no course (course_id None).

    A row with ``course_id`` None still matters: it makes the learner count
    in ``Totals.learners`` of their unit even when nothing was assigned.
    """

    user_id: int
    org_id: int
    course_id: int | None
    assigned: bool  # the course was assigned to the learner's unit (or an ancestor)
    enrolled: bool
    started: bool
    completed: bool
    score: float | None  # best/final score in percent, None if no quiz result
    certificate: bool
    overdue: bool  # assigned, due date passed, not completed


# Counter fields that are summed when totals are added together.  Kept in one
# place so that ``add`` and the tests cannot drift apart from the dataclass.
_SUM_FIELDS = (
    "learners",
    "enrolled_or_assigned",
    "started",
    "completed",
    "certificates",
    "overdue",
    "score_sum",
    "score_count",
)


@dataclass
class Totals:
    """Additive counters for one unit.

    Only plain sums are stored; rates are derived on demand.  That is what
    makes rolling up exact: a parent's rate is computed from summed counts,
    never by averaging the children's rates (which would weight a class of 3
    the same as a school of 3,000).
    """

    # Distinct learners; a learner counts once per unit even with several courses.
    learners: int = 0
    # Learner-course pairs that are enrolled or assigned (the rate denominator).
    enrolled_or_assigned: int = 0
    started: int = 0
    completed: int = 0
    certificates: int = 0
    overdue: int = 0
    score_sum: float = 0.0
    score_count: int = 0

    @property
    def completion_rate(self) -> float | None:
        """Completed / enrolled-or-assigned as a ratio in [0, 1].

        None rather than 0 when there is nothing to complete, so a unit with
        no assignments is not ranked as "0 % complete".
        """
        if self.enrolled_or_assigned == 0:
            return None
        return self.completed / self.enrolled_or_assigned

    @property
    def average_score(self) -> float | None:
        """Mean score in percent over pairs that have a score; None if none."""
        if self.score_count == 0:
            return None
        return self.score_sum / self.score_count

    def add(self, other: Totals) -> Totals:
        """Return a new Totals with every counter summed (inputs untouched)."""
        return Totals(**{name: getattr(self, name) + getattr(other, name) for name in _SUM_FIELDS})

    __add__ = add

    def _iadd(self, other: Totals) -> None:
        # In-place variant for the hot loop of roll_up; private because
        # callers should not mutate totals they got from someone else.
        for name in _SUM_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def copy(self) -> Totals:
        """Independent copy, so rolled results never alias the inputs."""
        return Totals(**{name: getattr(self, name) for name in _SUM_FIELDS})

    def to_dict(self) -> dict[str, int | float | None]:
        """Plain dict for JSON/CSV/templates with derived figures rounded.

        ``completion_rate`` keeps four decimals (a ratio), the percentage and
        the average score one decimal, which is what people read on screen.
        """
        rate = self.completion_rate
        avg = self.average_score
        return {
            "learners": self.learners,
            "enrolled_or_assigned": self.enrolled_or_assigned,
            "started": self.started,
            "completed": self.completed,
            "certificates": self.certificates,
            "overdue": self.overdue,
            "score_sum": round(self.score_sum, 2),
            "score_count": self.score_count,
            "completion_rate": None if rate is None else round(rate, 4),
            "completion_percent": None if rate is None else round(rate * 100, 1),
            "average_score": None if avg is None else round(avg, 1),
        }


def own_totals(facts: Iterable[LearnerFact]) -> dict[int, Totals]:
    """Totals per org for the learners placed directly in that org.

    Counting rules (chosen so the numbers add up and rates stay <= 100 %):

    * ``learners`` counts distinct ``user_id`` per org.  A learner belongs to
      exactly one unit, so summing children later is exact; should the same
      user appear under two orgs they are counted in each.
    * Course counters (started, completed, certificates, overdue, score)
      only consider pairs that are enrolled *or* assigned - the same
      population as the denominator.  A stray fact for a course the learner
      was neither enrolled in nor assigned is therefore ignored, as are
      rows with ``course_id`` None (they only register the learner).
    """
    result: dict[int, Totals] = {}
    seen: dict[int, set[int]] = {}
    for fact in facts:
        totals = result.get(fact.org_id)
        if totals is None:
            totals = result[fact.org_id] = Totals()
            seen[fact.org_id] = set()
        users = seen[fact.org_id]
        if fact.user_id not in users:
            users.add(fact.user_id)
            totals.learners += 1
        if fact.course_id is None or not (fact.enrolled or fact.assigned):
            continue
        totals.enrolled_or_assigned += 1
        totals.started += bool(fact.started)
        totals.completed += bool(fact.completed)
        totals.certificates += bool(fact.certificate)
        totals.overdue += bool(fact.overdue)
        if fact.score is not None:
            totals.score_sum += float(fact.score)
            totals.score_count += 1
    return result


def roll_up(nodes: Sequence[OrgNode], own: Mapping[int, Totals]) -> dict[int, Totals]:
    """Each node's totals = its own + the rolled totals of its children.

    Returns an entry for every node (zero Totals where there are no facts).
    Works bottom-up with Kahn's algorithm - a node is finished once all its
    children are - so it is iterative (a 5,000-deep chain is fine) and
    linear in the number of nodes.

    A node whose ``parent_id`` is not among ``nodes`` is treated as a root.
    That lets callers pass a subtree (e.g. one school and below) without
    special handling; the price is that a typo'd parent cannot be told apart
    from a subtree boundary, which is the database's job to prevent.

    Entries in ``own`` for org ids that are not in ``nodes`` are ignored
    (they lie outside the requested subtree).

    Raises ValueError for duplicate node ids or a cycle in the parent links.
    """
    by_id: dict[int, OrgNode] = {}
    for node in nodes:
        if node.id in by_id:
            raise ValueError(f"duplicate organisation id {node.id!r} in the node list")
        by_id[node.id] = node

    rolled: dict[int, Totals] = {}
    pending_children: dict[int, int] = dict.fromkeys(by_id, 0)
    for node in by_id.values():
        base = own.get(node.id)
        rolled[node.id] = base.copy() if base is not None else Totals()
        if node.parent_id in by_id:
            pending_children[node.parent_id] += 1

    ready = [node_id for node_id, count in pending_children.items() if count == 0]
    done = 0
    while ready:
        node_id = ready.pop()
        done += 1
        parent_id = by_id[node_id].parent_id
        if parent_id in by_id:
            rolled[parent_id]._iadd(rolled[node_id])
            pending_children[parent_id] -= 1
            if pending_children[parent_id] == 0:
                ready.append(parent_id)

    if done != len(by_id):
        # Whatever never became ready sits on, or hangs below, a cycle.
        stuck = sorted(node_id for node_id, count in pending_children.items() if count > 0)
        shown = ", ".join(str(node_id) for node_id in stuck[:10])
        more = f" and {len(stuck) - 10} more" if len(stuck) > 10 else ""
        raise ValueError(
            f"organisation tree contains a cycle in parent_id links (involving ids {shown}{more})"
        )
    return rolled


def name_sort_key(name: str) -> tuple[str, str]:
    """Sort key that orders Vietnamese names the way people expect.

    Case and diacritics are ignored first ("Đà Nẵng" sorts with "Da"), then
    the exact name breaks ties so the order is stable and deterministic.
    "đ" has no decomposition in Unicode, so it is mapped to "d" by hand.
    """
    folded = unicodedata.normalize("NFD", name.casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return stripped.replace("đ", "d"), name


def children_rows(
    nodes: Sequence[OrgNode], rolled: Mapping[int, Totals], parent_id: int | None
) -> list[tuple[OrgNode, Totals]]:
    """Direct children of ``parent_id`` with their rolled totals, for drill-down.

    ``parent_id`` None lists the roots, using the same rule as ``roll_up``:
    nodes without a parent or whose parent is not in ``nodes``.  Rows are
    sorted by ``name_sort_key``; a node missing from ``rolled`` shows zeros.
    """
    if parent_id is None:
        ids = {node.id for node in nodes}
        chosen = [node for node in nodes if node.parent_id is None or node.parent_id not in ids]
    else:
        chosen = [node for node in nodes if node.parent_id == parent_id and node.id != parent_id]
    chosen.sort(key=lambda node: name_sort_key(node.name))
    return [(node, rolled.get(node.id, Totals())) for node in chosen]
