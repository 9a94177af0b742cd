"""Login slips: who gets a one-time code on paper, and who keeps what they have.

A slip replaces the person's password by a one-time code and ends their sessions, so it must
only go to people who have no password of their own (issue 18, fault 1: self-registered
students were sent to choose a new password in the middle of a lesson). The rule is
:func:`slip_decision`, pure; :func:`plan_login_slips` applies it to a unit's people and
:func:`print_login_slips` issues the codes.

Accounts made before sign-up counted as a sign-in have ``last_login_at`` empty although their
owners chose a password when they registered: the rule looks at the password itself, not
only at the sign-in date, so those rows are safe without rewriting them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.access.adapters import acting_allowed
from lms.audit.services import record_audit
from lms.auth.models import User
from lms.core.text import given_name_key
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import subtree_clause

#: Why someone gets no slip (``slip_decision``'s answers besides None).
OWN_PASSWORD = "own_password"
SIGNED_IN = "signed_in"


def slip_decision(*, has_password: bool, must_change_password: bool, signed_in_before: bool,
                  include_all: bool) -> str | None:
    """None when a person gets a slip, else why not.

    - ``OWN_PASSWORD``: a password is set and is not a one-time code waiting to be replaced
      (``must_change_password`` False), so its owner chose it (at sign-up, on /password, or
      the operator set it): never replaced, with or without ``include_all``.
    - ``SIGNED_IN``: the person has signed in before (signing up counts) and ``include_all``
      is off: they may be using a code or be about to choose a password.

    Everyone else (no password at all, or an unused or expired one-time code) gets a slip."""
    if has_password and not must_change_password:
        return OWN_PASSWORD
    if signed_in_before and not include_all:
        return SIGNED_IN
    return None


def decision_for(user: User, include_all: bool) -> str | None:
    """:func:`slip_decision` for a ``User`` row."""
    return slip_decision(has_password=bool(user.password_hash), must_change_password=bool(user.must_change_password),
                         signed_in_before=user.last_login_at is not None, include_all=include_all)


@dataclass
class SlipPlan:
    """Who of a unit's active people gets a slip (``slips``) and who does not (``kept``: lists
    of people by reason, ``OWN_PASSWORD`` / ``SIGNED_IN``); ``beyond_reach`` counts accounts
    holding a role the actor could not grant, which only an admin may act on (not named)."""

    org: Organization
    include_all: bool
    slips: list[User] = field(default_factory=list)
    kept: dict[str, list[User]] = field(default_factory=lambda: {OWN_PASSWORD: [], SIGNED_IN: []})
    beyond_reach: int = 0


def plan_login_slips(actor, org: Organization, include_all: bool) -> SlipPlan:
    """The slip plan for ``org`` and the units under it, as ``actor`` may act (``users.act_on``
    for each account): active, not deleted people ordered by unit (tree order), then as a class
    list is, by given name then family and middle names (``given_name_key``: every An before
    Bình, whatever the family name), then username. Reads only."""
    stmt = (select(User).join(Organization, Organization.id == User.org_id)
            .where(subtree_clause(org.path), User.deleted_at.is_(None), User.active.is_(True))
            .options(joinedload(User.org), selectinload(User.roles)))  # the rule reads every role
    # Sorted here: the database cannot split a full name into tên and họ đệm. A unit's people
    # are at most a few thousand.
    found = sorted(db.session.scalars(stmt).unique(),
                   key=lambda u: (u.org.path, given_name_key(u.full_name), u.username))
    allowed = acting_allowed(actor, found)
    plan = SlipPlan(org=org, include_all=include_all)
    for user in found:
        if not allowed[user.id]:
            plan.beyond_reach += 1
            continue
        reason = decision_for(user, include_all)
        if reason is None:
            plan.slips.append(user)
        else:
            plan.kept[reason].append(user)
    return plan


def print_login_slips(actor, plan: SlipPlan) -> list[tuple[User, str]]:
    """A one-time code for each person of ``plan.slips`` (each ends that person's sessions),
    audited once as "user.login_slips" with the counts. The rule is asked again for each
    person, so a password chosen since the plan was shown is kept. Flushes; the caller commits.
    Returns ``[(user, code)]`` in the plan's order."""
    from lms.auth.services import issue_one_time_code

    slips = [(user, issue_one_time_code(user)) for user in plan.slips if decision_for(user, plan.include_all) is None]
    record_audit(actor, "user.login_slips", org=plan.org, count=len(slips), include_all=plan.include_all)
    db.session.flush()
    return slips
