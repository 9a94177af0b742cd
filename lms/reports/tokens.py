"""Organisation API tokens: creation, revocation, authentication and scope.

A token is a capability handed to a machine (a provincial dashboard), but it acts on
behalf of the person who created it: its scope is its own subtree *intersected with the
owner's current scope*.  So a token stops working the moment its owner is demoted or
deactivated, without anyone having to remember to revoke it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.audit.services import record_audit
from lms.core.errors import ServiceError
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import is_within
from lms.reports.models import ApiToken

PREFIX_LENGTH = 8
# 32 random bytes: far beyond guessing, so a fast unsalted hash is safe to store.
SECRET_BYTES = 32
MAX_NAME_LENGTH = 120


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# Tokens are a manager's tool: a teacher's class figures are read on the pages instead.
TOKEN_ROLES = ("manager",)


def token_roots(user) -> list[Organization] | None:
    """The units whose figures ``user`` may hand to a machine: None for an active admin
    (everything), else the active person's manager subtrees.  Read from the roles each
    time, so a demotion or deactivation takes effect on the very next API call."""
    from lms.auth.permissions import grants_of, is_admin_grants, scope_paths

    if user is None or not user.is_active:
        return []
    grants = grants_of(user)
    if is_admin_grants(grants):
        return None
    paths = set(scope_paths(grants, TOKEN_ROLES))
    roots = {r.org.id: r.org for r in user.roles if r.org is not None and r.org.path in paths}
    return sorted(roots.values(), key=lambda org: org.path)


def may_create_for(actor, org: Organization | None) -> bool:
    """Admins create tokens anywhere (``org`` None = a global token); anyone else only
    for a unit inside their own report scope."""
    roots = token_roots(actor)
    if roots is None:
        return True
    if org is None:
        return False
    return any(is_within(org.path, root.path) for root in roots)


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
    if not may_create_for(actor, org):
        raise ServiceError(_l("You can create tokens only for units you manage."), field="org_code")
    while True:
        secret = secrets.token_urlsafe(SECRET_BYTES)
        digest = hash_secret(secret)
        if not db.session.scalar(select(ApiToken.id).where(ApiToken.secret_hash == digest)):
            break
    token = ApiToken(name=name, org=org, owner=actor, prefix=secret[:PREFIX_LENGTH], secret_hash=digest,
                     expires_at=expires, created_at=utcnow())
    db.session.add(token)
    db.session.flush()
    record_audit(actor, "api_token.create", target=token, org=org, token=token.prefix, name=name,
                 expires=expires.isoformat() if expires else None)
    return token, secret


def can_manage_token(actor, token: ApiToken) -> bool:
    """Admins manage every token; others the tokens inside their scope (a manager may
    revoke a token a colleague made for a school of theirs)."""
    roots = token_roots(actor)
    if roots is None:
        return True
    if token.org is None:
        return False
    return any(is_within(token.org.path, root.path) for root in roots)


def revoke_token(actor, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_by_id = actor.id
        db.session.flush()
        record_audit(actor, "api_token.revoke", target=token, org=token.org, token=token.prefix)
    return token


def token_scope(token: ApiToken) -> list[Organization]:
    """Subtree roots this token may read now: its own root intersected with the owner's
    current scope.  An empty list means the token is dead (owner demoted or gone)."""
    owner_roots = token_roots(token.owner)
    if owner_roots is None:  # the owner is an admin
        if token.org is None:
            return list(db.session.scalars(
                select(Organization).where(Organization.parent_id.is_(None)).order_by(Organization.path)))
        return [token.org]
    if token.org is None:  # a global token whose owner is no longer an admin
        return []
    if any(is_within(token.org.path, root.path) for root in owner_roots):
        return [token.org]
    # The owner now manages only part of the token's subtree: keep that part.
    return [root for root in owner_roots if is_within(root.path, token.org.path)]


def is_global(token: ApiToken) -> bool:
    """A live global token sees everything, including units created after it was made."""
    return token.org is None and token_roots(token.owner) is None


def authenticate(secret: str | None, *, touch: bool = True) -> ApiToken | None:
    """The live token for ``secret``, or None (unknown, revoked, expired, or whose owner
    can no longer read anything).  The stored hash is compared in constant time so that
    response timing reveals nothing about how close a guess was."""
    if not secret or len(secret) < PREFIX_LENGTH or len(secret) > 200:
        return None
    digest = hash_secret(secret)
    candidates = db.session.scalars(select(ApiToken).where(ApiToken.prefix == secret[:PREFIX_LENGTH]))
    token = None
    for candidate in candidates:
        if hmac.compare_digest(candidate.secret_hash, digest):
            token = candidate
    if token is None or not token.is_live():
        return None
    if token.org is not None and not token.org.active:
        # A merged unit's token does not follow it into the target: that would widen it.
        return None
    if not is_global(token) and not token_scope(token):
        return None
    if touch:
        token.last_used_at = utcnow()
    return token


def token_can_read(token: ApiToken, org: Organization) -> bool:
    if is_global(token):
        return True
    return any(is_within(org.path, root.path) for root in token_scope(token))


def tokens_visible_to(actor):
    """A select() of the tokens this person may list: all for admins, else those whose
    unit lies in their scope."""
    from sqlalchemy import false, or_

    from lms.orgs.services import subtree_clause

    stmt = select(ApiToken).outerjoin(Organization, Organization.id == ApiToken.org_id)
    roots = token_roots(actor)
    if roots is None:
        return stmt
    if not roots:
        return stmt.where(false())
    return stmt.where(or_(*(subtree_clause(root.path) for root in roots)))
