"""Home page, language switch, health check and error pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text

from lms.access.web import requires
from lms.core.safety import safe_next_url
from lms.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
@requires("public")
def home():
    """Visitors: what the platform is. Signed-in people: their courses, next steps, results,
    certificates and contests (``lms.learner.services.learner_home``), and for staff their
    management pages too."""
    learning = None
    if current_user.is_authenticated:
        # Imported here: the learner area builds on every domain area, and the core does not.
        from lms.learner.services import learner_home

        learning = learner_home(current_user)
    return render_template("core/home.html", learning=learning)


@bp.post("/lang")
@requires("public")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("core.home"))


@bp.get("/healthz")
@requires("public")
def healthz():
    """For load balancers and monitoring: 200 ``{"status": "ok", "database": "ok"[, "redis": "ok"]}``
    when the database (and Redis, when configured) can be written; 503 with the same keys saying
    what failed (``unreachable``, ``read-only``) when not.

    Answering a read alone says OK while a read-only database (a failed-over replica,
    ``default_transaction_read_only``, a read-only file) refuses every sign-in and answer, so
    the probe writes: it updates the Alembic version row to itself and rolls back, which a
    read-only database refuses and which leaves nothing behind."""
    result = {"status": "ok", "database": _database_health()}
    if current_app.config.get("REDIS_URL"):
        result["redis"] = _redis_health(current_app.config["REDIS_URL"])
    healthy = all(value == "ok" for key, value in result.items() if key != "status")
    if not healthy:
        result["status"] = "error"
    return jsonify(result), 200 if healthy else 503


def _database_health() -> str:
    """``ok``, ``read-only`` (reads work, the test write is refused) or ``unreachable``."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # any driver error means "not reachable" to a probe
        db.session.rollback()
        return "unreachable"
    try:
        db.session.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except SQLAlchemyError:
        return "read-only"
    finally:
        db.session.rollback()
    return "ok"


def _redis_health(url: str) -> str:
    """``ok`` when Redis accepts a short-lived write (a read-only replica or a full memory
    refuses it), ``unreachable`` otherwise."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.set("lms:healthz", "1", ex=60)
        finally:
            client.close()
    except redis.RedisError:
        return "unreachable"
    return "ok"


# Machine-readable answers of /api/ paths: {"error": code, "message": text}, the shape
# docs/openapi.yaml calls Error.  English, like the rest of the API contract.
API_ERRORS = {
    400: ("bad_request", "The request is malformed."),
    401: ("unauthorized", "A valid API token is required (Authorization: Bearer <secret>)."),
    403: ("forbidden", "Not allowed."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "Method not allowed."),
    413: ("too_large", "The request body is larger than the server accepts."),
    429: ("rate_limited", "Too many requests; slow down."),
    500: ("error", "Something went wrong; the error was recorded."),
}


def api_error(status: int, message: str | None = None, code: str | None = None):
    """A JSON error response for the API; ``message`` defaults to the status's own."""
    default_code, default_message = API_ERRORS.get(status, ("error", "Error."))
    response = jsonify({"error": code or default_code, "message": message or default_message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _explicit_description(error) -> str | None:
    """The description a view passed to ``abort(..., description=...)``, if any (not the
    HTTP exception's generic text)."""
    description = getattr(error, "description", None)
    if description and description != getattr(type(error), "description", None):
        return str(description)
    return None


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error_page(code: int, title, message):
    def handler(error):
        if request.path.startswith("/api/"):
            # Only a 400's description is for the client (which parameter is wrong);
            # other statuses keep their fixed text, so a 404 says the same for an
            # unknown unit and for one outside the token's scope.
            response = api_error(code, _explicit_description(error) if code == 400 else None)
            retry = getattr(error, "retry_after", None) if code == 429 else None
            if retry:
                response.headers["Retry-After"] = str(retry)
            return response
        if _wants_json():
            return jsonify({"error": API_ERRORS.get(code, ("error", ""))[0], "message": str(message)}), code
        return render_template("core/error.html", code=code, title=title, message=message), code

    return handler


def _untrusted_host(error):
    """A ``Host`` header outside TRUSTED_HOSTS (production): plain text, since no address of
    this site can be built for a request to an unknown host."""
    from flask_babel import gettext as _

    return (_("Bad request: this site does not answer to that host name."), 400,
            {"Content-Type": "text/plain; charset=utf-8"})


def _too_large(error):
    """413: the request is over ``MAX_CONTENT_LENGTH`` (werkzeug stops reading it); the
    page names the limit so that the person knows what to change."""
    from flask import current_app
    from flask_babel import gettext, lazy_gettext

    limit = int(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
    message = gettext("The file or form you sent is larger than %(n)d MB, the most one request may carry. "
                      "Choose a smaller file, or split it into several files.", n=limit)
    return _error_page(413, lazy_gettext("File too large"), message)(error)


def register_error_pages(app) -> None:
    from flask_babel import lazy_gettext as _l
    from flask_wtf.csrf import CSRFError
    from werkzeug.exceptions import SecurityError

    app.register_error_handler(400, _error_page(400, _l("Bad request"), _l("The request could not be understood.")))
    app.register_error_handler(401, _error_page(401, _l("Sign-in required"), _l("Sign in to see this page.")))
    app.register_error_handler(403, _error_page(403, _l("Not allowed"), _l("You do not have access to this page.")))
    app.register_error_handler(404, _error_page(404, _l("Page not found"), _l("This page does not exist or you do not have access to it.")))
    app.register_error_handler(
        405, _error_page(405, _l("Not allowed here"), _l("This address does not accept this kind of request."))
    )
    app.register_error_handler(413, _too_large)
    app.register_error_handler(
        429, _error_page(429, _l("Too many attempts"), _l("Please wait a moment before trying again."))
    )
    app.register_error_handler(
        CSRFError,
        lambda e: (
            render_template(
                "core/error.html", code=400, title=_l("The form expired"),
                message=_l("The page was open too long or was sent from elsewhere. Go back, reload the page and try again."),
            ),
            400,
        ),
    )
    app.register_error_handler(SecurityError, _untrusted_host)
    app.register_error_handler(
        500, _error_page(500, _l("Something went wrong"), _l("The error was recorded. Please try again later."))
    )
