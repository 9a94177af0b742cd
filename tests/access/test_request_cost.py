"""The policy checks add no query to the quiz hot path: an autosave loads the user alone by
id and never reads their roles (the ``quizzes.take`` policy only needs "signed in")."""

from sqlalchemy import event

from lms.extensions import db
from tests.conftest import csrf_token, login
from tests.quizzes.test_views import course, start  # noqa: F401  (the course quiz fixture)


def test_autosave_reads_no_roles(client, course, make_user):  # noqa: F811
    make_user("hs.an")
    login(client, "hs.an")
    attempt = start(client, course)
    token = csrf_token(client, f"/quizzes/attempts/{attempt.id}")
    url = f"/quizzes/attempts/{attempt.id}/answer"
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        ok = client.post(url, json={"v": attempt.items[0]["v"], "values": ["0"]}, headers={"X-CSRFToken": token})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert ok.status_code == 200
    assert not [s for s in statements if "role_assignment" in s], statements
    assert len(statements) <= 6, statements
