"""Roster import: check every row first, then write all of them (or only the valid ones,
when the user asks) in one transaction, in a handful of bulk statements.

Re-importing the same file changes nothing: rows are matched to existing accounts by
username, or, for rows without one, by unit + name + date of birth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import selectinload

from lms.access import rules
from lms.access.adapters import grants_of, held_grants
from lms.audit.services import record_audit
from lms.auth.models import User
from lms.auth.services import (
    EMAIL_RE,
    PHONE_RE,
    kind_in_unit,
    normalise_username,
    parse_phone,
    phone_problem,
    validate_username,
)
from lms.core.text import fold, has_letters, nfc, person_name
from lms.core.timeutil import utcnow
from lms.core.validators import column_length
from lms.extensions import db
from lms.orgs.models import Organization
from lms.roster.parsing import ParsedRoster, RowIssue, parse_date, parse_kind, suggest_username

FIELDS = ("full_name", "org_id", "kind", "email", "phone", "date_of_birth")
CHUNK = 500


@dataclass
class PlannedRow:
    row: int
    action: str  # create | update | unchanged
    values: dict
    user_id: int | None = None
    changed: list[str] = field(default_factory=list)


@dataclass
class RosterPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)
    # What the check changed on its own in rows it accepts (a phone number given back its
    # leading 0), shown in the preview; never a reason to refuse the file.
    notes: list[RowIssue] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def invalid_rows(self) -> int:
        return len({i.row for i in self.issues})


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def plan_import(parsed: ParsedRoster, actor=None, default_org: Organization | None = None) -> RosterPlan:
    """Validate every row against the database (a few IN queries, none per row)."""
    plan = RosterPlan(issues=list(parsed.issues))
    if parsed.issues:
        return plan
    grants = grants_of(actor) if actor is not None else None
    codes = {r.values.get("org_code", "").strip() for r in parsed.rows} - {""}
    orgs: dict[str, Organization] = {}
    for chunk in _chunks(sorted(codes)):
        for org in db.session.scalars(select(Organization).where(Organization.code.in_(chunk))):
            orgs[org.code] = org
    usernames = {normalise_username(r.values.get("username")) for r in parsed.rows} - {""}
    by_username: dict[str, User] = {}
    for chunk in _chunks(sorted(usernames)):
        for user in db.session.scalars(select(User).where(User.username.in_(chunk)).options(selectinload(User.roles))):
            by_username[user.username] = user
    org_ids = {o.id for o in orgs.values()} | ({default_org.id} if default_org else set())
    by_identity: dict[tuple, User] = {}
    for chunk in _chunks(sorted(org_ids)):
        for user in db.session.scalars(select(User).where(User.org_id.in_(chunk), User.deleted_at.is_(None))
                                       .options(selectinload(User.roles))):
            by_identity.setdefault((user.org_id, fold(user.full_name), user.date_of_birth), user)

    # Acting on an existing account needs scope over every role it holds (users.act_on).
    held = held_grants({u.id: u for u in [*by_username.values(), *by_identity.values()]}.values()) \
        if grants is not None and not rules.is_admin(grants) else {}
    seen_usernames: dict[str, int] = {}
    generated: set[str] = set()
    pending_generation: list[tuple[PlannedRow, str]] = []
    for raw in parsed.rows:
        v = raw.values
        problems: list[tuple[str, str | None]] = []
        full_name = person_name(v.get("full_name", ""))
        if not has_letters(full_name):  # blank, or only invisible characters or punctuation
            problems.append((_l("the full name is empty"), "full_name"))
        elif len(full_name) > column_length(User, "full_name"):
            problems.append((_l("the full name is longer than %(max)d characters",
                                max=column_length(User, "full_name")), "full_name"))
        org = default_org
        code = v.get("org_code", "").strip()
        if code:
            org = orgs.get(code)
            if org is None:
                problems.append((_l("no unit has the code '%(code)s'", code=code), "org_code"))
            elif not org.active:
                problems.append((_l("unit '%(code)s' was merged or closed", code=code), "org_code"))
        elif org is None:
            problems.append((_l("the unit code is empty (or choose a unit for the whole file)"), "org_code"))
        if org is not None and grants is not None and not rules.path_in_scope(grants, org.path):
            problems.append((_l("unit '%(code)s' is outside the units you manage", code=org.code), "org_code"))
            org = None
        kind = parse_kind(v.get("kind", ""))
        if v.get("kind") and kind is None:
            problems.append((_l("unknown kind '%(kind)s' (cán bộ / học sinh / người dân)", kind=v["kind"]), "kind"))
        birth: date | None = None
        if v.get("date_of_birth"):
            try:
                birth = parse_date(v["date_of_birth"])
                if not date(1900, 1, 1) <= birth <= date.today():
                    problems.append((_l("date of birth %(value)s is out of range", value=v["date_of_birth"]), "date_of_birth"))
            except ValueError:
                problems.append((_l("'%(value)s' is not a date (use DD/MM/YYYY)", value=v["date_of_birth"]), "date_of_birth"))
        email = nfc(v.get("email", "")) or None
        if email and len(email) > column_length(User, "email"):
            problems.append((_l("the email address is longer than %(max)d characters",
                                max=column_length(User, "email")), "email"))
        elif email and not EMAIL_RE.match(email):
            problems.append((_l("'%(value)s' is not an email address", value=email), "email"))
        phone, zero_restored = parse_phone(v.get("phone"))
        if phone and not PHONE_RE.match(phone):
            problems.append((phone_problem(v["phone"]), "phone"))
        username = normalise_username(v.get("username"))
        existing = None
        if username:
            problem = validate_username(username)
            if problem:
                problems.append((str(problem), "username"))
            elif username in seen_usernames:
                problems.append((_l("username '%(u)s' is also on row %(row)d", u=username, row=seen_usernames[username]), "username"))
            else:
                seen_usernames[username] = raw.row
                existing = by_username.get(username)
                if existing is not None and org is not None and grants is not None \
                        and not rules.path_in_scope(grants, existing.org.path if existing.org else None):
                    problems.append((_l("username '%(u)s' belongs to someone outside your units", u=username), "username"))
        elif org is not None and full_name:
            existing = by_identity.get((org.id, fold(full_name), birth))
        if problems:
            plan.issues.extend(RowIssue(raw.row, message, column) for message, column in problems)
            continue
        if zero_restored:
            plan.notes.append(RowIssue(raw.row, _l(
                "phone number %(typed)s was given back its leading zero: %(phone)s (a spreadsheet drops the 0 of a "
                "number; Vietnamese mobile numbers have 10 digits)", typed=v["phone"], phone=phone), "phone"))
        if existing is not None and existing.org_id == org.id:
            # Staying in its unit: a kind in the file is a correction; none keeps the account's.
            row_kind = kind or existing.kind
        else:
            # A new account, or one moving unit: a kind in the file stands (a school's staff
            # list); an empty one takes the unit's, as on every form (kind_in_unit).
            row_kind = kind_in_unit(org, kind, None)
        values = {"full_name": full_name, "org_id": org.id, "kind": row_kind,
                  "email": email, "phone": phone, "date_of_birth": birth}
        if existing is not None:
            changed = [f for f in FIELDS if values[f] is not None and getattr(existing, f) != values[f]]
            if changed and grants is not None and not _may_change(grants, existing, held):
                plan.issues.append(RowIssue(raw.row, _l(
                    "account '%(u)s' holds roles outside what you manage (another unit, a contest or a "
                    "platform-wide role): only an admin may change it", u=existing.username), "username"))
                continue
            values = {f: values[f] for f in changed}
            plan.rows.append(PlannedRow(raw.row, "update" if changed else "unchanged", values, existing.id, changed))
        else:
            planned = PlannedRow(raw.row, "create", values)
            if username:
                values["username"] = username
            else:
                pending_generation.append((planned, suggest_username(full_name, birth)))
            plan.rows.append(planned)
    _generate_usernames(pending_generation, set(seen_usernames), generated)
    return plan


def _may_change(grants, user: User, held: dict) -> bool:
    """``users.act_on`` for a roster row that would change ``user`` (``held``: from held_grants)."""
    if rules.is_admin(grants):
        return True
    return rules.can_act_on_account(grants, user.org.path if user.org is not None else None, held.get(user.id, []))


def _generate_usernames(pending, taken_in_file: set[str], generated: set[str]) -> None:
    if not pending:
        return
    bases = sorted({base for _, base in pending})
    existing: set[str] = set()
    for chunk in _chunks(bases, 200):
        existing.update(db.session.scalars(select(User.username).where(or_(*(User.username.like(f"{b}%") for b in chunk)))))
    used = existing | taken_in_file
    for planned, base in pending:
        candidate, n = base, 1
        while candidate in used or candidate in generated:
            n += 1
            candidate = f"{base}{n}"
        generated.add(candidate)
        planned.values["username"] = candidate


@dataclass
class RosterResult:
    created: int
    updated: int
    unchanged: int
    skipped_rows: int
    usernames: list[tuple[int, str, str]]  # (row, username, full name) of the new accounts


def apply_plan(plan: RosterPlan, actor=None, *, only_valid: bool = False, filename: str = "") -> RosterResult:
    """Write the plan; refuses a plan with problems unless ``only_valid``. Caller commits."""
    if plan.issues and not only_valid:
        raise ValueError("the roster has problems; nothing was written")
    now = utcnow()
    creates = [r for r in plan.rows if r.action == "create"]
    updates = [r for r in plan.rows if r.action == "update"]
    if creates:
        db.session.execute(insert(User), [
            {**r.values, "name_search": fold(r.values["full_name"]), "created_at": now, "active": True,
             "must_change_password": False} for r in creates])
    for changed_fields in {tuple(r.changed) for r in updates}:
        group = [r for r in updates if tuple(r.changed) == changed_fields]
        columns = list(changed_fields) + (["name_search"] if "full_name" in changed_fields else [])
        stmt = (update(User.__table__).where(User.__table__.c.id == bindparam("uid"))
                .values({f: bindparam(f"v_{f}") for f in columns}))
        db.session.connection().execute(stmt, [
            {"uid": r.user_id, **{f"v_{f}": r.values[f] for f in changed_fields},
             **({"v_name_search": fold(r.values["full_name"])} if "full_name" in changed_fields else {})}
            for r in group])
    result = RosterResult(len(creates), len(updates), plan.count("unchanged"), plan.invalid_rows,
                          [(r.row, r.values["username"], r.values["full_name"]) for r in creates])
    record_audit(actor, "roster.import", file=filename, created=result.created, updated=result.updated,
                 unchanged=result.unchanged, skipped_rows=result.skipped_rows, only_valid=only_valid)
    db.session.flush()
    return result


