"""The main menu: each entry shows only to people who may open it."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from lms.auth.permissions import grants_of, has_any_people_scope, is_admin


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _admin_or(role: str):
    """Who sees an entry: an admin, or anyone holding ``role`` somewhere."""
    def allowed(user) -> bool:
        return is_admin(user) or any(granted == role for granted, _scope in grants_of(user))

    return allowed


def _everyone(user) -> bool:
    return True


_author = _admin_or("author")
_manager = _admin_or("manager")
_organiser = _admin_or("organizer")

# (endpoint, label, who sees it)
NAV_ENTRIES = [
    ("courses.catalogue", _l("Courses"), _everyone),
    ("contests.index", _l("Contests"), _everyone),
    ("certificates.mine", _l("My certificates"), _signed_in),
    ("orgs.index", _l("Organisations"), has_any_people_scope),
    ("users.index", _l("People"), has_any_people_scope),
    ("roster.index", _l("Import roster"), has_any_people_scope),
    ("courses.assignments", _l("Assignments"), has_any_people_scope),
    ("certificates.admin_list", _l("Certificates"), has_any_people_scope),
    ("reports.index", _l("Reports"), has_any_people_scope),
    ("api_tokens.index", _l("API tokens"), _manager),
    ("quiz_admin.banks", _l("Question banks"), _author),
    ("contest_admin.index", _l("Organise contests"), _organiser),
    ("audit.index", _l("Audit log"), is_admin),
]


# Entries for learners stay in the bar; the rest fold into a "Manage" menu on small screens.
LEARNER_ENDPOINTS = {"courses.catalogue", "contests.index", "certificates.mine"}


def nav_items(user) -> list[dict]:
    items = []
    for endpoint, label, allowed in NAV_ENTRIES:
        if endpoint in current_app.view_functions and allowed(user):
            items.append({"url": url_for(endpoint), "label": label, "manage": endpoint not in LEARNER_ENDPOINTS})
    return items
