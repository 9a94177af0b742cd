"""Migration 0011: author grants stored with a unit or a contest are removed, global ones
kept; it goes up and down on SQLite."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from lms import create_app
from lms.extensions import db


def test_unit_scoped_author_grants_are_removed_and_global_ones_kept(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"},
                     instance_path=str(tmp_path))
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO organization (id, code, name, kind, path, depth, active, created_at) "
                              "VALUES (1, 'SA', 'Trường A', 'school', '/1/', 0, 1, '2026-01-01')"))
            conn.execute(text("INSERT INTO user_account (id, username, full_name, name_search, kind, "
                              "must_change_password, active, created_at) VALUES "
                              "(1, 'tg', 'Tác Giả', 'tac gia', 'citizen', 0, 1, '2026-01-01')"))
            conn.execute(text("INSERT INTO role_assignment (user_id, role, org_id, contest_id, granted_at) VALUES "
                              "(1, 'author', 1, NULL, '2026-01-01'), (1, 'author', NULL, NULL, '2026-01-01'), "
                              "(1, 'author', NULL, 5, '2026-01-01'), (1, 'manager', 1, NULL, '2026-01-01')"))
        upgrade(revision="0011")
        with db.engine.connect() as conn:
            rows = sorted(conn.execute(text("SELECT role, org_id, contest_id FROM role_assignment")).all(),
                          key=lambda r: (r[0], r[1] or 0))
        assert rows == [("author", None, None), ("manager", 1, None)]
        downgrade(revision="0010")
        upgrade()
        db.engine.dispose()
