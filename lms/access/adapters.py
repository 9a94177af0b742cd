"""Adapters from ``User`` objects (and rows) to the pure rules of ``lms.access.rules``.

A user's roles load lazily, on the first call that needs them, with their units in the
same query (``RoleAssignment.org`` is joined): pages that never ask (the quiz autosave and
submit path) pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import false, or_, true

from lms.access import rules
from lms.access.rules import PEOPLE_ROLES, Grant


def grants_of(user) -> list[Grant]:
    """The grants of ``user``; [] for anonymous, None or inactive accounts (a deactivated
    account keeps its rows but reaches nothing)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return []
    return [Grant(r.role, r.org.path if r.org is not None else None, r.contest_id) for r in user.roles]


def is_admin(user) -> bool:
    return rules.is_admin(grants_of(user))


def has_any_people_scope(user) -> bool:
    return rules.has_people_scope(grants_of(user))


def can_manage_org(user, org, roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    """Whether ``org`` lies in the subtree ``user`` manages through ``roles``."""
    return org is not None and rules.path_in_scope(grants_of(user), org.path, roles)


#: Appointments other areas keep outside ``role_assignment`` (contest judges), which count as
#: roles when someone acts on an account: ``fn(user_ids) -> {user_id: [Grant, ...]}``, one
#: query for the whole list. Registered by the owning area at import (``contests.judging``).
APPOINTMENT_SOURCES: list = []


def held_grants(users) -> dict[int, list[Grant]]:
    """Every role each of ``users`` holds, whether active or not: role rows (load them with
    ``selectinload(User.roles)`` for a list) plus registered appointments, one query per source."""
    held = {u.id: [Grant(r.role, r.org.path if r.org is not None else None, r.contest_id) for r in u.roles]
            for u in users}
    if held:
        for source in APPOINTMENT_SOURCES:
            for user_id, extra in source(list(held)).items():
                held.setdefault(user_id, []).extend(extra)
    return held


def acting_allowed(actor, users) -> dict[int, bool]:
    """``users.act_on`` for each of ``users``: {user id: may ``actor`` act on the account}."""
    grants = grants_of(actor)
    if rules.is_admin(grants):
        return {u.id: True for u in users}
    held = held_grants(users)
    return {u.id: rules.can_act_on_account(grants, u.org.path if u.org is not None else None, held[u.id])
            for u in users}


def can_act_on_user(actor, target) -> bool:
    """``rules.can_act_on_account`` for two users: scope over the target's home unit and
    over every role the target holds (role rows and appointments such as judging). Never on
    one's own account, admins included: one's own password, name and sessions are changed on
    the profile page, where the current password is asked for (a one-time code given to
    oneself from the people pages signed the person out and locked them into a reset)."""
    if actor is None or target is None or actor.id == target.id:
        return False
    return acting_allowed(actor, [target])[target.id]


def can_read_learner(viewer, learner) -> bool:
    """``reports.view_learner``: ``rules.can_read_learner_record`` for two users (the learner's
    role rows and appointments such as judging, as for acting on the account)."""
    if viewer is None or learner is None:
        return False
    grants = grants_of(viewer)
    if rules.is_admin(grants):
        return True
    return rules.can_read_learner_record(grants, learner.org.path if learner.org is not None else None,
                                         held_grants([learner])[learner.id])


def can_author(user) -> bool:
    return rules.can_author(grants_of(user))


def can_organise(user, contest) -> bool:
    return contest is not None and rules.can_organise(grants_of(user), contest.id)


def org_scope_filter(user, path_column, roles: Iterable[str] = PEOPLE_ROLES):
    """A SQL condition limiting rows to the units this person reaches through ``roles``."""
    from lms.orgs.services import subtree_clause  # orgs sits above access

    grants = grants_of(user)
    if rules.is_admin(grants):
        return true()
    paths = rules.scope_paths(grants, roles)
    if not paths:
        return false()
    return or_(*(subtree_clause(p, path_column) for p in paths))


def can_use_tokens(user) -> bool:
    """The API token pages (``api_tokens.manage``): active admins and managers."""
    return rules.has_token_access(grants_of(user))


def may_create_token_for(actor, org) -> bool:
    """Whether ``actor`` may create (or revoke) a token for ``org`` (None: platform-wide)."""
    return rules.may_create_token_for(grants_of(actor), org.path if org is not None else None)


def can_manage_token(actor, token) -> bool:
    """Whoever could create this token may revoke it (a manager may revoke a token a
    colleague made for a school of theirs)."""
    return may_create_token_for(actor, token.org)


def can_view_unit_report(user, org) -> bool:
    """``reports.view_unit`` / ``reports.export`` on ``org``."""
    return org is not None and rules.can_view_unit_report(grants_of(user), org.path)


def can_restructure_org(user, org) -> bool:
    """``orgs.structure`` on ``org``: create units under it, edit or move it."""
    return org is not None and rules.can_restructure_unit(grants_of(user), org.path)


def can_configure_ranking(user, org) -> bool:
    """``ranking.configure`` on ``org``."""
    return org is not None and rules.can_configure_ranking(grants_of(user), org.path)
