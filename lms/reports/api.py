"""JSON API for provincial dashboards (/api/v1), authenticated by organisation API tokens.

Machines call it with ``Authorization: Bearer <secret>``; no cookie is read, so the
blueprint is exempt from CSRF.  Scope follows the web pages: a unit outside the
token's subtree answers 404 exactly like an unknown code, so a token of one school
cannot even learn that another school exists.  Every read is audit-logged under the
token's owner.  The contract is docs/openapi.yaml; tests check real responses
against it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.access.web import requires
from lms.audit.services import record_audit
from lms.auth.models import User
from lms.core.i18n import register_labels
from lms.core.timeutil import FIRST_DAY, LAST_DAY, parse_day, utcnow
from lms.core.urls import public_url_for
from lms.core.views import api_error
from lms.courses.models import Course
from lms.extensions import csrf, db, limiter
from lms.orgs.models import Organization
from lms.orgs.services import is_within, subtree_clause
from lms.reports import tokens
from lms.reports.rollup import children_rows
from lms.reports.services import (
    AUDIENCES,
    PATH_SEPARATOR,
    CompletionRow,
    ReportFilter,
    completion_rollup,
    completion_rows,
)
from lms.reports.xapi import XAPI_VERSION, build_statements, course_xapi_info, record_from_row

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
DEFAULT_RATE_LIMIT = "120 per minute;5000 per hour"
# Per client address as well, so rotating made-up tokens does not escape limiting.
ADDRESS_RATE_LIMIT = "600 per minute"


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _token_key() -> str:
    """Rate-limit bucket per token.  Runs before authentication (Flask-Limiter checks
    in the app's before_request), so it keys on the fingerprint of the presented secret."""
    secret = _bearer()
    if not secret:
        return "api-anon:" + (request.remote_addr or "")
    return "api-token:" + tokens.hash_secret(secret)[:24]


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT), key_func=_token_key,
              scope="api_v1_token")(bp)
limiter.limit(ADDRESS_RATE_LIMIT, scope="api_v1_address")(bp)

# Errors (400, 404, 405, 429, 500, and routing errors on unknown /api/ paths) are
# answered as {"error", "message"} JSON by the app's shared handlers (lms.core.views).


@bp.before_request
def _authenticate():
    found = tokens.authenticate_scoped(_bearer())
    if found is None:
        db.session.rollback()
        return api_error(401)
    # The scope is worked out once per request: every check below reads g.api_scope.
    g.api_token, g.api_scope = found
    g.no_store = True  # personal data may be in the body: no shared cache keeps it
    return None


@bp.after_request
def _no_cookie(response):
    """Machines get no session cookie, and the response varies with the token."""
    response.vary.add("Authorization")
    return response


# --- helpers ---------------------------------------------------------------------------


# What each call read, as the audit log names it (``endpoint`` of api.read, and the Flask
# endpoint of api.denied).
API_ENDPOINT_LABELS = register_labels("api_endpoint", {
    "courses": _l("list of courses"), "completion": _l("completion by unit"),
    "completion.rows": _l("completion, one row per learner"), "xapi": _l("learning records (xAPI)"),
    "api_v1.courses": _l("list of courses"), "api_v1.completion": _l("completion by unit"),
    "api_v1.completion_learner_rows": _l("completion, one row per learner"),
    "api_v1.xapi": _l("learning records (xAPI)")})


def _audit(endpoint: str, org: Organization | None, **detail) -> None:
    token = g.api_token
    record_audit(token.owner, "api.read", target=token, org=org, endpoint=endpoint, token=token.prefix,
                 scope=org.code if org is not None else (token.org.code if token.org else "*"), **detail)


def _org(code: str) -> Organization:
    """The unit, if this token may read it; otherwise 404, the same for unknown codes."""
    org = db.session.scalar(select(Organization).where(Organization.code == code))
    if org is None or not org.active or not tokens.token_can_read(g.api_token, org, g.api_scope):
        if org is not None:
            # An attempt outside the token's scope is worth a trace for the admins.
            record_audit(g.api_token.owner, "api.denied", target=g.api_token, endpoint=request.endpoint,
                         token=g.api_token.prefix, org_code=code)
        db.session.commit()
        abort(404)
    return org


def _arg(name: str) -> str | None:
    """A query parameter, None when absent or empty.  Surrounding spaces are trimmed,
    but a value that was nothing *but* whitespace or control characters stays a (blank)
    value, so the check that follows refuses it with 400 instead of reading it as "no
    filter" (docs/api.md: a malformed parameter answers 400)."""
    value = request.args.get(name)
    return value.strip() if value else None


def _date(name: str) -> date | None:
    value = _arg(name)
    if value is None:
        return None
    try:
        return parse_day(value)
    except ValueError:
        abort(400, description=f"'{name}' must be a date as YYYY-MM-DD between {FIRST_DAY.isoformat()} "
                               f"and {LAST_DAY.isoformat()}.")


def _filter() -> tuple[ReportFilter, dict]:
    """ReportFilter from the query string, and the same filter echoed back as JSON."""
    slug = _arg("course")
    course_id = None
    if slug is not None:
        course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
        if course_id is None:
            abort(400, description=f"No course has the slug '{slug}'.")
    audience = _arg("audience")
    if audience is not None and audience not in AUDIENCES:
        abort(400, description="'audience' must be one of: " + ", ".join(AUDIENCES) + ".")
    since, until = _date("since"), _date("until")
    if since and until and since > until:
        abort(400, description="'since' must not be after 'until'.")
    echo = {"course": slug, "audience": audience,
            "since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    return ReportFilter(course_id=course_id, audience=audience, since=since, until=until), echo


# --- pagination ------------------------------------------------------------------------
#
# Rows stream in the order of services.completion_rows: unit path, then learner id, then
# that learner's courses.  A cursor is a position in that order - the last row's unit
# path, its learner, and which of that learner's courses were already sent - so the
# next page starts right after it however many rows were added or removed elsewhere,
# and without streaming the rows before it again (see _rows_after).

_PATH_RE = re.compile(r"^(/[0-9]+)+/$")
_BAD_CURSOR = "'cursor' is not valid; use the value returned by the previous page."
_STALE_CURSOR = "'cursor' is no longer valid because the units changed; start again without it."


@dataclass(frozen=True)
class _Position:
    path: str  # materialised path of the last row's unit
    user_id: int  # the last row's learner
    sent: frozenset[str] | None  # that learner's course slugs already sent; None = all of them


def _page_args() -> tuple[_Position | int | None, int]:
    """(position, limit) from ``cursor`` and ``limit``.  The cursor is opaque to clients.
    An int position is a cursor of the earlier offset format ("o:<n>"), still honoured
    so that a client paging through an upgrade does not fail."""
    raw_limit = request.args.get("limit", "")
    try:
        limit = int(raw_limit) if raw_limit else DEFAULT_LIMIT
    except ValueError:
        abort(400, description="'limit' must be a whole number.")
    if not 1 <= limit <= MAX_LIMIT:
        abort(400, description=f"'limit' must be between 1 and {MAX_LIMIT}.")
    cursor = request.args.get("cursor") or ""
    if not cursor:
        return None, limit
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, rest = decoded.partition(":")
        if kind == "o":
            offset = int(rest)
            if offset < 0:
                raise ValueError
            return offset, limit
        if kind != "k":
            raise ValueError
        path, user_id, sent = json.loads(rest)
        if not isinstance(path, str) or not _PATH_RE.match(path) or type(user_id) is not int:
            raise ValueError
        if sent is not None and not (isinstance(sent, list) and all(isinstance(s, str) for s in sent)):
            raise ValueError
        return _Position(path, user_id, None if sent is None else frozenset(sent)), limit
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        abort(400, description=_BAD_CURSOR)


def _encode(position: _Position) -> str:
    sent = None if position.sent is None else sorted(position.sent)
    text = "k:" + json.dumps([position.path, position.user_id, sent], separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _rows_from(root: Organization, flt: ReportFilter, position: _Position | int | None) -> Iterator[CompletionRow]:
    if position is None:
        return completion_rows(root, flt)
    if isinstance(position, int):
        return islice(completion_rows(root, flt), position, None)
    return _rows_after(root, flt, position)


def _rows_after(root: Organization, flt: ReportFilter, position: _Position) -> Iterator[CompletionRow]:
    """The rows of ``completion_rows(root, flt)`` that come after ``position``.

    The stream is ordered by unit path and a subtree is a contiguous range of paths, so
    what follows unit P is: the rest of P's own learners, P's sub-units, then the
    subtrees of the later siblings of P, of P's parent, ... up to the root's children.
    Each of those is streamed on its own (``completion_rows`` of that unit gives exactly
    its part of the root's stream), lazily, so a page reads only the units it needs.
    Only the unit paths in the stream are relative to the unit streamed; they are
    prefixed with the names from the root down to make them the root's again.
    """
    if not is_within(position.path, root.path):
        abort(400, description=_BAD_CURSOR)
    ids = position.path.strip("/").split("/")
    depth = root.path.count("/") - 1
    prefixes = ["/" + "/".join(ids[:d]) + "/" for d in range(depth, len(ids) + 1)]
    found = {org.path: org for org in db.session.scalars(
        select(Organization).where(Organization.path.in_(prefixes), subtree_clause(root.path)))}
    if len(found) != len(prefixes):
        abort(400, description=_STALE_CURSOR)  # a unit on the way was moved since
    chain = [found[path] for path in prefixes]  # the root ... the cursor's unit
    names = [chain[0].name]
    for node in chain[1:]:
        # Inactive units are merged ones, which have no sub-units left.
        names.append(names[-1] + PATH_SEPARATOR + node.name)
    return _chain_rows(flt, position, chain, names)


def _chain_rows(flt, position: _Position, chain: list[Organization], names: list[str]) -> Iterator[CompletionRow]:
    unit = chain[-1]
    user_ids: dict[str, int] | None = None
    prefix = names[-2] + PATH_SEPARATOR if len(chain) > 1 else ""
    for row in completion_rows(unit, flt):
        if row.org_code == unit.code:  # the unit's own learners come first, by id
            if user_ids is None:
                user_ids = dict(db.session.execute(select(User.username, User.id).where(User.org_id == unit.id)).all())
            user_id = user_ids.get(row.username, 0)
            if user_id < position.user_id or (user_id == position.user_id and (
                    position.sent is None or row.course_slug in position.sent)):
                continue
        yield row._replace(org_path_names=prefix + row.org_path_names) if prefix else row
    for level in range(len(chain) - 1, 0, -1):
        parent, node = chain[level - 1], chain[level]
        prefix = names[level - 1] + PATH_SEPARATOR
        siblings = db.session.scalars(
            select(Organization).where(Organization.parent_id == parent.id, subtree_clause(parent.path),
                                       Organization.path > node.path).order_by(Organization.path)).all()
        for sibling in siblings:
            for row in completion_rows(sibling, flt):
                yield row._replace(org_path_names=prefix + row.org_path_names)


def _page(root: Organization, flt: ReportFilter, position: _Position | int | None,
          limit: int) -> tuple[list[CompletionRow], str | None]:
    """One page of rows plus the cursor of the next page (None on the last)."""
    items = list(islice(_rows_from(root, flt, position), limit + 1))
    if len(items) <= limit:
        return items, None
    page, following = items[:limit], items[limit]
    last = page[-1]
    path = db.session.scalar(select(Organization.path).where(Organization.code == last.org_code))
    user_id = db.session.scalar(select(User.id).where(User.username == last.username))
    sent: frozenset[str] | None = None
    if (following.org_code, following.username) == (last.org_code, last.username):
        # The page ends inside this learner's rows: remember which were sent.
        run = [row.course_slug for row in page
               if (row.org_code, row.username) == (last.org_code, last.username)]
        sent = frozenset(run)
        if (isinstance(position, _Position) and position.sent is not None
                and (position.path, position.user_id) == (path, user_id)):
            sent |= position.sent
    return page, _encode(_Position(path, user_id, sent))


def _org_ref(org) -> dict:
    return {"code": org.code, "name": org.name, "kind": org.kind, "headcount": org.headcount}


def _vn_iso(moment: datetime | None) -> str | None:
    """Report rows carry Vietnam wall-clock times: say so with the offset."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "+07:00"


def _now_iso() -> str:
    return utcnow().replace(microsecond=0).isoformat() + "Z"


# --- endpoints -------------------------------------------------------------------------


@bp.get("/courses")
@requires("api.token")
def courses():
    """The catalogue of active courses, so a dashboard can offer a course filter."""
    rows = db.session.scalars(select(Course).where(Course.active.is_(True)).order_by(Course.slug)).all()
    payload = {"courses": [{
        "slug": c.slug, "title": c.title, "summary": c.summary, "audiences": c.audiences(),
        "language": c.language, "lessons": c.lesson_count, "estimated_minutes": c.estimated_minutes,
        "has_quiz": bool(c.quiz_slug), "pass_score": c.pass_score, "certificate": c.certificate,
        "version": c.version, "url": public_url_for("courses.course", course_slug=c.slug),
    } for c in rows]}
    _audit("courses", g.api_token.org, count=len(rows))
    db.session.commit()
    return jsonify(payload)


@bp.get("/orgs/<code>/completion")
@requires("api.token")
def completion(code: str):
    """Rolled-up totals of the unit and of each direct sub-unit."""
    org = _org(code)
    flt, echo = _filter()
    nodes, rolled = completion_rollup(org, flt)
    payload = {
        "org": _org_ref(org),
        "filter": echo,
        "totals": rolled[org.id].to_dict(),
        "children": [{"org": _org_ref(node), "totals": totals.to_dict()}
                     for node, totals in children_rows(nodes, rolled, org.id)],
        "generated_at": _now_iso(),
    }
    _audit("completion", org, filter=echo)
    db.session.commit()
    return jsonify(payload)


@bp.get("/orgs/<code>/completion/rows")
@requires("api.token")
def completion_learner_rows(code: str):
    """Learner x course rows (personal data), paginated."""
    org = _org(code)
    flt, echo = _filter()
    position, limit = _page_args()
    rows, next_cursor = _page(org, flt, position, limit)
    payload = {
        "org": _org_ref(org),
        "filter": echo,
        "rows": [{
            "org_code": r.org_code, "org_name": r.org_name, "org_path": r.org_path_names,
            "username": r.username, "full_name": r.full_name,
            "course": r.course_slug, "course_title": r.course_title,
            "assigned": r.assigned, "due_on": r.due_on.isoformat() if r.due_on else None,
            "enrolled_at": _vn_iso(r.enrolled_at), "lessons_read": r.lessons_read,
            "lessons_total": r.lessons_total, "completed_at": _vn_iso(r.completed_at),
            "score": r.score, "certificate_serial": r.certificate_serial, "overdue": r.overdue,
        } for r in rows],
        "next_cursor": next_cursor,
    }
    _audit("completion.rows", org, filter=echo, cursor=request.args.get("cursor") or None, rows=len(rows))
    db.session.commit()
    return jsonify(payload)


@bp.get("/orgs/<code>/xapi")
@requires("api.token")
def xapi(code: str):
    """xAPI statements of the unit's learners, as an xAPI StatementResult.

    ``limit`` counts learner x course records (each gives 0-4 statements), so a page
    never splits the statements of one record.  The site address in every statement
    (and so in its id) is PUBLIC_BASE_URL, as for ``lms export-xapi``: never the Host
    header a client sent, which would give the same statement other ids."""
    site = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not site:
        return api_error(503, "xAPI statements need the site's public address: the operator must set "
                              "LMS_PUBLIC_BASE_URL.", code="not_configured")
    org = _org(code)
    flt, echo = _filter()
    position, limit = _page_args()
    records, next_cursor = _page(org, flt, position, limit)
    info = course_xapi_info()
    statements = [s for row in records for s in build_statements(record_from_row(row, info), site)]
    more = ""
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
        more = url_for(".xapi", code=org.code, cursor=next_cursor, limit=limit, **args)
    _audit("xapi", org, filter=echo, cursor=request.args.get("cursor") or None, statements=len(statements))
    db.session.commit()
    response = jsonify({"statements": statements, "more": more})
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return response
