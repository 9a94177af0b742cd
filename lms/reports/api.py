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
import hashlib
from datetime import date, datetime
from itertools import islice

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from lms.audit.services import record_audit
from lms.core.timeutil import utcnow
from lms.courses.models import Course
from lms.extensions import csrf, db, limiter
from lms.orgs.models import Organization
from lms.reports import tokens
from lms.reports.rollup import children_rows
from lms.reports.services import AUDIENCES, ReportFilter, completion_rollup, completion_rows
from lms.reports.xapi import XAPI_VERSION, build_statements, record_from_row

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
    in the app's before_request), so it keys on a hash of the presented secret."""
    secret = _bearer()
    if not secret:
        return "api-anon:" + (request.remote_addr or "")
    return "api-token:" + hashlib.sha256(secret.encode()).hexdigest()[:24]


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT), key_func=_token_key,
              scope="api_v1_token")(bp)
limiter.limit(ADDRESS_RATE_LIMIT, scope="api_v1_address")(bp)


def _error(status: int, code: str, message: str):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _http_error(err: HTTPException):
    codes = {400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
             429: "rate_limited"}
    message = err.description if err.code == 400 else {
        401: "A valid API token is required (Authorization: Bearer <secret>).",
        404: "Not found.",
        405: "Method not allowed.",
        429: "Too many requests; slow down.",
    }.get(err.code, err.name)
    response = _error(err.code or 500, codes.get(err.code, "error"), message)
    if err.code == 429:
        retry = getattr(err, "retry_after", None)
        if retry:
            response.headers["Retry-After"] = str(retry)
    return response


# Registered per status code: the app's HTML error pages are registered per code too,
# and Flask prefers a code-specific handler over a class-based one.
for _status in (400, 401, 403, 404, 405, 429, 500):
    bp.register_error_handler(_status, _http_error)


@bp.before_request
def _authenticate():
    token = tokens.authenticate(_bearer())
    if token is None:
        db.session.rollback()
        return _error(401, "unauthorized", "A valid API token is required (Authorization: Bearer <secret>).")
    g.api_token = token
    g.no_store = True  # personal data may be in the body: no shared cache keeps it
    return None


@bp.after_request
def _no_cookie(response):
    """Machines get no session cookie, and the response varies with the token."""
    response.headers["Vary"] = "Authorization"
    return response


# --- helpers ---------------------------------------------------------------------------


def _audit(endpoint: str, org: Organization | None, **detail) -> None:
    token = g.api_token
    record_audit(token.owner, "api.read", target=token, org=org, endpoint=endpoint, token=token.prefix,
                 scope=org.code if org is not None else (token.org.code if token.org else "*"), **detail)


def _org(code: str) -> Organization:
    """The unit, if this token may read it; otherwise 404, the same for unknown codes."""
    org = db.session.scalar(select(Organization).where(Organization.code == code))
    if org is None or not org.active or not tokens.token_can_read(g.api_token, org):
        if org is not None:
            # An attempt outside the token's scope is worth a trace for the admins.
            record_audit(g.api_token.owner, "api.denied", target=g.api_token, endpoint=request.endpoint,
                         token=g.api_token.prefix, org_code=code)
        db.session.commit()
        abort(404)
    return org


def _date(name: str) -> date | None:
    value = (request.args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400, description=f"'{name}' must be a date as YYYY-MM-DD.")


def _filter() -> tuple[ReportFilter, dict]:
    """ReportFilter from the query string, and the same filter echoed back as JSON."""
    slug = (request.args.get("course") or "").strip() or None
    course_id = None
    if slug:
        course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
        if course_id is None:
            abort(400, description=f"No course has the slug '{slug}'.")
    audience = (request.args.get("audience") or "").strip() or None
    if audience is not None and audience not in AUDIENCES:
        abort(400, description="'audience' must be one of: " + ", ".join(AUDIENCES) + ".")
    since, until = _date("since"), _date("until")
    if since and until and since > until:
        abort(400, description="'since' must not be after 'until'.")
    echo = {"course": slug, "audience": audience,
            "since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    return ReportFilter(course_id=course_id, audience=audience, since=since, until=until), echo


def _page_args() -> tuple[int, int]:
    """(offset, limit) from ``cursor`` and ``limit``.  The cursor is opaque to clients;
    it encodes a position in the stable order of the rows (unit path, learner, course)."""
    raw_limit = request.args.get("limit", "")
    try:
        limit = int(raw_limit) if raw_limit else DEFAULT_LIMIT
    except ValueError:
        abort(400, description="'limit' must be a whole number.")
    if not 1 <= limit <= MAX_LIMIT:
        abort(400, description=f"'limit' must be between 1 and {MAX_LIMIT}.")
    cursor = request.args.get("cursor") or ""
    offset = 0
    if cursor:
        try:
            decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            kind, _, number = decoded.partition(":")
            offset = int(number)
            if kind != "o" or offset < 0:
                raise ValueError
        except (ValueError, binascii.Error, UnicodeDecodeError):
            abort(400, description="'cursor' is not valid; use the value returned by the previous page.")
    return offset, limit


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _page(iterator, offset: int, limit: int) -> tuple[list, str | None]:
    """One page of a stream plus the cursor of the next page (None on the last)."""
    items = list(islice(iterator, offset, offset + limit + 1))
    more = len(items) > limit
    return items[:limit], (_cursor(offset + limit) if more else None)


def _org_ref(org) -> dict:
    return {"code": org.code, "name": org.name, "kind": org.kind, "headcount": org.headcount}


def _vn_iso(moment: datetime | None) -> str | None:
    """Report rows carry Vietnam wall-clock times: say so with the offset."""
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "+07:00"


def _now_iso() -> str:
    return utcnow().replace(microsecond=0).isoformat() + "Z"


def _site() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


# --- endpoints -------------------------------------------------------------------------


@bp.get("/courses")
def courses():
    """The catalogue of active courses, so a dashboard can offer a course filter."""
    site = _site()
    rows = db.session.scalars(select(Course).where(Course.active.is_(True)).order_by(Course.slug)).all()
    payload = {"courses": [{
        "slug": c.slug, "title": c.title, "summary": c.summary, "audiences": c.audiences(),
        "language": c.language, "lessons": c.lesson_count, "estimated_minutes": c.estimated_minutes,
        "has_quiz": bool(c.quiz_slug), "pass_score": c.pass_score, "certificate": c.certificate,
        "version": c.version, "url": f"{site}/courses/{c.slug}",
    } for c in rows]}
    _audit("courses", g.api_token.org, count=len(rows))
    db.session.commit()
    return jsonify(payload)


@bp.get("/orgs/<code>/completion")
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
def completion_learner_rows(code: str):
    """Learner x course rows (personal data), paginated."""
    org = _org(code)
    flt, echo = _filter()
    offset, limit = _page_args()
    rows, next_cursor = _page(completion_rows(org, flt), offset, limit)
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
    _audit("completion.rows", org, filter=echo, offset=offset, rows=len(rows))
    db.session.commit()
    return jsonify(payload)


def course_xapi_info() -> dict[str, tuple[str, float | None]]:
    """slug -> (language, pass score or None when the course has no quiz)."""
    return {slug: (language, float(pass_score) if quiz_slug else None)
            for slug, language, pass_score, quiz_slug in db.session.execute(
                select(Course.slug, Course.language, Course.pass_score, Course.quiz_slug))}


@bp.get("/orgs/<code>/xapi")
def xapi(code: str):
    """xAPI statements of the unit's learners, as an xAPI StatementResult.

    ``limit`` counts learner x course records (each gives 0-4 statements), so a page
    never splits the statements of one record."""
    org = _org(code)
    flt, echo = _filter()
    offset, limit = _page_args()
    records, next_cursor = _page(completion_rows(org, flt), offset, limit)
    info = course_xapi_info()
    site = _site()
    statements = [s for row in records for s in build_statements(record_from_row(row, info), site)]
    more = ""
    if next_cursor:
        args = {k: v for k, v in request.args.items() if k not in ("cursor", "limit")}
        more = url_for(".xapi", code=org.code, cursor=next_cursor, limit=limit, **args)
    _audit("xapi", org, filter=echo, offset=offset, statements=len(statements))
    db.session.commit()
    response = jsonify({"statements": statements, "more": more})
    response.headers["X-Experience-API-Version"] = XAPI_VERSION
    return response
