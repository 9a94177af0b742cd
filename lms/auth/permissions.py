"""Who may see and change what.

The rules are pure functions over plain data (role names and org paths) so they are
tested without a database; the helpers below them adapt a ``User`` to those rules.
Across scopes, views answer 404 so that one school cannot even learn that another
school's learner exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import false, or_, true

from lms.orgs.services import is_within, subtree_clause

# Roles that let a person see and manage the people of an organisation subtree.
PEOPLE_ROLES = ("manager", "teacher")
# Roles a manager may hand out inside their own subtree; the rest are admin-only.
DELEGABLE_ROLES = {"manager": ("manager", "teacher", "author")}

Grant = tuple[str, str | None]  # (role, org path or None for global)


def grants_of(user) -> list[Grant]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [(r.role, r.org.path if r.org is not None else None) for r in user.roles]


def has_global(grants: Iterable[Grant], role: str) -> bool:
    return any(r == role and path is None for r, path in grants)


def is_admin_grants(grants: Iterable[Grant]) -> bool:
    return has_global(grants, "admin")


def scope_paths(grants: Iterable[Grant], roles: Iterable[str] = PEOPLE_ROLES) -> list[str]:
    """The subtree roots this person manages through ``roles`` (redundant nested roots dropped)."""
    roles = tuple(roles)
    paths = sorted({path for role, path in grants if role in roles and path is not None})
    kept: list[str] = []
    for path in paths:
        if not any(is_within(path, k) for k in kept):
            kept.append(path)
    return kept


def path_in_scope(grants: Iterable[Grant], target_path: str | None, roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    grants = list(grants)
    if is_admin_grants(grants):
        return True
    if target_path is None:
        return False
    return any(is_within(target_path, p) for p in scope_paths(grants, roles))


def can_grant_role(grants: Iterable[Grant], role: str, org_path: str | None) -> bool:
    """Admins grant anything; a manager grants manager/teacher/author inside their subtree."""
    grants = list(grants)
    if is_admin_grants(grants):
        return True
    if org_path is None:
        return False
    for held, path in grants:
        if path is not None and role in DELEGABLE_ROLES.get(held, ()) and is_within(org_path, path):
            return True
    return False


# --- adapters over User objects ------------------------------------------------------


def is_admin(user) -> bool:
    return is_admin_grants(grants_of(user))


def can_manage_org(user, org, roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    return org is not None and path_in_scope(grants_of(user), org.path, roles)


def can_manage_user(user, target, roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    if user is None or target is None:
        return False
    grants = grants_of(user)
    if is_admin_grants(grants):
        return True
    if target.is_admin:
        return False  # only admins act on admins
    return target.org is not None and path_in_scope(grants, target.org.path, roles)


def org_scope_filter(user, path_column, roles: Iterable[str] = PEOPLE_ROLES):
    """A SQL condition limiting rows to the organisations this person may see."""
    grants = grants_of(user)
    if is_admin_grants(grants):
        return true()
    paths = scope_paths(grants, roles)
    if not paths:
        return false()
    return or_(*(subtree_clause(p, path_column) for p in paths))


def has_any_people_scope(user) -> bool:
    grants = grants_of(user)
    return is_admin_grants(grants) or bool(scope_paths(grants))
