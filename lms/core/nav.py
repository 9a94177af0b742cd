"""The main menu: each entry names the access policy of its page, and shows only to people
who pass that policy's route part (``lms.access.policy``)."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

# (endpoint, label, policy)
NAV_ENTRIES = [
    ("courses.catalogue", _l("Courses"), "public"),
    ("contests.index", _l("Contests"), "public"),
    ("certificates.mine", _l("My certificates"), "signed_in"),
    ("orgs.index", _l("Organisations"), "orgs.manage"),
    ("users.index", _l("People"), "people.manage"),
    ("roster.index", _l("Import roster"), "people.manage"),
    ("courses.assignments", _l("Assignments"), "people.manage"),
    ("certificates.admin_list", _l("Certificates"), "people.manage"),
    ("reports.index", _l("Reports"), "reports.view_unit"),
    ("api_tokens.index", _l("API tokens"), "api_tokens.manage"),
    ("quiz_admin.banks", _l("Question banks"), "quizzes.author"),
    ("contest_admin.index", _l("Organise contests"), "contests.organise"),
    ("audit.index", _l("Audit log"), "admin"),
]


# Entries for learners stay in the bar; the rest fold into a "Manage" menu on small screens.
LEARNER_ENDPOINTS = {"courses.catalogue", "contests.index", "certificates.mine"}


def shows(policy_name: str, user, grants=None) -> bool:
    """Whether an entry guarded by ``policy_name`` shows to ``user``: the policy's route part."""
    from lms.access import policy
    from lms.access.adapters import grants_of

    signed_in = bool(getattr(user, "is_authenticated", False))
    return policy.route_allows(policy.get(policy_name), grants_of(user) if grants is None else grants, signed_in)


def nav_items(user) -> list[dict]:
    from lms.access.adapters import grants_of

    grants = grants_of(user)  # the user's roles are read once for the whole menu
    items = []
    for endpoint, label, name in NAV_ENTRIES:
        if endpoint in current_app.view_functions and shows(name, user, grants):
            items.append({"url": url_for(endpoint), "label": label, "manage": endpoint not in LEARNER_ENDPOINTS})
    return items
