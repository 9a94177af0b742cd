"""One fixture builds an app on a fresh database: a copy of a migrated SQLite template,
or, when LMS_DATABASE_URL is set (CI's second pass), the PostgreSQL schema truncated
after each test."""

from __future__ import annotations

import os
import re
import shutil
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import inspect, text

from lms import create_app
from lms.extensions import db

PG_URL = os.environ.get("LMS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SERVER_URL = os.environ.get("LMS_DATABASE_URL")
PASSWORD = "correct-horse-42"


def _migrate(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def _reset_server_schema(app) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            for table in inspect(conn).get_table_names():
                conn.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    _migrate(app)


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    """Run the migrations once per session: the suite tests them on every run."""
    base = tmp_path_factory.mktemp("template")
    if SERVER_URL:
        app = create_app({"DATABASE_URL": SERVER_URL}, instance_path=str(base))
        _reset_server_schema(app)
        return None
    path = base / "template.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}"}, instance_path=str(base))
    _migrate(app)
    with app.app_context():
        with db.engine.connect() as conn:  # fold the WAL into the file before it is copied
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    return path


class FreshContextClient(FlaskClient):
    """Each request gets its own app context (own ``g`` and db session), as in production,
    even though the test itself holds one open to use the database directly."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_test_app(template, tmp_path, **overrides):
    if template is None:
        url = SERVER_URL
    else:
        db_path = tmp_path / "lms.sqlite3"
        shutil.copy(template, db_path)
        url = f"sqlite:///{db_path}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, **_testing_overrides(), **overrides},
                     instance_path=str(tmp_path))
    app.test_client_class = FreshContextClient
    return app


def _testing_overrides() -> dict:
    from lms.config import TestingConfig

    return {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}


def truncate_all(app) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(_template, tmp_path):
    app = make_test_app(_template, tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
    if _template is None:
        truncate_all(app)


@pytest.fixture
def client(app):
    return app.test_client()


def require_pg() -> str:
    """PG_URL when the server answers; otherwise the test is skipped (failed under CI)."""
    import psycopg

    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL at {PG_URL}: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {exc}")
    return PG_URL


@pytest.fixture
def pg_url():
    """The PostgreSQL server for tests that must run on it whatever the main database is."""
    return require_pg()


@pytest.fixture
def pg_app(pg_url, tmp_path):
    """An app on a fresh PostgreSQL database of its own, migrated, dropped afterwards."""
    import uuid

    import psycopg

    name = f"lms_pg_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    app = create_app({"TESTING": True, "DATABASE_URL": url, **_testing_overrides()}, instance_path=str(tmp_path))
    app.test_client_class = FreshContextClient
    try:
        _migrate(app)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["main", "postgres"])
def any_db_app(request):
    """The test's app on the main database, then on PostgreSQL: for guarantees that must
    hold on both (concurrency, locking)."""
    if request.param == "main":
        return request.getfixturevalue("app")
    if SERVER_URL:
        pytest.skip("the main database is already PostgreSQL in this run")
    return request.getfixturevalue("pg_app")


# --- factories and helpers ----------------------------------------------------------


@pytest.fixture
def make_org():
    """Factories work on whichever app the test runs (see any_db_app)."""
    from lms.orgs.services import create_org

    def factory(code, name=None, kind="other", parent=None, headcount=None, join_code=None):
        org = create_org(code, name or code, kind, parent=parent, headcount=headcount)
        if join_code:
            org.join_code = join_code
        db.session.commit()
        return org

    return factory


@pytest.fixture
def make_user():
    from lms.auth.models import RoleAssignment
    from lms.auth.services import NewUser, create_user

    def factory(username, org=None, roles=(), full_name=None, kind="citizen", password=PASSWORD, **fields):
        user = create_user(NewUser(username=username, full_name=full_name or username.title(), kind=kind,
                                   org=org, password=password, **fields))
        for role, scope in roles:
            db.session.add(RoleAssignment(user=user, role=role, org=scope))
        db.session.commit()
        return user

    return factory


CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client, url="/login") -> str:
    """The CSRF token of this client's session, read from a real page."""
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url, data, page=None, **kwargs):
    """Submit a form the way a browser does: token taken from the page first."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def login(client, username, password=PASSWORD):
    response = post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def sample_tree(make_org):
    """Province > (school A > class A1), (school B > class B1)."""
    province = make_org("P", "Tỉnh Mẫu", "province", headcount=1000)
    school_a = make_org("SA", "Trường A", "school", parent=province, headcount=100)
    class_a1 = make_org("SA-1", "Lớp A1", "class", parent=school_a, headcount=30, join_code="JOINA1XX")
    school_b = make_org("SB", "Trường B", "school", parent=province, headcount=80)
    class_b1 = make_org("SB-1", "Lớp B1", "class", parent=school_b, headcount=25)
    return {"province": province, "school_a": school_a, "class_a1": class_a1,
            "school_b": school_b, "class_b1": class_b1}


__all__ = ["PASSWORD", "csrf_token", "post_form", "login", "date"]


from tests.content_fixtures import content_dirs  # noqa: E402,F401  (fixture for every area)
