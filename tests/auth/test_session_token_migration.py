"""Migration 0012 (session tokens) goes up and down on SQLite and PostgreSQL, and gives every
existing person a distinct token, so no two accounts share one and old cookies are void."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from lms.extensions import db


def _columns():
    with db.engine.connect() as conn:
        return {c["name"] for c in inspect(conn).get_columns("user_account")}


def test_session_token_migration_up_and_down(any_db_app):
    downgrade(revision="0011")
    assert "session_token" not in _columns()
    with db.engine.begin() as conn:
        for name in ("hs.an", "hs.binh"):
            conn.execute(text("INSERT INTO user_account (username, full_name, name_search, kind, "
                              "must_change_password, active, created_at) VALUES "
                              "(:u, :u, :u, 'citizen', false, true, CURRENT_TIMESTAMP)"), {"u": name})
    upgrade(revision="0012")
    with db.engine.connect() as conn:
        tokens = [row[0] for row in conn.execute(text("SELECT session_token FROM user_account"))]
    assert len(tokens) == 2 and len(set(tokens)) == 2 and all(len(t) >= 16 for t in tokens)
    downgrade(revision="0011")
    assert "session_token" not in _columns()
    upgrade()
    assert "session_token" in _columns()
