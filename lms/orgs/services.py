"""Organisation tree rules: create, move, merge, subtree queries, join codes.

The tree is stored as a materialised path of ids ("/1/7/42/"). A subtree is the
range ``path >= P and path < P[:-1] + "0"`` ('0' is the byte after '/'), which a
plain B-tree index answers on SQLite and PostgreSQL alike, without recursion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, func, literal, or_, select, update

from lms.audit.services import record_audit
from lms.core.codes import readable_code
from lms.core.errors import NotFound, ServiceError
from lms.core.numbers import DB_INT_MAX
from lms.core.text import nfc, vietnamese_sort_key
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import ORG_KINDS, HeadcountChange, Organization

JOIN_CODE_LENGTH = 8
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# Columns elsewhere that point at an organisation and follow it on a merge.
# Areas that add such columns register them with ``register_org_reference``.
_ORG_REFERENCES: list = []


def register_org_reference(column) -> None:
    if column not in _ORG_REFERENCES:
        _ORG_REFERENCES.append(column)


def subtree_range(path: str) -> tuple[str, str]:
    """The half-open key range holding ``path`` and all its descendants."""
    return path, path[:-1] + "0"


def is_within(path: str, ancestor_path: str) -> bool:
    return path.startswith(ancestor_path)


def subtree_clause(path: str, column=Organization.path):
    low, high = subtree_range(path)
    return and_(column >= low, column < high)


def get_org_by_code(code: str) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.code == code.strip()))
    if org is None:
        raise NotFound(_l("No organisation has the code %(code)s.", code=code))
    return org


SHORT_NAME_MAX = 64  # Organization.short_name's column


def validate_org_fields(code: str, name: str, kind: str, headcount, short_name: str | None = None) -> list[str]:
    errors = []
    if not code or not CODE_RE.match(code):
        errors.append(_l("Code must be 1-64 letters, digits, dots, dashes or underscores."))
    if not name or not name.strip():
        errors.append(_l("Name is required."))
    if kind not in ORG_KINDS:
        errors.append(_l("Unknown kind %(kind)s.", kind=kind))
    if headcount is not None and headcount < 0:
        errors.append(_l("Headcount cannot be negative."))
    elif headcount is not None and headcount > DB_INT_MAX:  # the column's limit (lms.core.numbers)
        errors.append(_l("Headcount cannot exceed %(n)d.", n=DB_INT_MAX))
    if short_name is not None and len(short_name) > SHORT_NAME_MAX:
        errors.append(_l("The short name is at most %(n)d characters.", n=SHORT_NAME_MAX))
    return errors


def _short_name(value: str | None) -> str | None:
    """What boards show for the unit ("THPT Chu Văn An"); empty means "use the name"."""
    return nfc((value or "").strip()) or None


# --- headcounts and their history -----------------------------------------------------------


def headcount_as_of(history: Iterable[tuple[datetime, int | None]],
                    moment: datetime) -> tuple[datetime, int | None] | None:
    """The (effective_at, headcount) of one unit in force at ``moment`` (naive UTC), from
    ``history``: that unit's changes as (effective_at, headcount) pairs, in any order, as
    stored in org_headcount. The latest change at or before ``moment``; when the unit had
    none by then (it was created, or first counted, later), its earliest change after it, so
    that no later change moves it either. None for a unit without history.

    A contest measures each unit's participation against its headcount as of the moment its
    first round opened (issue 17): a change made during the contest never moves its rates."""
    ordered = sorted(enumerate(history), key=lambda item: (item[1][0], item[0]))  # equal times: as recorded
    before = [change for _, change in ordered if change[0] <= moment]
    if before:
        return before[-1]
    return ordered[0][1] if ordered else None


def set_headcount(org: Organization, headcount: int | None, *, actor=None, now: datetime | None = None,
                  **context) -> bool:
    """Give ``org`` a new headcount: the history gets a row from ``now`` (UTC) and the audit
    log an "org.headcount" entry with the old and new value (and ``context``, e.g. the merged
    unit), whoever changes it: the web forms, the command line (``actor`` None) or a merge.
    False, and nothing written, when the headcount does not change."""
    old = org.headcount
    if old == headcount:
        return False
    org.headcount = headcount
    db.session.add(HeadcountChange(org_id=org.id, headcount=headcount, effective_at=now or utcnow(),
                                   actor_id=getattr(actor, "id", None)))
    db.session.flush()
    record_audit(actor, "org.headcount", target=org, org=org, headcount=[old, headcount], **context)
    return True


def headcount_history(org_ids: Iterable[int], within: str | None = None) -> dict[int, list[tuple[datetime, int | None]]]:
    """{org id: [(effective_at, headcount), ...]} for these units, oldest first (the shape
    headcount_as_of reads). One query: by id for a few units; for many (every school of a
    province), over the subtree ``within`` (a path; the whole tree when None), since SQLite
    takes at most 999 parameters per statement."""
    ids = sorted(set(org_ids))
    columns = select(HeadcountChange.org_id, HeadcountChange.effective_at, HeadcountChange.headcount).order_by(
        HeadcountChange.org_id, HeadcountChange.effective_at, HeadcountChange.id)
    if len(ids) > 900:
        subtree = select(Organization.id)
        if within is not None:
            subtree = subtree.where(subtree_clause(within))
        statements = [columns.where(HeadcountChange.org_id.in_(subtree))]
    else:
        statements = [columns.where(HeadcountChange.org_id.in_(ids))] if ids else []
    wanted = set(ids)
    history: dict[int, list[tuple[datetime, int | None]]] = {}
    for statement in statements:
        for org_id, effective_at, headcount in db.session.execute(statement):
            if org_id in wanted:
                history.setdefault(org_id, []).append((effective_at, headcount))
    return history


def create_org(
    code: str,
    name: str,
    kind: str = "other",
    parent: Organization | None = None,
    headcount: int | None = None,
    actor=None,
    short_name: str | None = None,
) -> Organization:
    """A new unit; its headcount, if any, starts its headcount history (set_headcount)."""
    code = (code or "").strip()
    short_name = _short_name(short_name)
    errors = validate_org_fields(code, name, kind, headcount, short_name)
    if errors:
        raise ServiceError(errors[0])
    if db.session.scalar(select(Organization.id).where(Organization.code == code)):
        raise ServiceError(_l("The code %(code)s is already used by another organisation.", code=code), field="code")
    if parent is not None and not parent.active:
        raise ServiceError(_l("%(name)s was merged or closed; choose an active parent.", name=parent.name))
    org = Organization(code=code, name=nfc(name), kind=kind, parent=parent, short_name=short_name)
    db.session.add(org)
    db.session.flush()  # the id is part of the path
    org.path = (parent.path if parent else "/") + f"{org.id}/"
    org.depth = parent.depth + 1 if parent else 0
    db.session.flush()
    if actor is not None:
        record_audit(actor, "org.create", target=org, org=org, code=code)
    set_headcount(org, headcount, actor=actor)
    return org


# update_org(short_name=KEEP): leave the short name as it is (the form or file did not carry it).
KEEP = object()


def update_org(org: Organization, *, name: str, kind: str, headcount: int | None, code: str | None = None,
               actor=None, short_name=KEEP) -> Organization:
    """Edit a unit. Its headcount goes through set_headcount (history and its own audit
    entry); the other fields changed are logged together as "org.update". ``short_name``
    is left as it is unless given ("" or None clears it)."""
    code = (code or org.code).strip()
    if short_name is not KEEP:
        short_name = _short_name(short_name)
    errors = validate_org_fields(code, name, kind, headcount, None if short_name is KEEP else short_name)
    if errors:
        raise ServiceError(errors[0])
    if code != org.code and db.session.scalar(select(Organization.id).where(Organization.code == code)):
        raise ServiceError(_l("The code %(code)s is already used by another organisation.", code=code), field="code")
    changes = {}
    fields = [("code", code), ("name", nfc(name)), ("kind", kind)]
    if short_name is not KEEP:
        fields.append(("short_name", short_name))
    for field, value in fields:
        if getattr(org, field) != value:
            changes[field] = [getattr(org, field), value]
            setattr(org, field, value)
    db.session.flush()
    if changes and actor is not None:
        record_audit(actor, "org.update", target=org, org=org, changes=changes)
    set_headcount(org, headcount, actor=actor)
    return org


def move_org(org: Organization, new_parent: Organization | None, actor=None) -> Organization:
    """Re-hang a unit (and everything under it) elsewhere; people and records stay attached."""
    if new_parent is not None:
        if is_within(new_parent.path, org.path):
            raise ServiceError(_l("Cannot move %(name)s under itself or one of its own units.", name=org.name))
        if not new_parent.active:
            raise ServiceError(_l("%(name)s was merged or closed; choose an active parent.", name=new_parent.name))
    old_path = org.path
    new_path = (new_parent.path if new_parent else "/") + f"{org.id}/"
    if new_path == old_path:
        return org
    depth_shift = (new_parent.depth + 1 if new_parent else 0) - org.depth
    old_parent_code = org.parent.code if org.parent else None
    db.session.flush()
    # One statement rewrites the prefix of the whole subtree.
    db.session.execute(
        update(Organization)
        .where(subtree_clause(old_path))
        .values(
            path=literal(new_path, String()) + func.substr(Organization.path, len(old_path) + 1),
            depth=Organization.depth + depth_shift,
        )
        .execution_options(synchronize_session=False)
    )
    org.parent_id = new_parent.id if new_parent else None
    db.session.flush()
    db.session.expire_all()
    if actor is not None:
        record_audit(
            actor, "org.move", target=org, org=org,
            from_parent=old_parent_code, to_parent=new_parent.code if new_parent else None,
        )
    return db.session.get(Organization, org.id)


def merge_org(source: Organization, target: Organization, actor=None) -> Organization:
    """Fold ``source`` into ``target`` (as provinces and communes merged in 2025): its
    sub-units move under the target, its people and records point at the target, and
    the source stays as an inactive record so that history still resolves."""
    from lms.auth.models import RoleAssignment, User

    if source.id == target.id:
        raise ServiceError(_l("A unit cannot be merged into itself."))
    if is_within(target.path, source.path):
        raise ServiceError(_l("Cannot merge %(name)s into one of its own units.", name=source.name))
    if not source.active or not target.active:
        raise ServiceError(_l("Both units must be active to merge."))
    for child in list(source.children):
        move_org(child, target)
    db.session.refresh(source)
    db.session.refresh(target)
    moved_users = db.session.execute(
        update(User).where(User.org_id == source.id).values(org_id=target.id)
    ).rowcount
    # A role held on both units would collide after the merge: keep the target's.
    duplicate_ids = _colliding_role_ids(source.id, target.id)
    if duplicate_ids:
        db.session.execute(
            RoleAssignment.__table__.delete().where(RoleAssignment.id.in_(duplicate_ids))
        )
    db.session.execute(update(RoleAssignment).where(RoleAssignment.org_id == source.id).values(org_id=target.id))
    for column in _ORG_REFERENCES:
        db.session.execute(update(column.table).where(column == source.id).values({column.name: target.id}))
    if target.headcount is not None or source.headcount is not None:
        set_headcount(target, min((target.headcount or 0) + (source.headcount or 0), DB_INT_MAX), actor=actor,
                      merged=source.code)
    source.active = False
    source.merged_into_id = target.id
    source.join_code = None
    db.session.flush()
    db.session.expire_all()
    if actor is not None:
        record_audit(actor, "org.merge", target=target, org=target, source=source.code, moved_users=moved_users)
    return db.session.get(Organization, target.id)


def _colliding_role_ids(source_id: int, target_id: int) -> list[int]:
    from lms.auth.models import RoleAssignment

    on_target = {
        (r.user_id, r.role, r.contest_id)
        for r in db.session.scalars(select(RoleAssignment).where(RoleAssignment.org_id == target_id))
    }
    return [
        r.id
        for r in db.session.scalars(select(RoleAssignment).where(RoleAssignment.org_id == source_id))
        if (r.user_id, r.role, r.contest_id) in on_target
    ]


def generate_join_code() -> str:
    return readable_code(JOIN_CODE_LENGTH)


def regenerate_join_code(org: Organization, actor=None) -> str:
    """A new code invalidates the old one, e.g. after it leaked outside the class."""
    while True:
        code = generate_join_code()
        if not db.session.scalar(select(Organization.id).where(Organization.join_code == code)):
            break
    org.join_code = code
    db.session.flush()
    if actor is not None:
        record_audit(actor, "org.join_code", target=org, org=org)
    return code


def disable_join_code(org: Organization, actor=None) -> None:
    org.join_code = None
    db.session.flush()
    if actor is not None:
        record_audit(actor, "org.join_code_disabled", target=org, org=org)


def find_org_by_join_code(code: str) -> Organization | None:
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code:
        return None
    return db.session.scalar(
        select(Organization).where(Organization.join_code == code, Organization.active.is_(True))
    )


def subtree_query(root: Organization | None = None, include_inactive: bool = False):
    stmt = select(Organization)
    if root is not None:
        stmt = stmt.where(subtree_clause(root.path))
    if not include_inactive:
        stmt = stmt.where(Organization.active.is_(True))
    return stmt.order_by(Organization.path)


def build_tree(orgs: list[Organization], key=None) -> list[tuple[Organization, int]]:
    """Depth-first order with children sorted by name (or by ``key``, a function of a unit),
    from one flat list (no queries)."""
    by_parent: dict[int | None, list[Organization]] = {}
    ids = {o.id for o in orgs}
    for org in orgs:
        parent = org.parent_id if org.parent_id in ids else None
        by_parent.setdefault(parent, []).append(org)
    for children in by_parent.values():
        children.sort(key=key or (lambda o: (o.name.casefold(), o.code)))
    result: list[tuple[Organization, int]] = []
    min_depth = min((o.depth for o in orgs), default=0)

    def walk(parent_id):
        for org in by_parent.get(parent_id, []):
            result.append((org, org.depth - min_depth))
            walk(org.id)

    walk(None)
    return result


# --- picking a unit from a list -------------------------------------------------------------

# Above this many units a list is no help (and weighs on the page): the picker falls back to
# typing the code.
PICKER_LIMIT = 400


@dataclass
class UnitPicker:
    """The units a person may pick from, ready for a ``<select>``: groups of (code, label),
    each group under the label of the unit above (None: no group). ``too_many`` when the
    scope holds more than PICKER_LIMIT units: then ``groups`` is empty and a page asks for
    the code instead."""

    groups: list[tuple[str | None, list[tuple[str, str]]]] = dataclass_field(default_factory=list)
    too_many: bool = False

    @property
    def codes(self) -> set[str]:
        return {code for _label, options in self.groups for code, _name in options}

    def __len__(self) -> int:
        return sum(len(options) for _label, options in self.groups)


def _unit_name_key(org: Organization) -> tuple:
    return vietnamese_sort_key(org.name, numeric=True), org.code


def unit_picker(scope: Iterable[str] | None, kinds: Iterable[str] | None = None,
                limit: int = PICKER_LIMIT) -> UnitPicker:
    """The active units inside the subtrees ``scope`` (unit paths; None: the whole tree) for a
    picker, two queries at most.

    With ``kinds`` (e.g. ("class",)): those units only, grouped under the unit above each
    (a school), groups and units in Vietnamese order with numbers by value ("Lớp 9A" before
    "Lớp 10A1"). Without: every unit in tree order, indented by depth, one group."""
    paths = None if scope is None else list(scope)
    if paths == []:
        return UnitPicker()
    stmt = select(Organization).where(Organization.active.is_(True))
    if paths is not None:
        stmt = stmt.where(or_(*(subtree_clause(p) for p in paths)))
    if kinds is not None:
        stmt = stmt.where(Organization.kind.in_(list(kinds)))
    units = list(db.session.scalars(stmt.order_by(Organization.path).limit(limit + 1)))
    if len(units) > limit:
        return UnitPicker(too_many=True)
    if kinds is None:
        return UnitPicker([(None, [(org.code, "\u00a0\u00a0" * level + org.name)
                                   for org, level in build_tree(units, key=_unit_name_key)])])
    parent_ids = {org.parent_id for org in units if org.parent_id is not None}
    parents = {o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(parent_ids)))} \
        if parent_ids else {}
    grouped: dict[int | None, list[Organization]] = {}
    for org in units:
        grouped.setdefault(org.parent_id, []).append(org)
    order = sorted(grouped, key=lambda pid: _unit_name_key(parents[pid]) if pid in parents else ((), ""))
    return UnitPicker([(parents[pid].name if pid in parents else None,
                        [(org.code, org.name) for org in sorted(grouped[pid], key=_unit_name_key)])
                       for pid in order])
