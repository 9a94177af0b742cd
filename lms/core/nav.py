"""The main menu: each entry shows only to people who may open it."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from lms.auth.permissions import grants_of, has_any_people_scope, is_admin


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _author(user) -> bool:
    return is_admin(user) or any(role == "author" for role, _ in grants_of(user))

def _manager(user) -> bool:
    return is_admin(user) or any(role == "manager" for role, _ in grants_of(user))


def _organiser(user) -> bool:
    return is_admin(user) or any(role == "organizer" for role, _ in grants_of(user))


# (endpoint, label, who sees it)
def _everyone(user) -> bool:
    return True


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
