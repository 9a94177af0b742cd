"""Organisation API tokens: creation, revocation, authentication and scope.

A token is a capability handed to a machine (a provincial dashboard), but it acts on
behalf of the person who created it: its scope is its own subtree *intersected with the
owner's current scope*.  So a token stops working the moment its owner is demoted or
deactivated, without anyone having to remember to revoke it.

Who may create, list and revoke tokens is the ``api_tokens.manage`` policy of
``lms.access`` (the manager role; only admins hold platform-wide tokens; a deactivated
account reaches nothing); what a token reads is ``rules.token_can_read`` over the scope
worked out here.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import false, select

from lms.access import rules
from lms.access.adapters import grants_of, may_create_token_for, org_scope_filter
from lms.access.rules import TOKEN_ROLES
from lms.audit.services import record_audit
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import is_within
from lms.reports.models import ApiToken

PREFIX_LENGTH = 8
# 32 random bytes: far beyond guessing, so a fast unsalted hash is safe to store, and
# two tokens never share a secret (the column is unique all the same).
SECRET_BYTES = 32
MAX_NAME_LENGTH = 120

# What token_status answers; "active" is the only state in which a token authenticates.
ACTIVE, REVOKED, EXPIRED, UNIT_INACTIVE, SUSPENDED = "active", "revoked", "expired", "unit_inactive", "suspended"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _active(user) -> bool:
    """Token-specific: a deactivated or deleted account neither holds nor creates tokens."""
    return user is not None and user.is_active


def create_token(actor, org: Organization | None, name: str,
                 expires: datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token owned by ``actor``; returns it with the secret, which exists only
    in this return value: it is never stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Name is required."), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(_l("The name is too long."), field="name")
    if expires is not None and expires <= utcnow():
        raise ServiceError(_l("The expiry date must be in the future."), field="expires")
    if not may_create_token_for(actor, org):
        raise ServiceError(_l("You can create tokens only for units you manage."), field="org_code")
    if org is not None and not org.active:
        # It would never authenticate (see token_status): refuse rather than hand it out.
        raise ServiceError(_l("Unit %(code)s is no longer active (merged or closed): create the token for "
                              "the unit that replaced it.", code=org.code), field="org_code")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(name=name, org=org, owner=actor, prefix=secret[:PREFIX_LENGTH],
                     secret_hash=hash_secret(secret), expires_at=expires, created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "api_token.create", target=token, org=org, token=token.prefix, name=name,
                 expires=expires.isoformat() if expires else None)
    return token, secret


def revoke_token(actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by_id = actor.id
        db.session.flush()
        record_audit(actor, "api_token.revoke", target=token, org=token.org, token=token.prefix)
    return token


def token_scope(token: ApiToken) -> list[Organization] | None:
    """Subtree roots this token may read now: None for a platform-wide token of an
    admin (everything, including units created later), else its own root intersected
    with the owner's current manager scope.  An empty list means the token is dead
    (owner demoted, deactivated or gone)."""
    owner = token.owner
    if not _active(owner):
        return []
    grants = grants_of(owner)
    if rules.is_admin(grants):
        return None if token.org is None else [token.org]
    if token.org is None:  # a platform-wide token whose owner is no longer an admin
        return []
    paths = rules.scope_paths(grants, TOKEN_ROLES)
    if any(is_within(token.org.path, path) for path in paths):
        return [token.org]
    # The owner now manages only part of the token's subtree: keep that part.
    inside = {path for path in paths if is_within(path, token.org.path)}
    roots = {r.org.id: r.org for r in owner.roles if r.org is not None and r.org.path in inside}
    return sorted(roots.values(), key=lambda org: org.path)


def token_state(token: ApiToken, now: datetime | None = None) -> tuple[str, list[Organization] | None]:
    """(status, scope): the one judgement of whether a token works, shared by the token
    list and ``authenticate``.  The scope is meaningful only when the status is active."""
    if token.revoked_at is not None:
        return REVOKED, []
    if not token.is_live(now):
        return EXPIRED, []
    if token.org is not None and not token.org.active:
        # A merged unit's token does not follow it into the target: that would widen it.
        return UNIT_INACTIVE, []
    scope = token_scope(token)
    if scope == []:
        return SUSPENDED, []
    return ACTIVE, scope


def token_status(token: ApiToken, now: datetime | None = None) -> str:
    return token_state(token, now)[0]


def find_token(secret: str | None) -> ApiToken | None:
    """The token whose secret this is, whatever its state.  The stored hash is compared
    in constant time so that response timing reveals nothing about how close a guess was."""
    if not secret or len(secret) < PREFIX_LENGTH or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    found = None
    for candidate in db.session.scalars(select(ApiToken).where(ApiToken.prefix == secret[:PREFIX_LENGTH])):
        if hmac.compare_digest(candidate.secret_hash, digest):
            found = candidate
    return found


def authenticate_scoped(secret: str | None) -> tuple[ApiToken, list[Organization] | None] | None:
    """The live token for ``secret`` with its current scope (see ``token_scope``), or
    None: unknown, revoked, expired, of an inactive unit, or whose owner can no longer
    read anything.  Marks the token used."""
    token = find_token(secret)
    if token is None:
        return None
    status, scope = token_state(token)
    if status != ACTIVE:
        return None
    token.last_used_at = utcnow()
    return token, scope


def authenticate(secret: str | None) -> ApiToken | None:
    found = authenticate_scoped(secret)
    return found[0] if found else None


def is_global(token: ApiToken) -> bool:
    """A live platform-wide token sees everything, including units created after it was made."""
    return token.org is None and token_scope(token) is None


_UNKNOWN: Any = object()


def token_can_read(token: ApiToken, org: Organization, scope: list[Organization] | None = _UNKNOWN) -> bool:
    """Whether the token may read ``org``; pass ``scope`` (from ``token_state``) when it
    is already known, to avoid working it out again."""
    if scope is _UNKNOWN:
        scope = token_scope(token)
    return rules.token_can_read(None if scope is None else [root.path for root in scope], org.path)


def tokens_visible_to(actor):
    """A select() of the tokens this person may list: all for admins (platform-wide ones
    included), else those whose unit lies in their manager scope."""
    stmt = select(ApiToken).outerjoin(Organization, Organization.id == ApiToken.org_id)
    if not _active(actor):
        return stmt.where(false())
    return stmt.where(org_scope_filter(actor, Organization.path, roles=TOKEN_ROLES))
