"""The table of named access policies: which rule each page uses, and how it refuses.

Every endpoint of the app names one of these with ``@requires("name")``
(``lms.access.web``); ``tests/access/test_every_endpoint.py`` fails for an endpoint that
does not, and ``docs/permissions.md`` is generated from this table (``lms access docs``).

A policy has two parts:

* the *route* part, checked by the decorator before the view runs: who may open the page
  at all (signed in; holding a qualifying role somewhere). It reads the signed-in user's
  grants only, so it costs one lazy query of the user's roles, and none on public pages
  and ``signed_in`` pages (the quiz autosave path);
* the *object* part, checked inside the view on the loaded object with
  ``access.check(name, *args)``: the pure rule of ``lms.access.rules`` named in ``object_rule``
  (unit subtree, contest, own object).

Refusals: ``login`` sends anonymous visitors to the sign-in page; ``404`` is used across
scopes so that nobody learns what another unit holds (OWASP ASVS 4.0 V4.2.1); ``401`` is
the JSON API's answer to a missing or dead token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lms.access import rules

ROUTE_PUBLIC = "public"
ROUTE_SIGNED_IN = "signed_in"
ROUTE_TOKEN = "token"


@dataclass(frozen=True)
class Policy:
    """One named policy (see the module docstring)."""

    name: str
    doc: str
    #: Who passes the route part: a description of the roles, for the docs.
    roles: tuple[str, ...]
    #: What the object part limits to, in words: "global", "unit subtree", "contest", "own object", "-".
    scope: str
    #: Status when a signed-in person is refused (404 / 403 / 401).
    refusal: int = 404
    #: What an anonymous visitor gets on a non-public policy: "login" (redirect) or the refusal.
    anonymous: str = "login"
    #: ROUTE_PUBLIC, ROUTE_SIGNED_IN, ROUTE_TOKEN, or a predicate over the viewer's grants.
    route: str | Callable = ROUTE_SIGNED_IN
    #: The pure rule the view calls on the object (``access.check``), if any.
    object_rule: Callable | None = None


def _admin(grants) -> bool:
    return rules.is_admin(grants)


def _holds(*roles: str) -> Callable:
    def predicate(grants) -> bool:
        return rules.is_admin(grants) or rules.holds_any(grants, roles)

    predicate.__name__ = "admin_or_" + "_".join(roles)
    return predicate


def _own(user_id: int, owner_id: int | None) -> bool:
    return owner_id is not None and user_id == owner_id


EVERYONE = ("anonymous", "learner", "teacher", "manager", "author", "organizer", "judge", "admin")
SIGNED_IN = ("learner", "teacher", "manager", "author", "organizer", "judge", "admin")
PEOPLE = ("teacher", "manager", "admin")

_TABLE = [
    Policy("public", "Anyone, signed in or not: public pages, sign-in, verification, static files.",
           EVERYONE, "-", route=ROUTE_PUBLIC),
    Policy("signed_in", "Any signed-in account, on its own data (profile, attempts, certificates, registrations).",
           SIGNED_IN, "own object", route=ROUTE_SIGNED_IN, object_rule=_own),
    Policy("people.manage", "Lists and pages of people, units, rosters, assignments and certificates of a subtree.",
           PEOPLE, "unit subtree", route=rules.has_people_scope, object_rule=rules.path_in_scope),
    Policy("users.act_on", "Edit, reset, one-time code, login slip, deactivate, delete or re-import an account: "
           "needs scope over its home unit and over every role it holds (global and contest roles: admins only).",
           PEOPLE, "unit subtree + every role of the target", route=rules.has_people_scope,
           object_rule=rules.can_act_on_account),
    Policy("roles.grant", "Grant or revoke a role: admins anything (author and admin are global, admin-only); "
           "managers manager/teacher inside their subtree; nobody to or of himself.",
           ("manager", "admin"), "unit subtree", route=rules.has_people_scope, object_rule=rules.can_grant_role),
    Policy("orgs.manage", "See the units of one's subtree and renew or disable their join codes (a teacher: "
           "their class).", PEOPLE, "unit subtree", route=rules.has_people_scope, object_rule=rules.path_in_scope),
    Policy("orgs.structure", "Create sub-units, edit, move units inside one's subtree: managers and admins, not "
           "teachers (top-level units and merges: admins only).", ("manager", "admin"), "unit subtree",
           refusal=403, route=rules.can_restructure_units, object_rule=rules.can_restructure_unit),
    Policy("reports.view_unit", "Completion reports of a unit: admins any, managers and teachers their subtree.",
           PEOPLE, "unit subtree", route=rules.has_people_scope, object_rule=rules.can_view_unit_report),
    Policy("reports.view_learner", "One learner's course progress, quiz attempts and answers (from a class "
           "report): needs scope over the learner's home unit and over every role they hold.",
           PEOPLE, "unit subtree + every role of the target", route=rules.has_people_scope,
           object_rule=rules.can_read_learner_record),
    Policy("reports.export", "CSV/XLSX exports of a unit's completion report (personal data).",
           PEOPLE, "unit subtree", route=rules.has_people_scope, object_rule=rules.can_view_unit_report),
    Policy("api_tokens.manage", "Create and revoke read-only API tokens: admins (also platform-wide), managers "
           "for units of their subtree.", ("manager", "admin"), "unit subtree",
           route=rules.has_token_access, object_rule=rules.may_create_token_for),
    Policy("api.token", "The JSON API: a live bearer token, reading units inside the token's current scope.",
           ("token",), "token's subtree", refusal=401, anonymous="refuse", route=ROUTE_TOKEN,
           object_rule=rules.token_can_read),
    Policy("ranking.configure", "A unit's public ranking levels: admins, managers of the unit or above.",
           ("manager", "admin"), "unit subtree",
           route=_holds("manager"), object_rule=rules.can_configure_ranking),
    Policy("contests.organise", "A contest's settings, rounds, prizes, publication, exports and participants' "
           "data: admins and the contest's organisers.", ("organizer", "admin"), "contest",
           route=_holds("organizer"), object_rule=rules.can_organise),
    Policy("contests.take_part", "Register for a contest, start a round, hand in an entry.",
           SIGNED_IN, "own object", route=ROUTE_SIGNED_IN, object_rule=_own),
    Policy("contests.see_leaderboard", "A round's leaderboard: public, but empty while a round that hides results "
           "is open and the results are not published.", EVERYONE, "round state", route=ROUTE_PUBLIC,
           object_rule=rules.round_results_visible),
    Policy("contests.see_results", "Standings across rounds and the prize list: public once every round closed "
           "(units) or the results are published (prizes, awards); 404 before.", EVERYONE, "contest state",
           route=ROUTE_PUBLIC, object_rule=rules.contest_standings_visible),
    Policy("judging.score_entry", "Judge's pages: the entries assigned to the signed-in judge.",
           ("judge",), "own assignment", route=ROUTE_SIGNED_IN, object_rule=rules.can_see_entry),
    Policy("judging.see_entry", "An entry's files: its author, a judge it is assigned to, the contest's organisers.",
           ("learner", "judge", "organizer", "admin"), "own object / contest", route=ROUTE_SIGNED_IN,
           object_rule=rules.can_see_entry),
    Policy("quizzes.author", "Question banks (view, import, export, regrade) and course feedback: admins and "
           "holders of the global author role.", ("author", "admin"), "global",
           route=rules.can_author, object_rule=rules.can_author),
    Policy("courses.feedback_review", "Learners' feedback on lessons: authors and admins all of it, managers and "
           "teachers their own learners'.", ("author", "teacher", "manager", "admin"), "global / unit subtree",
           route=lambda grants: rules.can_author(grants) or rules.has_people_scope(grants)),
    Policy("quizzes.take", "Take a course quiz or practise: signed-in learners, on their own attempts.",
           SIGNED_IN, "own object", route=ROUTE_SIGNED_IN, object_rule=_own),
    Policy("admin", "Platform administration (audit log): admins only.", ("admin",), "global",
           route=_admin, object_rule=rules.is_admin),
]

POLICIES: dict[str, Policy] = {p.name: p for p in _TABLE}

#: Flask's own endpoints, which no view function of ours declares.
BUILTIN_ENDPOINTS = {"static": "public"}


def get(name: str) -> Policy:
    """The policy called ``name``; KeyError names it when it does not exist (a typo in a view
    is an import-time error, not an open door)."""
    try:
        return POLICIES[name]
    except KeyError:
        raise KeyError(f"no access policy called {name!r} (see lms/access/policy.py)") from None


def route_allows(policy: Policy, grants, signed_in: bool) -> bool:
    """The route part of ``policy`` for a viewer with ``grants`` (pure)."""
    if policy.route == ROUTE_PUBLIC:
        return True
    if policy.route == ROUTE_TOKEN:
        return True  # the API blueprint authenticates the token itself (reports.api)
    if not signed_in:
        return False
    if policy.route == ROUTE_SIGNED_IN:
        return True
    return bool(policy.route(grants))
