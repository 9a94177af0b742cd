"""Migration 0015: names stored before issue 15 with a look-alike of Đ (Ð U+00D0 ...) are
stored with Đ, and their search keys (user name_search, registration identity_key) are
recomputed, on SQLite and PostgreSQL; other names are left alone."""

from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from lms.auth.models import User
from lms.extensions import db


def test_lookalike_names_are_fixed_and_searchable_again(any_db_app, sample_tree, make_user):
    from lms.contests import services
    from lms.contests.models import Registration

    dao = make_user("hs.dao", org=sample_tree["class_a1"], full_name="Đỗ Thị Đào")
    gudrun = make_user("hs.gudrun", org=sample_tree["class_a1"], full_name="Guðrún Ðặng")
    contest = services.create_contest(None, "hoi-thi", "Hội thi", "Thể lệ.")
    contest.status = "open"
    registration = services.register(dao, contest, services.RegistrationForm(full_name="Đỗ Thị Đào"))
    db.session.commit()
    ids = (dao.id, gudrun.id, registration.id)
    # As an earlier version stored them: the look-alike kept, the search key folded without it.
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE user_account SET full_name = :n, name_search = :k WHERE id = :id"),
                     {"n": "\u00d0ỗ Thị \u00d0ào", "k": "\u00f0o thi \u00f0ao", "id": ids[0]})
        conn.execute(text("UPDATE user_account SET name_search = :k WHERE id = :id"),
                     {"k": "guðrun ðang", "id": ids[1]})
        conn.execute(text("UPDATE registration SET full_name = :n, identity_key = :k WHERE id = :id"),
                     {"n": "\u00d0ỗ Thị \u00d0ào", "k": "\u00f0o thi \u00f0ao||", "id": ids[2]})
    # End the session's read transaction: on PostgreSQL a migration's DDL (0017 drops tables
    # with foreign keys) waits for every open transaction on the tables it touches.
    db.session.close()
    config = current_app.extensions["migrate"].migrate.get_config()
    before = ScriptDirectory.from_config(config).get_revision("0015").down_revision
    downgrade(revision=before)
    upgrade(revision="0015")
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids[:2])))}
    assert (users[ids[0]].full_name, users[ids[0]].name_search) == ("Đỗ Thị Đào", "do thi dao")
    assert (users[ids[1]].full_name, users[ids[1]].name_search) == ("Guðrún Đặng", "gudrun dang")
    reg = db.session.get(Registration, ids[2])
    assert (reg.full_name, reg.identity_key) == ("Đỗ Thị Đào", "do thi dao||")
    upgrade()
