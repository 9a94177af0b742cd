"""Files follow the transaction: deleted after a commit, or cleaned up when it does not commit."""

from lms.auth.models import User
from lms.core.transactions import on_abort, on_commit
from lms.extensions import db


def _touch(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"x")
    return path


def test_commit_runs_commit_actions_only(app, tmp_path):
    old, new = _touch(tmp_path, "old"), _touch(tmp_path, "new")
    db.session.add(User(username="nguoi.dung", full_name="Người Dùng"))
    db.session.flush()
    on_commit(db.session(), lambda: old.unlink())
    on_abort(db.session(), lambda: new.unlink())
    assert old.exists()  # nothing happens before the commit
    db.session.commit()
    assert not old.exists() and new.exists()


def test_rollback_and_close_run_abort_actions_only(app, tmp_path):
    for end in (db.session.rollback, db.session.close):
        old, new = _touch(tmp_path, "old"), _touch(tmp_path, "new")
        db.session.add(User(username="nguoi.dung", full_name="Người Dùng"))
        db.session.flush()
        on_commit(db.session(), lambda old=old: old.unlink())
        on_abort(db.session(), lambda new=new: new.unlink())
        end()
        assert old.exists() and not new.exists()
        db.session.commit()  # a later transaction does not inherit the actions
        assert old.exists()
        old.unlink()
