"""Issue 14, faults 9, 10 and 11c: what a production operator and an attacker see.

- Demo data (public password) is refused in production unless the operator insists, and then
  every demo account must change its password at first sign-in.
- A forged ``Host`` header never reaches an address that leaves the site (QR codes, badges,
  ``/issuer``, login slips, leaflets); production needs LMS_PUBLIC_BASE_URL and trusts only its host.
- ``/healthz`` answers 503 when the database cannot be written, not only when it is unreachable.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lms import create_app
from lms.extensions import db
from tests.conftest import _template as _template  # noqa: F401  (session fixture re-exported)
from tests.conftest import login, make_test_app, truncate_all

PUBLIC = "https://hoc.dichvucong.example.vn"
FORGED = "evil.example.com"


# --- fault 9: demo data in production ---------------------------------------------------


def _production_app(template, tmp_path, **overrides):
    return make_test_app(template, tmp_path, PRODUCTION=True, PUBLIC_BASE_URL=PUBLIC, EXTRA_TRUSTED_HOSTS="localhost",
                         **overrides)


@pytest.fixture
def production_app(_template, tmp_path):
    """A production-configured app on the test database, emptied afterwards when that is the
    shared PostgreSQL one (CI's second pass), so its demo accounts do not leak into later tests."""
    app = _production_app(_template, tmp_path)
    yield app
    if _template is None:
        truncate_all(app)


def test_demo_is_refused_in_production(production_app):
    from lms.auth.models import User

    app = production_app
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code != 0
        assert "production" in result.output and "--allow-in-production" in result.output
        assert db.session.scalar(select(User).where(User.username == "admin")) is None


def test_demo_in_production_with_override_forces_password_change_and_warns(production_app):
    from lms.auth.models import User
    from lms.core.demo import DEMO_PASSWORD, DEMO_USERS

    app = production_app
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo", "--allow-in-production"])
        assert result.exit_code == 0, result.output
        assert "CẢNH BÁO" in result.output and "công khai" in result.output
        users = db.session.scalars(select(User).where(User.username.in_([u[0] for u in DEMO_USERS]))).all()
        assert len(users) == len(DEMO_USERS)
        assert all(u.must_change_password for u in users)
        client = app.test_client()
        login(client, "admin", DEMO_PASSWORD)
        response = client.get("/admin/users")
        assert response.status_code == 302 and "/password" in response.headers["Location"]


def test_demo_outside_production_is_unchanged(app):
    from lms.auth.models import User

    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert not db.session.scalar(select(User).where(User.username == "admin")).must_change_password


# --- fault 10: the Host header ------------------------------------------------------------


def test_production_refuses_to_start_without_public_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_CONFIG", "production")
    monkeypatch.delenv("LMS_PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="LMS_PUBLIC_BASE_URL"):
        create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path))


def test_production_trusts_only_the_public_host(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_CONFIG", "production")
    app = create_app({"SECRET_KEY": "x", "PUBLIC_BASE_URL": PUBLIC + "/", "EXTRA_TRUSTED_HOSTS": "10.0.0.5, lms.internal"},
                     instance_path=str(tmp_path))
    assert app.config["TRUSTED_HOSTS"] == ["hoc.dichvucong.example.vn", "10.0.0.5", "lms.internal"]
    with app.app_context():  # /issuer lists the signing keys, which live in the database
        from flask_migrate import upgrade

        upgrade()
    client = app.test_client()
    assert client.get("/issuer", headers={"Host": FORGED}).status_code == 400
    issuer = client.get("/issuer", headers={"Host": "hoc.dichvucong.example.vn"})
    assert issuer.status_code == 200 and issuer.json["id"] == PUBLIC + "/issuer"
    assert client.get("/issuer", headers={"Host": "10.0.0.5:8000"}).status_code == 200


def test_forged_host_never_reaches_issuer_or_badge_or_qr(any_db_app, make_org, make_user):
    """Development without PUBLIC_BASE_URL: the fixed development address, never the Host."""
    from lms.core.urls import public_base_url

    any_db_app.config["PUBLIC_BASE_URL"] = None
    client = any_db_app.test_client()
    issuer = client.get("/issuer", headers={"Host": FORGED}).json
    assert FORGED not in str(issuer)
    assert issuer["id"] == public_base_url() + "/issuer"


def test_printed_addresses_are_the_public_one_not_the_requests(app, make_org, make_user):
    """Every page that prints an absolute address to copy or scan (key address, join link and its QR code,
    ranking address, API address, login slips) shows PUBLIC_BASE_URL, not the address the
    request came to (the test client's ``localhost``)."""
    from tests.conftest import post_form

    app.config["PUBLIC_BASE_URL"] = PUBLIC
    org = make_org("X", "Xã X", "commune", join_code="JOINXXXX")
    make_user("root", org=org, roles=[("admin", None)])
    client = app.test_client()
    login(client, "root")
    for page, printed in (("/verify", f"{PUBLIC}/.well-known/"), (f"/admin/orgs/{org.id}", f"{PUBLIC}/j/JOINXXXX"),
                          ("/admin/api-tokens/", f"{PUBLIC}/api/v1/"), (f"/ranking/settings/{org.code}", f"{PUBLIC}/ranking")):
        response = client.get(page)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert "localhost" not in html and printed in html, page
    slips = post_form(client, "/admin/users/login-slips", {"org_code": "X", "include_all": "y"})
    assert slips.status_code == 200, slips.get_data(as_text=True)[:500]
    html = slips.get_data(as_text=True)
    assert "localhost" not in html and PUBLIC in html


def test_no_absolute_url_is_built_from_the_request():
    """The kind, closed: no code or template reads the request's address to build a link."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"url_root|host_url|request\.host|\b_external\s*=\s*True|request\.url\b|request\.base_url")
    offenders = []
    for folder, suffix in (("lms", "*.py"), ("templates", "*.html")):
        for path in (root / folder).rglob(suffix):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line) and "noqa: request-address" not in line:
                    offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []


# --- fault 11c: /healthz and writes -------------------------------------------------------


def test_healthz_503_when_sqlite_file_is_read_only(_template, tmp_path):
    import shutil

    if _template is None:
        pytest.skip("needs the SQLite template; the PostgreSQL read-only case has its own test")
    path = tmp_path / "ro.sqlite3"
    shutil.copy(_template, path)
    app = make_test_app(None, tmp_path, DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error" and response.json["database"] == "read-only"


def test_healthz_503_when_sqlite_file_is_chmod_read_only(_template, tmp_path):
    import os
    import shutil

    if os.geteuid() == 0:
        pytest.skip("root writes through file permissions; the mode=ro test covers this as root")
    path = tmp_path / "ro.sqlite3"
    shutil.copy(_template, path)
    path.chmod(0o444)
    app = make_test_app(None, tmp_path, DATABASE_URL=f"sqlite:///{path}")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "read-only"


def test_healthz_503_when_postgresql_is_read_only(pg_app):
    from sqlalchemy import text

    name = db.engine.url.database
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    db.session.remove()
    db.engine.dispose()
    response = pg_app.test_client().get("/healthz")
    assert response.status_code == 503, response.json
    assert response.json == {"status": "error", "database": "read-only"}


def test_healthz_ok_writes_nothing(any_db_app):
    from sqlalchemy import text

    before = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    response = any_db_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok", "database": "ok"}
    db.session.rollback()
    assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == before


def test_healthz_503_when_configured_redis_is_down(app):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"] == "unreachable" and response.json["status"] == "error"
