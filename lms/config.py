"""Configuration classes.

Values come, in increasing priority, from a class below, from ``instance/config.py``
and from ``LMS_*`` environment variables (``LMS_DATABASE_URL``, ``LMS_SECRET_KEY``,
``LMS_REDIS_URL``, ``LMS_SESSION_COOKIE_SECURE=true`` ...), so that an operator never
edits code to deploy.
"""

from __future__ import annotations

from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY: str | None = None
    # Filled from LMS_DATABASE_URL or defaults to a SQLite file in the instance folder.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Redis gives a shared store for rate limits and cache across app servers.
    REDIS_URL: str | None = None

    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    # A learner on a slow phone may leave a form open for a long time; the token is
    # bound to the session, which is enough protection.
    WTF_CSRF_TIME_LIMIT = None

    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default: scrypt N=32768, r=8, p=1
    # One-time codes are random and short-lived, so a cheaper KDF setting is enough
    # and lets a teacher print login slips for a whole school in one request.
    ONE_TIME_CODE_HASH_METHOD = "scrypt:4096:8:1"
    ONE_TIME_CODE_DAYS = 14
    PASSWORD_MIN_LENGTH = 8

    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    REGISTER_RATE_LIMIT = "10 per hour"
    RATELIMIT_HEADERS_ENABLED = True

    COURSES_DIR = str(_ROOT / "courses")
    QUIZZES_DIR = str(_ROOT / "quizzes")

    # Number of reverse proxies in front of the app (0: none); see docs/operator-guide.md.
    PROXY_COUNT = 0
    # The site's public address, e.g. https://hoc.dichvucong.example.vn: every absolute address
    # (QR codes, badges, /issuer, login slips, xAPI ids) is built from it, never from the
    # request's Host header (lms.core.urls). Required in production.
    PUBLIC_BASE_URL: str | None = None
    # Encrypts the certificate signing keys stored in the database (lms.certificates.keys);
    # SECRET_KEY when unset. Keep it when rotating SECRET_KEY.
    CERTIFICATE_KEY_SECRET: str | None = None
    # Production only: more host names the app answers to besides PUBLIC_BASE_URL's, comma
    # separated (e.g. a load balancer probing /healthz at 10.0.0.5). Becomes Flask's TRUSTED_HOSTS.
    EXTRA_TRUSTED_HOSTS: str | list[str] = ""
    # Production refuses demo data and requires PUBLIC_BASE_URL (see docs/operator-guide.md).
    PRODUCTION = False

    # One request (a form with its files); over it the answer is a 413 page naming it.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    ROSTER_MAX_ROWS = 200_000
    QUIZ_IMPORT_MAX_QUESTIONS = 10_000
    # Bounds of every uploaded file a parser reads (roster, question banks, units), web
    # and CLI alike: see lms.core.uploads.UploadLimits and docs/operator-guide.md.
    UPLOAD_MAX_FILE_BYTES = 20 * 1024 * 1024
    UPLOAD_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
    UPLOAD_MAX_RATIO = 100
    UPLOAD_MAX_MEMBERS = 1000
    UPLOAD_MAX_ROWS = 250_000
    UPLOAD_MAX_COLUMNS = 100
    UPLOAD_MAX_CELL_CHARS = 32_767
    UPLOAD_MAX_SHARED_STRINGS = 300_000
    UPLOAD_MAX_SHARED_STRINGS_BYTES = 50 * 1024 * 1024
    UPLOAD_MAX_LINES = 250_000
    UPLOAD_MAX_LINE_CHARS = 100_000
    UPLOAD_MAX_SECONDS = 60
    # Checking an uploaded certificate PDF (/verify, lms verify-certificate) runs in a child
    # process killed past this wall time (seconds) or address space (MB): lms.certificates.sandbox.
    CERTIFICATE_VERIFY_TIMEOUT = 10
    CERTIFICATE_VERIFY_MEMORY_MB = 768
    PAGE_SIZE = 50
    # Names of lesson languages not built in (lms.courses.languages), e.g. set in
    # instance/config.py: CONTENT_LANGUAGE_NAMES = {"pcc": "Tiếng Giáy"}.
    CONTENT_LANGUAGE_NAMES: dict = {}

    # Outgoing email (lms.core.mail): off while MAIL_SERVER is unset.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SECURITY = ""  # "", "starttls" or "ssl"
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "no-reply@localhost"
    MAIL_TIMEOUT = 10


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    TESTING = True
    # Cheap hashes keep the suite fast; production always uses the default above.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    ONE_TIME_CODE_HASH_METHOD = "scrypt:1024:8:1"
    SECRET_KEY = "testing-secret-key"


class ProductionConfig(Config):
    PRODUCTION = True
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
