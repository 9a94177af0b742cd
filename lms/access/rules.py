"""Who may do what to which object: the rules themselves, as pure functions.

Everything here works on plain data, so it is tested without a database or a request:

* a person's *grants*: an iterable of ``Grant(role, org_path, contest_id)`` (plain 2- or
  3-tuples are accepted too); ``org_path`` is the materialised path of the unit the role
  is scoped to (``"/1/4/"``), ``contest_id`` the contest it is scoped to, both None for a
  global role;
* unit paths, which nest by prefix of whole segments (``"/1/2/"`` contains ``"/1/2/3/"``
  but not ``"/1/20/"``);
* contest and round state (status, close times, the "hide results" switch) and a clock.

The adapters in ``lms.access.adapters`` turn a ``User`` into grants; the named policies
in ``lms.access.policy`` say which rule each page uses and how a refusal looks. Across
units a refusal answers 404 so that one school cannot even learn that another school's
learner exists (OWASP ASVS 4.0 V4.2.1, insecure direct object references).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

# --- the closed sets of roles ---------------------------------------------------------

#: Global-only roles. Question banks and courses belong to no unit, so an author's reach is
#: the whole platform: only an admin grants it, and never on a unit (issue #14, fault 1).
GLOBAL_ROLES = ("admin", "author")
#: Roles scoped to a unit subtree.
ORG_ROLES = ("manager", "teacher")
#: Roles scoped to one contest; granted from the contest's own pages, by admins.
CONTEST_ROLES = ("organizer", "judge")
#: Roles that see and manage the people of a unit subtree.
PEOPLE_ROLES = ("manager", "teacher")
#: What each scoped role may hand out inside its own subtree; everything else is admin-only.
DELEGABLE_ROLES: dict[str, tuple[str, ...]] = {"manager": ("manager", "teacher")}
#: API tokens and the public ranking's settings are a manager's tools (a teacher's class
#: figures are read on the report pages instead).
TOKEN_ROLES = ("manager",)
SETTINGS_ROLES = ("manager",)
#: Who reshapes the unit tree under them (create, edit, move units; docs/user-guide.md gives it
#: to managers): a teacher sees their class and its join code but does not add units to it
#: (issue 18, fault 7). Top-level units and merges are for admins (lms.orgs.views).
STRUCTURE_ROLES = ("manager",)


class Grant(NamedTuple):
    """One role a person holds: global when both scopes are None."""

    role: str
    org_path: str | None = None
    contest_id: int | None = None


def as_grants(grants: Iterable) -> list[Grant]:
    """``grants`` as a list of ``Grant`` (accepts ``(role, path)`` and ``(role, path, contest)``)."""
    return [g if isinstance(g, Grant) else Grant(*g) for g in grants]


def is_within(path: str, root: str) -> bool:
    """Whether the unit at ``path`` lies in the subtree rooted at ``root`` (itself included).
    Paths end with "/", so a prefix is always a whole number of segments."""
    return path.startswith(root)


# --- holding roles ----------------------------------------------------------------------


def has_global(grants: Iterable, role: str) -> bool:
    return any(g.role == role and g.org_path is None and g.contest_id is None for g in as_grants(grants))


def is_admin(grants: Iterable) -> bool:
    """Admin is a global role only; an "admin" row with a scope (never written by the
    services) grants nothing."""
    return has_global(grants, "admin")


def holds_any(grants: Iterable, roles: Iterable[str]) -> bool:
    """Whether the person holds one of ``roles`` anywhere (any scope)."""
    roles = tuple(roles)
    return any(g.role in roles for g in as_grants(grants))


def scope_paths(grants: Iterable, roles: Iterable[str] = PEOPLE_ROLES) -> list[str]:
    """The subtree roots this person manages through ``roles``, nested roots dropped, sorted."""
    roles = tuple(roles)
    paths = sorted({g.org_path for g in as_grants(grants) if g.role in roles and g.org_path is not None})
    kept: list[str] = []
    for path in paths:
        if not any(is_within(path, k) for k in kept):
            kept.append(path)
    return kept


def path_in_scope(grants: Iterable, target_path: str | None, roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    """Admins reach every unit; others the subtrees of their ``roles``. No unit, no scope."""
    grants = as_grants(grants)
    if is_admin(grants):
        return True
    if target_path is None:
        return False
    return any(is_within(target_path, p) for p in scope_paths(grants, roles))


def has_people_scope(grants: Iterable) -> bool:
    """Admins, managers and teachers: the people, unit and report pages."""
    grants = as_grants(grants)
    return is_admin(grants) or bool(scope_paths(grants))


# --- roles: granting, and acting on accounts --------------------------------------------


def grant_shape_problem(role: str, org_path: str | None, contest_id: int | None) -> str | None:
    """Why a grant of ``role`` with this scope is malformed, or None. The answer is a key
    ("global_only", "needs_org", "needs_contest") the service turns into a message."""
    if role in GLOBAL_ROLES and (org_path is not None or contest_id is not None):
        return "global_only"
    if role in ORG_ROLES and (org_path is None or contest_id is not None):
        return "needs_org"
    if role in CONTEST_ROLES and (contest_id is None or org_path is not None):
        return "needs_contest"
    return None


def can_grant_role(grants: Iterable, role: str, org_path: str | None, contest_id: int | None = None) -> bool:
    """Whether a person with ``grants`` may grant (or revoke) ``role`` at this scope.

    Admins grant anything; a manager grants manager or teacher inside their own subtree.
    Global roles (admin, author) and contest roles are admin-only. Granting to oneself is
    a separate rule (``may_change_roles_of``), checked by the service."""
    grants = as_grants(grants)
    if is_admin(grants):
        return True
    if org_path is None or contest_id is not None:
        return False
    return any(g.org_path is not None and role in DELEGABLE_ROLES.get(g.role, ()) and is_within(org_path, g.org_path)
               for g in grants)


def may_change_roles_of(actor_id: int | None, target_id: int) -> bool:
    """Nobody grants or revokes a role to or of himself, admins included: another admin
    must (separation of duties, OWASP ASVS 4.0 V1.4.1 / NIST SP 800-53 AC-5). ``actor_id``
    None is the operator's command line, which is trusted."""
    return actor_id is None or actor_id != target_id


def can_act_on_account(actor: Iterable, target_home: str | None, target: Iterable,
                       roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    """Whether ``actor`` may act on an account (edit it, reset its password, issue a
    one-time code or a login slip, deactivate, delete, re-import it from a roster).

    Acting on an account is acting as it, so the actor needs scope over *everything* the
    account can reach, not only over its home unit (issue #14, fault 2):

    * admins act on anyone;
    * otherwise the home unit (``target_home``) lies in the actor's subtree through
      ``roles``, and every role the target holds is one the actor could grant at its scope
      (so a global or contest role — admin, author, organiser, judge — leaves the account to
      admins)."""
    actor = as_grants(actor)
    if is_admin(actor):
        return True
    if not path_in_scope(actor, target_home, roles):
        return False
    return all(can_grant_role(actor, g.role, g.org_path, g.contest_id) for g in as_grants(target))


def can_read_learner_record(actor: Iterable, target_home: str | None, target: Iterable,
                            roles: Iterable[str] = PEOPLE_ROLES) -> bool:
    """Whether ``actor`` may read one person's course progress, quiz attempts and answers (the
    class report's drill-down to a learner). The same reach as acting on the account
    (``can_act_on_account``): the person's home unit inside the actor's subtree and every role
    they hold one the actor could grant. So a teacher reads the students of their class, a
    manager also the teachers of their units, and a colleague above oneself, an author or an
    organiser is read by admins only."""
    return can_act_on_account(actor, target_home, target, roles)


# --- content, contests, judging ---------------------------------------------------------


def can_author(grants: Iterable) -> bool:
    """Question banks and course feedback: admins and holders of the *global* author role."""
    grants = as_grants(grants)
    return is_admin(grants) or has_global(grants, "author")


def can_organise(grants: Iterable, contest_id: int) -> bool:
    """Admins and the organisers appointed to this contest."""
    grants = as_grants(grants)
    return is_admin(grants) or any(g.role == "organizer" and g.contest_id == contest_id for g in grants)


def round_results_visible(*, hide_until_close: bool, closes_at: datetime | None, now: datetime,
                          published: bool = False) -> bool:
    """Whether a round's scores (and its leaderboard) show to the public and to participants:
    always when the round does not hide them; otherwise once it closes or the contest's
    results are published."""
    return (not hide_until_close) or published or (closes_at is not None and now >= closes_at)


def contest_standings_visible(*, published: bool, closes_at: Iterable[datetime | None], now: datetime) -> bool:
    """Whether standings across rounds (the collective ranking of units) show: once the
    results are published, or once every round has closed (vacuously so for a contest
    without rounds, which then shows an empty table)."""
    return published or all(c is not None and now >= c for c in closes_at)


def can_see_entry(*, user_id: int, owner_id: int | None, assigned: bool, organises: bool) -> bool:
    """A judged entry: its author, a judge it is assigned to, the contest's organisers."""
    return organises or assigned or (owner_id is not None and owner_id == user_id)


# --- reports, tokens, public ranking ----------------------------------------------------


def can_view_unit_report(grants: Iterable, org_path: str | None) -> bool:
    """Managers and teachers read reports of their own subtree; admins every unit's."""
    return org_path is not None and path_in_scope(grants, org_path)


def has_token_access(grants: Iterable) -> bool:
    """The token pages: admins, and managers of some unit."""
    grants = as_grants(grants)
    return is_admin(grants) or bool(scope_paths(grants, TOKEN_ROLES))


def may_create_token_for(grants: Iterable, org_path: str | None) -> bool:
    """Admins create tokens anywhere (``org_path`` None: a platform-wide token); a manager
    only for a unit inside their own subtree. Revoking follows the same rule."""
    grants = as_grants(grants)
    if org_path is None:
        return is_admin(grants)
    return path_in_scope(grants, org_path, TOKEN_ROLES)


def token_can_read(scope: Iterable[str] | None, org_path: str) -> bool:
    """Whether a token whose current reach is ``scope`` (subtree root paths, None for
    everything) may read the unit at ``org_path``."""
    return scope is None or any(is_within(org_path, root) for root in scope)


def can_configure_ranking(grants: Iterable, org_path: str | None) -> bool:
    """A unit's public ranking levels: admins, and managers of the unit or above."""
    return org_path is not None and path_in_scope(grants, org_path, SETTINGS_ROLES)


# --- the unit tree ----------------------------------------------------------------------


def can_restructure_units(grants: Iterable) -> bool:
    """The route part of ``orgs.structure``: admins, and managers of some unit."""
    grants = as_grants(grants)
    return is_admin(grants) or bool(scope_paths(grants, STRUCTURE_ROLES))


def can_restructure_unit(grants: Iterable, org_path: str | None) -> bool:
    """Whether a person may create units under, edit or move the unit at ``org_path``: admins
    anywhere, managers inside their own subtree (``STRUCTURE_ROLES``). Teachers never."""
    return org_path is not None and path_in_scope(grants, org_path, STRUCTURE_ROLES)
