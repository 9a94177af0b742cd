"""Completion facts for reports, dashboards and exports.

Everything here reads the database with a handful of set-based queries per
batch of learners (never one query per learner) and streams: the main query
walks learners x enrollments once through a server-side cursor, and small
lookups (lessons read, certificates) are fetched for each batch of learners.
The same pass feeds the roll-up, the dashboard series and the exports, so the
numbers on a page, in a CSV and in the API always agree.

Counting rules (documented in docs/reports.md):

* a *learner* is a non-deleted account placed in a unit of the scope
  (``audience`` filters on the account kind: civil_servant, student, citizen);
* a *pair* is a learner x course that is enrolled or assigned; "assigned"
  means an Assignment of the course to the learner's unit or any ancestor;
* *started* = lessons opened, a quiz result, or completed;
* with a date range, a completion counts only when it falls inside the range
  (Vietnam dates, inclusive), pairs completed before ``since`` are left out
  (they were done already) and enrollments begun after ``until`` do not exist
  yet;
* *overdue* = assigned, due date before today (or before ``until``), not
  completed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import NamedTuple

from sqlalchemy import and_, bindparam, func, or_, select

from lms.access import rules
from lms.access.adapters import grants_of
from lms.auth.models import USER_KINDS, User
from lms.certificates.models import Certificate
from lms.core.text import given_name_key, vietnamese_sort_key
from lms.core.timeutil import VN_OFFSET, next_day, vn_day_start_utc, vn_today
from lms.courses.models import Assignment, Course, Enrollment, Lesson, LessonProgress
from lms.courses.rules import is_overdue
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import subtree_clause
from lms.reports.rollup import LearnerFact, OrgNode, Totals, name_sort_key, own_totals, roll_up

__all__ = [
    "ReportFilter",
    "CompletionRow",
    "report_scope_roots",
    "completion_facts",
    "completion_rollup",
    "completion_rows",
    "dashboard_data",
    "class_matrix",
    "vn_today",  # re-exported from lms.core.timeutil for older imports
    "PATH_SEPARATOR",
]

PATH_SEPARATOR = " › "
AUDIENCES = USER_KINDS  # the account kinds a report can be narrowed to (the API imports this name)
# SQLite accepts 32,766 bound parameters; staying well below also keeps
# PostgreSQL's plans for IN lists cheap.
_IN_CHUNK = 2000
_CURSOR_IDS = itertools.count(1)


@dataclass(frozen=True)
class ReportFilter:
    """What a report is restricted to; frozen so it can be a cache key."""

    course_id: int | None = None
    audience: str | None = None
    since: date | None = None  # completion/activity date range (inclusive, Vietnam dates)
    until: date | None = None


class CompletionRow(NamedTuple):
    """One learner x course that is enrolled or assigned, ready for export."""

    org_code: str
    org_name: str
    org_path_names: str
    username: str
    full_name: str
    course_slug: str
    course_title: str
    assigned: bool
    due_on: date | None
    enrolled_at: datetime | None
    lessons_read: int
    lessons_total: int
    completed_at: datetime | None
    score: float | None
    certificate_serial: str | None
    overdue: bool


# --- scope --------------------------------------------------------------------------


def report_scope_roots(user) -> list[Organization] | None:
    """The subtree roots whose reports ``user`` may read.

    None means everything (global admin); an empty list means nothing, so
    callers answer 404 rather than an empty page that would hint at data.
    """
    grants = grants_of(user)
    if rules.is_admin(grants):
        return None
    paths = rules.scope_paths(grants)
    if not paths:
        return []
    return list(db.session.scalars(
        select(Organization).where(Organization.path.in_(paths)).order_by(Organization.path)))


# --- the shared pass ---------------------------------------------------------------


@dataclass
class _Scope:
    """Tree and lookups loaded once per report (small: units and courses)."""

    root: Organization | None
    nodes: list[OrgNode]
    paths: dict[int, str]
    path_names: dict[int, str]
    # org id -> {course id: earliest due date or None}
    assigned: dict[int, dict[int, date | None]]
    courses: dict[int, tuple[str, str, int]]  # id -> (slug, title, lesson_count)


def _load_scope(root: Organization | None, flt: ReportFilter) -> _Scope:
    stmt = select(Organization.id, Organization.parent_id, Organization.name, Organization.code,
                  Organization.kind, Organization.headcount, Organization.path).where(
        Organization.active.is_(True))
    if root is not None:
        stmt = stmt.where(subtree_clause(root.path))
    rows = db.session.execute(stmt.order_by(Organization.path)).all()
    nodes = [OrgNode(id=r.id, parent_id=r.parent_id, name=r.name, code=r.code, kind=r.kind,
                     headcount=r.headcount) for r in rows]
    paths = {r.id: r.path for r in rows}

    # Names from the scope root down; parents sort before children by path.
    path_names: dict[int, str] = {}
    for r in rows:
        parent = path_names.get(r.parent_id) if r.parent_id is not None else None
        path_names[r.id] = r.name if parent is None else parent + PATH_SEPARATOR + r.name

    courses = {r.id: (r.slug, r.title, r.lesson_count) for r in db.session.execute(
        select(Course.id, Course.slug, Course.title, Course.lesson_count))}

    # Assignments on the subtree or on the root's ancestors (inherited downwards).
    astmt = select(Assignment.org_id, Assignment.course_id, Assignment.due_on).join(
        Organization, Organization.id == Assignment.org_id)
    if root is not None:
        ancestors = root.ancestor_ids
        cond = subtree_clause(root.path)
        astmt = astmt.where(or_(cond, Assignment.org_id.in_(ancestors)) if ancestors else cond)
    if flt.course_id is not None:
        astmt = astmt.where(Assignment.course_id == flt.course_id)
    own: dict[int, dict[int, date | None]] = {}
    for org_id, course_id, due_on in db.session.execute(astmt):
        _merge_due(own.setdefault(org_id, {}), course_id, due_on)

    inherited_root: dict[int, date | None] = {}
    if root is not None:
        for ancestor in root.ancestor_ids:
            for course_id, due_on in own.get(ancestor, {}).items():
                _merge_due(inherited_root, course_id, due_on)
    assigned: dict[int, dict[int, date | None]] = {}
    for r in rows:
        base = assigned.get(r.parent_id, inherited_root) if r.parent_id in paths else inherited_root
        mine = own.get(r.id)
        if mine:
            merged = dict(base)
            for course_id, due_on in mine.items():
                _merge_due(merged, course_id, due_on)
            assigned[r.id] = merged
        else:
            assigned[r.id] = base  # shared, never mutated
    return _Scope(root, nodes, paths, path_names, assigned, courses)


def _merge_due(target: dict[int, date | None], course_id: int, due_on: date | None) -> None:
    """The earliest due date wins when a course is assigned at several levels."""
    if course_id not in target:
        target[course_id] = due_on
    elif due_on is not None and (target[course_id] is None or due_on < target[course_id]):
        target[course_id] = due_on


class _Pair(NamedTuple):
    user_id: int
    org_id: int
    username: str
    full_name: str
    course_id: int | None  # None: the learner has no pair (counts as a learner only)
    assigned: bool
    due_on: date | None
    enrolled_at: datetime | None  # UTC
    lessons_opened: int
    lessons_read: int
    completed_at: datetime | None  # UTC, only when it counts under the filter
    score: float | None
    certificate_serial: str | None
    overdue: bool
    started: bool
    enrolled: bool


@dataclass
class _Window:
    """The filter's date range as UTC bounds, computed once."""

    since: datetime | None
    until: datetime | None  # exclusive
    overdue_before: date

    @classmethod
    def of(cls, flt: ReportFilter) -> _Window:
        since = vn_day_start_utc(flt.since) if flt.since else None
        until = vn_day_start_utc(next_day(flt.until)) if flt.until else None
        today = vn_today()
        return cls(since, until, min(today, next_day(flt.until)) if flt.until else today)


def _pairs(scope: _Scope, flt: ReportFilter, batch: int = 5000) -> Iterator[_Pair]:
    """Every learner of the scope with each enrolled or assigned course."""
    make = _Pair._make
    for pairs in _pair_batches(scope, flt, batch):
        for pair in pairs:
            yield make(pair)


def _pair_batches(scope: _Scope, flt: ReportFilter, batch: int = 5000) -> Iterator[list[tuple]]:
    """Pairs in lists of about ``batch``.

    One streamed query (learners left-joined to enrollments, ordered by unit
    path) plus two lookups per batch of learners.  A learner's rows are never
    split across batches so the lookups see them all together.  Lists rather
    than single items because each generator layer costs per row, and the
    exports go through a million of them.
    """
    if not scope.nodes:
        return
    win = _Window.of(flt)
    enroll_on = Enrollment.user_id == User.id
    if flt.course_id is not None:
        enroll_on = and_(enroll_on, Enrollment.course_id == flt.course_id)
    stmt = (
        select(User.id, User.org_id, User.username, User.full_name, Enrollment.course_id,
               Enrollment.started_at, Enrollment.completed_at, Enrollment.score, Enrollment.quiz_score)
        .join(Organization, Organization.id == User.org_id)
        .outerjoin(Enrollment, enroll_on)
        .where(User.deleted_at.is_(None), Organization.active.is_(True))
        .order_by(Organization.path, User.id, Enrollment.course_id)
    )
    if scope.root is not None:
        stmt = stmt.where(subtree_clause(scope.root.path))
    if flt.audience:
        stmt = stmt.where(User.kind == flt.audience)
    buffer: list = []
    last_user = None
    for part in _stream(stmt, batch):
        for row in part:
            if len(buffer) >= batch and row[0] != last_user:
                yield _expand(scope, win, buffer)
                buffer = []
            buffer.append(row)
            last_user = row[0]
    if buffer:
        yield _expand(scope, win, buffer)


def _stream(stmt, batch: int) -> Iterator[list[tuple]]:
    """Run the main query on the session's DBAPI connection, ``batch`` rows at a time.

    Why not ``Result.partitions``: SQLAlchemy's per-row processing costs as
    much as SQLite's own fetching, and the export's budget is "half the raw
    dump".  The statement is still built and compiled by SQLAlchemy; only
    the fetch loop is raw.  PostgreSQL gets a named (server-side) cursor so
    rows stream instead of being loaded at once; SQLite cursors stream
    anyway.  Datetimes arrive as text on SQLite; ``_expand`` parses them.
    """
    conn = db.session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    dbapi = conn.connection.driver_connection
    server_side = conn.dialect.name == "postgresql"
    # A fresh name per stream: two reports may stream on one connection.
    cursor = dbapi.cursor(name=f"lms_completion_{next(_CURSOR_IDS)}") if server_side else dbapi.cursor()
    try:
        if server_side:
            cursor.itersize = batch
        cursor.execute(str(compiled), params)
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield rows
    finally:
        cursor.close()


_PROGRESS_OF = (
    select(LessonProgress.user_id, Lesson.course_id, func.count(LessonProgress.id), func.count(LessonProgress.read_at))
    .join(Lesson, Lesson.id == LessonProgress.lesson_id)
    .where(LessonProgress.user_id.in_(bindparam("ids", expanding=True)), Lesson.active.is_(True))
    .group_by(LessonProgress.user_id, Lesson.course_id))
_SERIALS_OF = (
    select(Certificate.user_id, Certificate.course_id, Certificate.serial)
    .where(Certificate.user_id.in_(bindparam("ids", expanding=True)), Certificate.revoked_at.is_(None),
           Certificate.superseded_at.is_(None)))
_RAW_SQL: dict = {}


def _raw_in(stmt, ids: list[int]) -> list[tuple]:
    """Rows of ``stmt`` (whose only parameter is the expanding ``ids``) through the DBAPI
    cursor. Compiling a 2,000-value IN list costs more than running it, so the SQL text
    is kept per statement, dialect and list length (batches are mostly the same size)."""
    conn = db.session.connection()
    key = (id(stmt), conn.dialect.name, len(ids))
    entry = _RAW_SQL.get(key)
    if entry is None:
        compiled = stmt.params(ids=ids).compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        names = list(compiled.positiontup) if compiled.positional else [f"ids_{i + 1}" for i in range(len(ids))]
        if len(_RAW_SQL) > 64:
            _RAW_SQL.clear()
        entry = _RAW_SQL[key] = (str(compiled), compiled.positional, names)
    sql, positional, names = entry
    params = tuple(ids) if positional else dict(zip(names, ids, strict=True))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _chunks(values: list, size: int = _IN_CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _expand(scope: _Scope, win: _Window, rows: list) -> list[tuple]:
    """Turn one batch of (learner, enrollment) rows into pairs (tuples in _Pair order)."""
    user_ids = list(dict.fromkeys(r[0] for r in rows))
    progress: dict[tuple[int, int], tuple[int, int]] = {}
    serials: dict[tuple[int, int], str] = {}
    has_enrollment = any(r[4] is not None for r in rows)
    for ids in _chunks(user_ids):
        progress.update(((user_id, course_id), (opened, read))
                        for user_id, course_id, opened, read in _raw_in(_PROGRESS_OF, ids))
        if has_enrollment:
            serials.update(((user_id, course_id), serial)
                           for user_id, course_id, serial in _raw_in(_SERIALS_OF, ids))

    since, until, overdue_before = win.since, win.until, win.overdue_before
    no_assignments: dict[int, date | None] = {}
    out: list[tuple] = []
    append = out.append
    parse = datetime.fromisoformat
    current = None
    cur_row: tuple = ()
    assigned = no_assignments
    seen: set[int] = set()
    for user_id, org_id, username, full_name, course_id, started_at, completed_at, score, quiz_score in rows:
        if user_id != current:
            if current is not None:
                _assigned_only(out, cur_row, assigned, seen, progress, overdue_before)
            current, seen = user_id, set()
            cur_row = (user_id, org_id, username, full_name)
            assigned = scope.assigned.get(org_id, no_assignments)
        if course_id is None:
            continue
        if started_at.__class__ is str:  # SQLite hands back text (see _stream)
            started_at = parse(started_at)
        if completed_at.__class__ is str:
            completed_at = parse(completed_at)
        if until is not None and started_at is not None and started_at >= until and course_id not in assigned:
            continue  # enrolled after the range: not there yet
        if completed_at is not None:
            if since is not None and completed_at < since:
                seen.add(course_id)  # done before the range: left out, even if assigned
                continue
            if until is not None and completed_at >= until:
                completed_at, score = None, None  # not yet completed as of the end of the range
        seen.add(course_id)
        opened, read = progress.get((user_id, course_id), (0, 0))
        is_assigned = course_id in assigned
        due_on = assigned.get(course_id) if is_assigned else None
        done = completed_at is not None
        append((  # a plain tuple in _Pair's field order: cheaper than _Pair(...) per row
            user_id, org_id, username, full_name, course_id, is_assigned, due_on, started_at, opened, read,
            completed_at, score if score is not None else quiz_score,
            serials.get((user_id, course_id)) if done else None,
            is_assigned and not done and due_on is not None and due_on < overdue_before,
            done or opened > 0 or quiz_score is not None,
            until is None or started_at < until,
        ))
    if current is not None:
        _assigned_only(out, cur_row, assigned, seen, progress, overdue_before)
    return out


def _assigned_only(out: list, cur_row, assigned, seen, progress, overdue_before) -> None:
    """Assigned courses the learner has not opened (no enrollment) - or no pair at all."""
    user_id, org_id, username, full_name = cur_row
    emitted = bool(seen)
    for course_id, due_on in assigned.items():
        if course_id in seen:
            continue
        emitted = True
        opened, read = progress.get((user_id, course_id), (0, 0))
        out.append((user_id, org_id, username, full_name, course_id, True, due_on, None, opened, read, None,
                    None, None, due_on is not None and due_on < overdue_before, opened > 0, False))
    if not emitted:
        out.append((user_id, org_id, username, full_name, None, False, None, None, 0, 0, None, None, None,
                    False, False, False))


def _fact(p: _Pair) -> LearnerFact:
    return LearnerFact(user_id=p.user_id, org_id=p.org_id, course_id=p.course_id, assigned=p.assigned,
                       enrolled=p.enrolled, started=p.started, completed=p.completed_at is not None,
                       score=p.score, certificate=p.certificate_serial is not None, overdue=p.overdue)


# --- public API ----------------------------------------------------------------------


def completion_facts(root: Organization | None,
                     flt: ReportFilter = ReportFilter()) -> tuple[list[OrgNode], list[LearnerFact]]:
    """The tree under ``root`` (everything when None) and one fact per learner x course."""
    scope = _load_scope(root, flt)
    return scope.nodes, [_fact(p) for p in _pairs(scope, flt)]


def completion_rollup(root: Organization | None,
                      flt: ReportFilter = ReportFilter()) -> tuple[list[OrgNode], dict[int, Totals]]:
    """Totals for every unit including its subtree; facts are streamed, not kept."""
    scope = _load_scope(root, flt)
    return scope.nodes, roll_up(scope.nodes, own_totals(_fact(p) for p in _pairs(scope, flt)))


_NO_COURSE = ("", "", 0)


def completion_rows(root: Organization | None, flt: ReportFilter = ReportFilter(), *,
                    batch: int = 5000) -> Iterator[CompletionRow]:
    """Export rows, streamed in unit order; times are Vietnam wall-clock time."""
    scope = _load_scope(root, flt)
    courses = scope.courses
    orgs = {n.id: (n.code, n.name) for n in scope.nodes}
    path_names = scope.path_names
    offset = VN_OFFSET
    new = tuple.__new__
    for pairs in _pair_batches(scope, flt, batch):
        # Tuple unpacking instead of attribute access: this loop runs per exported row.
        for (_uid, org_id, username, full_name, course_id, assigned, due_on, enrolled_at, _opened, read,
             completed_at, score, serial, overdue, _started, _enrolled) in pairs:
            if course_id is None:
                continue
            code, name = orgs[org_id]
            slug, title, total = courses.get(course_id, _NO_COURSE)
            # tuple.__new__ skips NamedTuple's Python-level __new__ (a third of the cost).
            yield new(CompletionRow, (
                code, name, path_names[org_id], username, full_name, slug, title, assigned, due_on,
                None if enrolled_at is None else enrolled_at + offset, read, total,
                None if completed_at is None else completed_at + offset, score, serial, overdue))


# --- dashboard -------------------------------------------------------------------------


@dataclass
class LearnerLine:
    """One learner of a unit on the dashboard (all their courses together)."""

    user_id: int
    full_name: str
    username: str
    pairs: int = 0
    completed: int = 0
    lessons_read: int = 0
    lessons_total: int = 0
    scores: list[float] = field(default_factory=list)
    certificates: int = 0
    overdue: int = 0

    @property
    def average_score(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None


@dataclass
class Dashboard:
    nodes: list[OrgNode]
    totals: dict[int, Totals]
    monthly: list[tuple[str, int]]  # ("2026-03", completions) in month order
    scores: list[float]
    learners: list[LearnerLine]  # learners placed directly in the unit, by name


def dashboard_data(root: Organization | None, flt: ReportFilter = ReportFilter(),
                   learners_of: int | None = None) -> Dashboard:
    """Everything one dashboard page shows, from a single pass over the facts."""
    scope = _load_scope(root, flt)
    monthly: dict[str, int] = {}
    scores: list[float] = []
    lines: dict[int, LearnerLine] = {}

    def facts() -> Iterator[LearnerFact]:
        for p in _pairs(scope, flt):
            if p.course_id is not None:
                if p.completed_at is not None:
                    key = (p.completed_at + VN_OFFSET).strftime("%Y-%m")
                    monthly[key] = monthly.get(key, 0) + 1
                if p.score is not None:
                    scores.append(float(p.score))
            if learners_of is not None and p.org_id == learners_of:
                line = lines.get(p.user_id)
                if line is None:
                    line = lines[p.user_id] = LearnerLine(p.user_id, p.full_name, p.username)
                if p.course_id is not None:
                    line.pairs += 1
                    line.completed += p.completed_at is not None
                    line.lessons_read += p.lessons_read
                    line.lessons_total += scope.courses.get(p.course_id, ("", "", 0))[2]
                    if p.score is not None:
                        line.scores.append(float(p.score))
                    line.certificates += p.certificate_serial is not None
                    line.overdue += p.overdue
            yield _fact(p)

    totals = roll_up(scope.nodes, own_totals(facts()))
    return Dashboard(scope.nodes, totals, fill_months(monthly), scores,
                     sorted(lines.values(), key=lambda line: name_sort_key(line.full_name)))


def fill_months(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Consecutive months from the first to the last completion, zeros included,
    so the line chart's x axis is honest about quiet months."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while True:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= last:
            return out
        month += 1
        if month == 13:
            year, month = year + 1, 1


def ancestors_within(org: Organization, roots: list[Organization] | None) -> list[Organization]:
    """Breadcrumb: the units from the viewer's scope root down to ``org``."""
    ids = org.ancestor_ids + [org.id]
    if roots is not None:
        root_ids = {r.id for r in roots}
        start = next((i for i, oid in enumerate(ids) if oid in root_ids), len(ids) - 1)
        ids = ids[start:]
    orgs = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))}
    return [orgs[i] for i in ids if i in orgs]


# --- class matrix ---------------------------------------------------------------------


@dataclass
class MatrixRow:
    user_id: int
    full_name: str
    username: str
    read: list[bool]
    lessons_read: int
    score: float | None
    completed: bool
    overdue: bool
    below_median: bool

    @property
    def behind(self) -> bool:
        return self.overdue or self.below_median


@dataclass
class ClassMatrix:
    course: Course | None
    courses: list[Course]  # candidates for the course picker
    lessons: list[Lesson]
    rows: list[MatrixRow]
    median_read: float | None
    due_on: date | None
    # The course asked for when it is neither assigned to the class nor started by any of
    # its students: the page says so rather than showing an empty grid (or another course).
    requested: Course | None = None


# How a class's students can be ordered: by tên then họ đệm (Vietnamese class lists), or by
# the full name as written (family name first).
LEARNER_SORTS = ("given", "full")


def learner_sort_key(sort: str = "given"):
    """A key for rows with ``full_name`` and ``username`` (MatrixRow, LearnerLine, ...):
    ``"given"`` orders by tên, then họ đệm (lms.core.text.given_name_key), ``"full"`` by the
    full name; both in Vietnamese collation, the username breaking ties."""
    if sort == "full":
        return lambda row: (vietnamese_sort_key(row.full_name), row.username)
    return lambda row: (given_name_key(row.full_name), row.username)


def class_matrix(org: Organization, course_id: int | None = None, sort: str = "given") -> ClassMatrix:
    """Students of one unit x lessons of one course, with quiz score and who is behind.

    "Behind" = the course is assigned and overdue for the student, or the
    student has read fewer lessons than the class median.  The course shown
    is the one asked for, else the first course assigned to the class (or
    an ancestor), else the course most students are enrolled in.  A course
    asked for that the class has nothing of (the dashboard's course filter,
    say) comes back as ``requested``, with no matrix. Rows are in ``sort`` order
    (``learner_sort_key``: by given name unless "full").
    """
    scope = _load_scope(org, ReportFilter())
    assigned = scope.assigned.get(org.id, {})
    students = db.session.execute(
        select(User.id, User.full_name, User.username)
        .where(User.org_id == org.id, User.deleted_at.is_(None))).all()
    student_ids = [s.id for s in students]
    enrolled_counts: dict[int, int] = {}
    for ids in _chunks(student_ids):
        for cid, n in db.session.execute(select(Enrollment.course_id, func.count())
                                         .where(Enrollment.user_id.in_(ids)).group_by(Enrollment.course_id)):
            enrolled_counts[cid] = enrolled_counts.get(cid, 0) + n
    candidate_ids = list(dict.fromkeys(list(assigned) + sorted(enrolled_counts, key=lambda c: -enrolled_counts[c])))
    courses = list(db.session.scalars(select(Course).where(Course.id.in_(candidate_ids)))) if candidate_ids else []
    courses.sort(key=lambda c: candidate_ids.index(c.id))
    course = next((c for c in courses if c.id == course_id), None) if course_id else None
    if course_id and course is None:
        requested = db.session.get(Course, course_id)
        if requested is not None:
            return ClassMatrix(None, courses, [], [], None, None, requested=requested)
    if course is None:  # none asked for (or an unknown id): the class's own first course
        course = courses[0] if courses else None
    if course is None:
        return ClassMatrix(None, courses, [], [], None, None)
    lessons = list(db.session.scalars(select(Lesson).where(Lesson.course_id == course.id, Lesson.active.is_(True))
                                      .order_by(Lesson.position)))
    read_pairs: set[tuple[int, int]] = set()
    enrollments: dict[int, tuple] = {}
    for ids in _chunks(student_ids):
        read_pairs.update((user_id, lesson_id) for user_id, lesson_id in db.session.execute(
            select(LessonProgress.user_id, LessonProgress.lesson_id)
            .join(Lesson, Lesson.id == LessonProgress.lesson_id)
            .where(LessonProgress.user_id.in_(ids), Lesson.course_id == course.id,
                   LessonProgress.read_at.is_not(None))))
        enrollments.update((r.user_id, r) for r in db.session.execute(
            select(Enrollment.user_id, Enrollment.completed_at, Enrollment.score, Enrollment.quiz_score)
            .where(Enrollment.user_id.in_(ids), Enrollment.course_id == course.id)))
    is_assigned = course.id in assigned
    due_on = assigned.get(course.id)
    today = vn_today()
    rows = []
    for s in students:
        read = [(s.id, lesson.id) in read_pairs for lesson in lessons]
        e = enrollments.get(s.id)
        completed_at = None if e is None else e.completed_at
        score = None if e is None else (e.score if e.score is not None else e.quiz_score)
        rows.append(MatrixRow(s.id, s.full_name, s.username, read, sum(read), score, completed_at is not None,
                              is_assigned and is_overdue(due_on, completed_at, today), False))
    med = median([r.lessons_read for r in rows]) if rows else None
    if med is not None:
        for r in rows:
            r.below_median = not r.completed and r.lessons_read < med
    rows.sort(key=learner_sort_key(sort))
    return ClassMatrix(course, courses, lessons, rows, med, due_on)

