"""Personal data rights (Decree 13/2023/ND-CP; Law on Personal Data Protection 2025):
a learner downloads everything held about them and may ask for deletion.

Areas add what they hold through ``register_personal_data`` and how to erase it through
``register_personal_data_eraser``, so this module never needs to know them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from lms.audit.models import AuditEvent
from lms.audit.services import record_audit
from lms.auth.models import RoleAssignment, User
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization

DELETED_NAME = "Người dùng đã xoá"
GRACE_DAYS = 7

_SECTIONS: dict[str, Callable] = {}
_SECTION_LABELS: dict[str, object] = {}
_ERASERS: list[Callable] = []
# What the download holds besides the areas' own sections, as the "My data" page says it.
_CORE_SECTIONS = {
    "profile": _l("your profile (name, username, email, phone, date of birth)"),
    "unit": _l("your unit"),
    "roles": _l("your roles"),
    "activity_log": _l("the log of actions by you or about your account"),
}


def register_personal_data(name: str, collect: Callable, description) -> None:
    """Add section ``name`` to every person's data download: ``collect(user)`` returns its
    JSON-ready value; ``description`` (a lazy string) says in a few words what it holds, for
    the "My data" page (GDPR art. 15 / Decree 13/2023 art. 14: the person is told what is kept)."""
    _SECTIONS[name] = collect
    _SECTION_LABELS[name] = description


def section_descriptions() -> list:
    """What the download holds, one phrase per section, in the reader's language."""
    return [*_CORE_SECTIONS.values(), *(_SECTION_LABELS[name] for name in _SECTIONS)]


def register_personal_data_eraser(erase: Callable) -> None:
    if erase not in _ERASERS:
        _ERASERS.append(erase)


def _iso(value):
    return value.isoformat() if value is not None else None


def export_personal_data(user: User) -> dict:
    chain = []
    if user.org is not None:
        ids = user.org.ancestor_ids + [user.org.id]
        names = dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())
        chain = [names[i] for i in ids if i in names]
    events = db.session.scalars(select(AuditEvent).where(or_(
        AuditEvent.actor_id == user.id, (AuditEvent.target_type == "user_account") & (AuditEvent.target_id == user.id)
    )).order_by(AuditEvent.at))
    data = {
        "exported_at": _iso(utcnow()),
        "profile": {
            "username": user.username, "full_name": user.full_name, "email": user.email, "phone": user.phone,
            "date_of_birth": _iso(user.date_of_birth), "kind": user.kind, "language": user.locale,
            "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
            "deletion_requested_at": _iso(user.deletion_requested_at),
        },
        "unit": {"code": user.org.code, "name": user.org.name, "path": chain} if user.org else None,
        "roles": [{"role": r.role, "unit": r.org.code if r.org else None, "contest_id": r.contest_id,
                   "granted_at": _iso(r.granted_at)} for r in user.roles],
        "activity_log": [{"at": _iso(e.at), "action": e.action, "by_me": e.actor_id == user.id,
                          "detail": {k: v for k, v in (e.detail or {}).items() if k not in ("ip",)}} for e in events],
    }
    for name, collect in _SECTIONS.items():
        data[name] = collect(user)
    return data


def request_deletion(user: User) -> None:
    if user.deletion_requested_at is None:
        user.deletion_requested_at = utcnow()
        record_audit(user, "privacy.delete_request", target=user, org=user.org)
        db.session.flush()


def cancel_deletion(user: User) -> None:
    if user.deletion_requested_at is not None:
        user.deletion_requested_at = None
        record_audit(user, "privacy.delete_cancel", target=user, org=user.org)
        db.session.flush()


def execute_deletion(actor, user: User) -> None:
    """Anonymise in place: records and statistics stay, nothing identifies the person."""
    if user.deleted_at is not None:
        raise ServiceError(_l("This account was already deleted."))
    if user.is_admin:
        raise ServiceError(_l("Remove the admin role before deleting this account."))
    org = user.org
    for erase in _ERASERS:
        erase(user)
    user.full_name = DELETED_NAME
    user.username = f"deleted-{user.id}"
    user.email = user.phone = user.date_of_birth = user.password_hash = None
    user.locale = None
    user.active = False
    user.must_change_password = False
    user.deleted_at = utcnow()
    db.session.execute(RoleAssignment.__table__.delete().where(RoleAssignment.user_id == user.id))
    record_audit(actor, "privacy.delete", target=user, org=org)  # no personal data in the detail
    db.session.flush()


def pending_deletions(actor, older_than_days: int | None = None) -> list[User]:
    """Accounts waiting for deletion that ``actor`` (None: the operator) may delete: for a
    manager, those of their subtree whose every role they could grant (``users.act_on``)."""
    from sqlalchemy.orm import selectinload

    from lms.access.adapters import acting_allowed, is_admin, org_scope_filter

    stmt = select(User).outerjoin(Organization, Organization.id == User.org_id).where(
        User.deletion_requested_at.is_not(None), User.deleted_at.is_(None))
    if actor is not None and not is_admin(actor):
        stmt = stmt.where(org_scope_filter(actor, Organization.path))
    if older_than_days is not None:
        stmt = stmt.where(User.deletion_requested_at <= utcnow() - timedelta(days=older_than_days))
    users = list(db.session.scalars(stmt.order_by(User.deletion_requested_at).options(selectinload(User.roles))))
    if actor is not None and not is_admin(actor):
        allowed = acting_allowed(actor, users)
        users = [u for u in users if allowed[u.id]]
    return users
