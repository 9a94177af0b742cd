"""Configuration from LMS_* variables and the instance folder."""

import os
import stat

from lms import create_app
from lms.core.setup import normalise_database_url


def test_env_variables_override_config(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("LMS_PAGE_SIZE", "25")
    monkeypatch.setenv("LMS_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["PAGE_SIZE"] == 25
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite3"


def test_secret_key_is_generated_once_and_reused(monkeypatch, tmp_path):
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    first = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app(instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_postgres_urls_use_psycopg3():
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x", "SECRET_KEY": "x",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}},
                     instance_path=str(tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_production_config_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_CONFIG", "production")
    app = create_app({"PUBLIC_BASE_URL": "https://hoc.example.gov.vn"}, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
