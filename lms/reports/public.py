"""The monthly public ranking of units: what is published and how it is computed.

The plan asks provinces to publish a monthly ranking of their units.  Publishing is
opt-in per subtree and per level (a manager ticks "commune" and "school", say), and
only aggregate counts ever leave this module: no person's name, username or score.

Definitions (also explained on the page):

* completion rate of a month = courses completed during the month / courses the
  unit's learners had to do that month (enrolled or assigned, and not already
  finished before the month began).  The counting is the reports' own
  (``completion_rollup`` with the month as date range), so the public figure agrees
  with the dashboards.
* contest participation of a month = people who took part in a contest round
  closing that month / the unit's headcount (``rank_units``).  A unit counts
  everyone in the units under it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lms.audit.services import record_audit
from lms.contests.models import ContestRound, Registration, RoundEntry
from lms.contests.ranking import rank_units
from lms.core.errors import ServiceError
from lms.core.i18n import label
from lms.core.timeutil import utcnow, vn_day_start_utc, vn_today
from lms.extensions import cache, db
from lms.orgs.models import ORG_KINDS, Organization
from lms.orgs.services import subtree_clause
from lms.reports.models import PublicRanking
from lms.reports.services import ReportFilter, completion_rollup

# Classes are left out: a class of a handful of pupils is too close to naming them.
PUBLIC_KINDS = tuple(kind for kind in ORG_KINDS if kind != "class")
CACHE_SECONDS = 3600
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str) -> date | None:
    """First day of a "YYYY-MM" month, or None if malformed or in the future."""
    match = MONTH_RE.match(value or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 9999 and 1 <= month <= 12):
        return None
    first = date(year, month, 1)
    return first if first <= vn_today() else None


def month_bounds(first: date) -> tuple[date, date]:
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def current_month() -> date:
    return vn_today().replace(day=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)


def next_month(first: date) -> date | None:
    following = month_bounds(first)[1] + timedelta(days=1)
    return following if following <= vn_today() else None


# --- settings ---------------------------------------------------------------------------


def settings_for(org: Organization) -> PublicRanking | None:
    return db.session.scalar(select(PublicRanking).where(PublicRanking.org_id == org.id))


def kinds_in_subtree(org: Organization) -> list[str]:
    """The publishable levels that actually occur under ``org`` (itself included)."""
    present = set(db.session.scalars(
        select(Organization.kind).where(subtree_clause(org.path), Organization.active.is_(True)).distinct()))
    return [kind for kind in PUBLIC_KINDS if kind in present]


def set_public_kinds(actor, org: Organization, kinds: list[str]) -> PublicRanking:
    """Choose the levels of ``org``'s subtree shown publicly (empty: nothing)."""
    unknown = [kind for kind in kinds if kind not in PUBLIC_KINDS]
    if unknown:
        # "class" is a known kind that is never published: named by its label, anything else as sent.
        raise ServiceError(_l("This level cannot be published: %(kind)s.",
                              kind=", ".join(label(kind, "org_kind") for kind in unknown)))
    chosen = [kind for kind in PUBLIC_KINDS if kind in set(kinds)]
    setting = settings_for(org)
    before = list(setting.kinds) if setting else []
    if setting is None:
        setting = PublicRanking(org=org, kinds=[])
        db.session.add(setting)
    setting.kinds = chosen
    setting.updated_by_id = getattr(actor, "id", None)
    setting.updated_at = utcnow()
    db.session.flush()
    record_audit(actor, "ranking.settings", target=setting, org=org, before=before, after=chosen)
    return setting


def published_roots() -> list[tuple[Organization, list[str]]]:
    rows = db.session.execute(
        select(Organization, PublicRanking.kinds).join(PublicRanking, PublicRanking.org_id == Organization.id)
        .where(Organization.active.is_(True)).order_by(Organization.path)).all()
    return [(org, list(kinds)) for org, kinds in rows if kinds]


# --- the ranking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One unit on the public page: aggregates only."""

    code: str
    name: str
    rank: int | None  # None: nothing to rank (no course to do / no headcount)
    tied: bool
    numerator: int
    denominator: int | None
    percent: float | None
    extra: float | None = None  # average contest score


def _mark_ties(rows: list[Row]) -> list[Row]:
    counts: dict[int, int] = {}
    for row in rows:
        if row.rank is not None:
            counts[row.rank] = counts.get(row.rank, 0) + 1
    return [replace(row, tied=row.rank is not None and counts[row.rank] > 1) for row in rows]


def completion_ranking(nodes, rolled, kind: str) -> list[Row]:
    """Units of ``kind`` by completion rate; equal rates (compared exactly, not as
    rounded percentages) share a rank; units with nothing to do come last, unranked."""
    units = [node for node in nodes if node.kind == kind]
    rated = []
    unrated = []
    for node in units:
        totals = rolled[node.id]
        if totals.enrolled_or_assigned:
            rated.append((Fraction(totals.completed, totals.enrolled_or_assigned), node, totals))
        else:
            unrated.append((node, totals))
    rated.sort(key=lambda item: (-item[0], -item[2].enrolled_or_assigned, item[1].name, item[1].code))
    rows: list[Row] = []
    previous = None
    for index, (rate, node, totals) in enumerate(rated):
        rank = rows[-1].rank if previous == rate else index + 1
        previous = rate
        rows.append(Row(node.code, node.name, rank, False, totals.completed, totals.enrolled_or_assigned,
                        round(float(rate) * 100, 1)))
    unrated.sort(key=lambda item: (item[0].name, item[0].code))
    rows.extend(Row(node.code, node.name, None, False, 0, 0, None) for node, _ in unrated)
    return _mark_ties(rows)


def _month_utc(first: date) -> tuple[datetime, datetime]:
    """The Vietnam calendar month as a half-open UTC range."""
    last = month_bounds(first)[1]
    return vn_day_start_utc(first), vn_day_start_utc(last + timedelta(days=1))


def contest_scores(root: Organization, first: date) -> tuple[dict[int, list[float]], int]:
    """Best score per participant over the contest rounds closing in the month, by the
    participant's unit; and how many rounds closed.  Duplicate registrations flagged
    by the organisers are not counted twice."""
    start, end = _month_utc(first)
    rounds = db.session.scalar(select(func.count(ContestRound.id)).where(
        ContestRound.closes_at >= start, ContestRound.closes_at < end))
    if not rounds:
        return {}, 0
    rows = db.session.execute(
        select(Registration.id, Registration.org_id, func.max(func.coalesce(RoundEntry.score, 0.0)))
        .join(RoundEntry, RoundEntry.registration_id == Registration.id)
        .join(ContestRound, ContestRound.id == RoundEntry.round_id)
        .join(Organization, Organization.id == Registration.org_id)
        .where(ContestRound.closes_at >= start, ContestRound.closes_at < end,
               RoundEntry.submitted_at.is_not(None), Registration.duplicate_of_id.is_(None),
               subtree_clause(root.path))
        .group_by(Registration.id, Registration.org_id)).all()
    scores: dict[int, list[float]] = {}
    for _registration_id, org_id, best in rows:
        scores.setdefault(org_id, []).append(float(best or 0.0))
    return scores, rounds


def subtree_paths(root: Organization) -> dict[int, str]:
    """Unit id -> path for the whole subtree (what ``rank_units`` walks up)."""
    return dict(db.session.execute(
        select(Organization.id, Organization.path).where(subtree_clause(root.path))).all())


def contest_ranking(paths: dict[int, str], nodes, scores: dict[int, list[float]], kind: str) -> list[Row]:
    """Units of ``kind`` by contest participation; ``paths`` from ``subtree_paths``."""
    headcounts = {node.id: node.headcount for node in nodes}
    names = {node.id: (node.code, node.name) for node in nodes}
    level = [node.id for node in nodes if node.kind == kind and node.id in paths]
    rows = []
    for rank, result in rank_units(paths, headcounts, scores, level):
        code, name = names[result.org_id]
        has_rate = result.participation_rate is not None
        rows.append(Row(code, name, rank if has_rate else None, False, result.participants, result.headcount,
                        round(result.participation_rate * 100, 1) if has_rate else None,
                        round(result.average_score, 1) if result.average_score is not None else None))
    return _mark_ties(rows)


def month_ranking(root: Organization, kinds: list[str], first: date) -> dict:
    """Everything the public page shows for one root and month, as plain data (cacheable)."""
    since, until = month_bounds(first)
    nodes, rolled = completion_rollup(root, ReportFilter(since=since, until=until))
    scores, rounds = contest_scores(root, first)
    paths = subtree_paths(root) if rounds else {}  # once for every level, not once per level
    sections = []
    for kind in PUBLIC_KINDS:
        if kind not in kinds or not any(node.kind == kind for node in nodes):
            continue
        sections.append({
            "kind": kind,
            "completion": completion_ranking(nodes, rolled, kind),
            "contest": contest_ranking(paths, nodes, scores, kind) if rounds else [],
        })
    return {"sections": sections, "rounds": rounds, "computed_at": utcnow()}


def cached_month_ranking(root: Organization, setting: PublicRanking, first: date) -> dict:
    """An hour of caching per root and month.  The key carries the settings' update
    time, so ticking a level off takes effect at once rather than within the hour."""
    stamp = setting.updated_at.isoformat() if setting.updated_at else ""
    key = f"public-ranking:v1:{root.id}:{first:%Y-%m}:{stamp}:{','.join(setting.kinds)}"
    data = cache.get(key)
    if data is None:
        data = month_ranking(root, list(setting.kinds), first)
        cache.set(key, data, timeout=CACHE_SECONDS)
    return data
