"""Wiring of configuration, extensions, security headers and i18n onto an app."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from lms.extensions import babel, cache, csrf, db, limiter, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def configure(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _sweep_private_tmp(app)
    _configure_secret_key(app)
    _configure_database_url(app)
    _configure_stores(app)
    configure_public_address(app)
    # Every <int:...> in a URL is a database id: one past PostgreSQL's integer (or SQLite's
    # 64-bit) range made the lookup itself fail with a 500 before any access check ran.
    app.url_map.converters["int"] = DbIdConverter

    if app.config.get("PROXY_COUNT"):
        # Behind nginx or a load balancer: trust that many X-Forwarded-* hops, so rate limits
        # and the audit log see the client's address and HTTPS is recognised.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    csrf.init_app(app)
    # Flask-Limiter defaults RATELIMIT_ENABLED to the shared extension's last state, so one
    # app built with limits off would switch them off for every later app in the process.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    cache.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])

    from lms.core import i18n

    i18n.compile_catalogs_if_stale()
    i18n.use_catalog_for_form_messages()
    app.jinja_env.globals["LANGUAGES"] = app.config["LANGUAGES"]
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())
    # Templates may still pass v=asset_version; lms.core.static_files replaces it with the file's hash.
    app.jinja_env.globals["asset_version"] = ""
    app.jinja_env.filters["label"] = i18n.label  # {{ org.kind|label("org_kind") }}: no raw codes on pages
    app.after_request(set_security_headers)
    from lms.core.static_files import configure_static

    configure_static(app)
    app.before_request(_before_request)
    from lms.core.safety import refuse_nul_bytes

    app.before_request(refuse_nul_bytes)

    from lms.core.nav import nav_items

    app.jinja_env.globals["nav_items"] = lambda: nav_items(current_user)

    from lms.core.views import register_error_pages

    register_error_pages(app)
    login_manager.user_loader(_load_user)
    # Models must be imported so that metadata (and Alembic) see every table.
    import lms.models  # noqa: F401


def _sweep_private_tmp(app: Flask) -> None:
    """Export temp files a killed worker left behind (older than a day) are removed at
    every start, web or CLI (lms.core.files)."""
    from lms.core.files import private_tmp_dir, sweep_private_tmp

    private_tmp_dir(app.instance_path)
    removed = sweep_private_tmp(app.instance_path)
    if removed:
        app.logger.warning("Removed %d stale export temp file(s) from %s", removed, private_tmp_dir(app.instance_path))


def _configure_secret_key(app: Flask) -> None:
    """Without LMS_SECRET_KEY, generate one key into the instance folder, once, so that
    every worker and every restart signs sessions with the same key."""
    if app.config.get("SECRET_KEY"):
        return
    path = Path(app.instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if not key:  # another worker is writing it right now
        import time

        time.sleep(0.2)
        key = path.read_text().strip()
    app.config["SECRET_KEY"] = key


class DbIdConverter(IntegerConverter):
    """``<int:...>`` bounded to what an id column holds (0..2**31-1, PostgreSQL ``integer``;
    lms.core.numbers.DB_INT_MAX): a larger number matches no route, so the answer is the
    ordinary 404, as for an id that does not exist."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        from lms.core.numbers import DB_INT_MAX

        super().__init__(map, fixed_digits=fixed_digits, min=min, max=DB_INT_MAX if max is None else max,
                         signed=signed)


def configure_public_address(app: Flask) -> None:
    """Production needs LMS_PUBLIC_BASE_URL and answers only to its host (plus
    EXTRA_TRUSTED_HOSTS): Flask's TRUSTED_HOSTS then answers 400 to a forged ``Host`` header
    before any view runs (OWASP WSTG-INPV-17, Host header injection).

    Raises RuntimeError, naming the setting, when production has no usable public address."""
    from lms.core.urls import public_base_url, public_host, public_url, public_url_for

    # Templates print addresses to be copied or scanned through the same helpers.
    app.jinja_env.globals.update(public_url_for=public_url_for, public_url=public_url,
                           public_base_url=public_base_url)
    base = app.config.get("PUBLIC_BASE_URL")
    if not app.config.get("PRODUCTION"):
        return
    if not base:
        raise RuntimeError(
            "LMS_PUBLIC_BASE_URL is not set. In production every printed or signed address (certificate "
            "QR codes, badges, /issuer, login slips) is built from it, never from the request's Host header. "
            "Set it to the site's public address, e.g. LMS_PUBLIC_BASE_URL=https://hoc.example.gov.vn")
    try:
        host = public_host(base)
    except ValueError:
        raise RuntimeError(f"LMS_PUBLIC_BASE_URL={base!r} is not an absolute http(s) address, "
                           "e.g. https://hoc.example.gov.vn") from None
    extra = app.config.get("EXTRA_TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    hosts = [host] + [h.strip() for h in extra if h.strip() and h.strip() != host]
    if app.config.get("TRUSTED_HOSTS") is None:
        app.config["TRUSTED_HOSTS"] = hosts


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgresql://`` spelling and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _configure_database_url(app: Flask) -> None:
    url = app.config.get("DATABASE_URL") or app.config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + str(Path(app.instance_path) / "lms.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)


def _configure_stores(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url)
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
        app.config.setdefault("CACHE_KEY_PREFIX", "lms:")
    else:
        app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 300)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - driver hook
    """Foreign keys on, and WAL so readers never block the writer under gunicorn."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
        return current_user.locale
    lang = session.get("lang")
    if lang in languages:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if getattr(g, "no_store", False) or "_user_id" in session:
        # Pages with personal data must not sit in a shared phone's or proxy's cache.
        headers.setdefault("Cache-Control", "no-store")
    return response


_USER_BY_ID = None


def _load_user(user_id: str):
    """The signed-in person from the session's "<id>:<session token>" (User.get_id), or None
    when the token no longer matches: logout, a password change or reset, deactivation and
    "sign out everywhere" replace it, which ends every older cookie (OWASP ASVS V3.3)."""
    global _USER_BY_ID
    import hmac

    from sqlalchemy import bindparam, select

    from lms.auth.models import User

    number, _, token = str(user_id).partition(":")
    if not number.isdigit() or not token:
        return None
    # The person alone, by primary key, paid on every request: their unit and roles load
    # when a page first asks for them, and the busiest calls (quiz autosave and submit) never
    # do. The statement is built once; Session.get would build it (and its cache key) each time.
    if _USER_BY_ID is None:
        _USER_BY_ID = select(User).where(User.id == bindparam("user_id"))
    user = db.session.execute(_USER_BY_ID, {"user_id": int(number)}).scalar_one_or_none()
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


# Endpoints reachable while a one-time code must still be replaced.
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static", "core.set_language", "core.healthz"}


def _before_request():
    from flask import redirect, url_for

    from lms.audit.services import current_ip

    current_ip.set(request.remote_addr)
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _PASSWORD_CHANGE_ALLOWED
    ):
        return redirect(url_for("auth.change_password"))
    return None
