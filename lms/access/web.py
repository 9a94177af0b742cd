"""Flask side of the access policies: ``@requires`` on every view, ``check`` inside views.

    @bp.post("/<int:user_id>/one-time-code")
    @requires("users.act_on")
    def reset_password(user_id):
        user = load(...)
        check("users.act_on", current_user, user)   # aborts with the policy's status

The decorator records the policy on the view (``view.access_policy``), which the
endpoint-completeness test and ``docs/permissions.md`` read, and enforces the route part.
"""

from __future__ import annotations

import functools

from flask import abort, current_app, g
from flask_login import current_user

from lms.access import policy as _policy
from lms.access.adapters import (
    can_act_on_user,
    can_author,
    can_manage_org,
    can_organise,
    can_read_learner,
    can_restructure_org,
    grants_of,
)

#: How each policy's object part is asked about ``User``/model objects. Each adapter takes
#: the viewer first, then the object(s) the view loaded.
_OBJECT_CHECKS = {
    "users.act_on": can_act_on_user,
    "people.manage": can_manage_org,
    "orgs.manage": can_manage_org,
    "orgs.structure": can_restructure_org,
    "reports.view_unit": can_manage_org,
    "reports.export": can_manage_org,
    "reports.view_learner": can_read_learner,
    "contests.organise": can_organise,
    "quizzes.author": lambda user, *_: can_author(user),
}


def requires(name: str):
    """Declare (and enforce the route part of) the access policy ``name`` on a view."""
    pol = _policy.get(name)

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            refused = enforce_route(pol)
            if refused is not None:
                return refused
            return view(*args, **kwargs)

        wrapper.access_policy = name
        return wrapper

    return decorate


def enforce_route(pol: _policy.Policy):
    """None when the viewer passes ``pol``'s route part; otherwise a response (sign-in
    redirect) or an abort with the policy's status."""
    if pol.route == _policy.ROUTE_PUBLIC:
        return None
    if pol.route == _policy.ROUTE_TOKEN:
        if getattr(g, "api_token", None) is None:  # reports.api authenticates before the view
            from lms.core.views import api_error

            return api_error(401)
        return None
    if not current_user.is_authenticated:
        if pol.anonymous == "login":
            return current_app.login_manager.unauthorized()
        abort(pol.refusal)
    if pol.route == _policy.ROUTE_SIGNED_IN:
        return None
    if not _policy.route_allows(pol, grants_of(current_user), True):
        abort(pol.refusal)
    return None


def allowed(name: str, user, *objects) -> bool:
    """The object part of policy ``name`` for ``user`` on ``objects`` (no abort)."""
    check_fn = _OBJECT_CHECKS.get(name)
    if check_fn is None:
        raise KeyError(f"policy {name!r} has no object check for models; call its rule in lms.access.rules")
    return bool(check_fn(user, *objects))


def check(name: str, user, *objects) -> None:
    """Abort with the policy's refusal status unless ``user`` passes its object part."""
    if not allowed(name, user, *objects):
        abort(_policy.get(name).refusal)


def access_policy_of(view) -> str | None:
    """The policy a view function declared, or None."""
    return getattr(view, "access_policy", None)
