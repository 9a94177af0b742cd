"""Migration 0014 brings stored question versions to the shape load_bank writes now, on
SQLite and PostgreSQL: options get ids c1..cn in stored order, "all of the above" is
pinned, the obsolete "format" key is applied and dropped, and the content hash is the one
``services.version_hash`` gives, so the next sync of an unchanged bank changes nothing."""

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from lms.extensions import db
from lms.quizzes import services
from lms.quizzes.formats.markdown import parse_markdown_bank
from lms.quizzes.ir import Choice, ParsedQuestion
from lms.quizzes.models import Question

BANK = """---
title: "Bảo vệ tài khoản"
---
## Việc nào giúp bảo vệ tài khoản VNeID?
id: q-bao-ve
- [x] Không chia sẻ mã OTP
- [ ] Cho người lạ mượn điện thoại

## Mã OTP có mấy chữ số?
id: q-otp
= 6
"""

_bank = sa.table("question_bank", sa.column("id"), sa.column("slug"), sa.column("title"), sa.column("settings", sa.JSON),
                 sa.column("source"), sa.column("content_hash"), sa.column("created_at"), sa.column("updated_at"))
_question = sa.table("question", sa.column("id"), sa.column("bank_id"), sa.column("key"), sa.column("position"),
                     sa.column("active"), sa.column("current_version_id"))
_version = sa.table("question_version", sa.column("id"), sa.column("question_id"), sa.column("number"),
                    sa.column("type"), sa.column("text"), sa.column("data", sa.JSON), sa.column("explanation"),
                    sa.column("tags"), sa.column("difficulty"), sa.column("points"), sa.column("content_hash"),
                    sa.column("created_at"))
NOW = datetime(2026, 11, 1, 8)


def _old_shape(q: ParsedQuestion, fmt: str) -> dict:
    """QuestionVersion.data as the code before 0014 wrote it."""
    return {**q.to_data(), "format": fmt}


def _insert(conn, bank_id, slug, rows):
    conn.execute(_bank.insert().values(id=bank_id, slug=slug, title=slug, settings={}, source="upload", content_hash="",
                                       created_at=NOW, updated_at=NOW))
    for position, (qid, key, qtype, text, data) in enumerate(rows):
        conn.execute(_question.insert().values(id=qid, bank_id=bank_id, key=key, position=position, active=True))
        conn.execute(_version.insert().values(id=qid, question_id=qid, number=1, type=qtype, text=text, data=data,
                                              tags="", points=1.0, content_hash="old", created_at=NOW))
        conn.execute(_question.update().where(_question.c.id == qid).values(current_version_id=qid))
    if conn.dialect.name == "postgresql":  # rows written with their ids: move the sequences past them
        for table in ("question_bank", "question", "question_version"):
            conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT max(id) FROM {table}))"))


def test_stored_versions_get_option_ids_pins_markdown_and_the_current_hash(any_db_app):
    downgrade(revision="0013")
    parsed = parse_markdown_bank(BANK)
    aiken_choices = [("Không chia sẻ mã OTP", 0.0), ("Mật khẩu có *, _ và số", 0.0), ("Tất cả các đáp án trên", 1.0)]
    with db.engine.begin() as conn:
        _insert(conn, 1, "tu-file", [
            (1, "q-bao-ve", "single", parsed.questions[0].text, _old_shape(parsed.questions[0], "markdown")),
            (2, "q-otp", "numeric", parsed.questions[1].text, _old_shape(parsed.questions[1], "markdown")),
        ])
        aiken = ParsedQuestion(type="single", text="Những việc nào giúp bảo vệ tài khoản VNeID?",
                               choices=[Choice(t, f) for t, f in aiken_choices])
        moodle = ParsedQuestion(type="single", text="Ứng dụng định danh<br />điện tử?",
                                choices=[Choice("<p>VNeID</p>", 1.0), Choice("Zalo&nbsp;", 0.0)])
        _insert(conn, 2, "tai-len", [(3, "h-aiken", "single", aiken.text, _old_shape(aiken, "plain")),
                                     (4, "h-moodle", "single", moodle.text, _old_shape(moodle, "moodle"))])
    upgrade(revision="0014")
    db.session.expire_all()

    rows = {v.id: v for v in db.session.scalars(select(Question)).all()}
    choice = rows[1].current.data["choices"]
    assert [(c["id"], c["text"]) for c in choice] == [("c1", "Không chia sẻ mã OTP"), ("c2", "Cho người lạ mượn điện thoại")]
    assert all("format" not in q.current.data for q in rows.values())
    # Our Markdown bank synced again: nothing changed, no new versions.
    _, report = services.load_bank("tu-file", parse_markdown_bank(BANK))
    assert (report.unchanged, report.updated, report.created) == (2, 0, 0)

    # Aiken text was plain: escaped into Markdown, "Tất cả các đáp án trên" pinned, ids in stored order.
    stored = rows[3].current
    assert [(c["id"], c["text"], c.get("pinned", False)) for c in stored.data["choices"]] == [
        ("c1", "Không chia sẻ mã OTP", False), ("c2", "Mật khẩu có \\*, _ và số", False),
        ("c3", "Tất cả các đáp án trên", True)]
    equal = ParsedQuestion(type="single", text=stored.text,
                           choices=[Choice("Không chia sẻ mã OTP", 0.0), Choice("Mật khẩu có \\*, _ và số", 0.0),
                                    Choice("Tất cả các đáp án trên", 1.0, pinned=True)])
    assert stored.content_hash == services.version_hash(equal)

    # Moodle's default format was HTML: stored as the text it shows.
    moodle_version = rows[4].current
    assert [c["text"] for c in moodle_version.data["choices"]] == ["VNeID", "Zalo"]
    assert moodle_version.text == "Ứng dụng định danh\nđiện tử?"

    db.session.rollback()
    downgrade(revision="0013")
    with db.engine.connect() as conn:
        data = conn.execute(select(_version.c.data).where(_version.c.id == 3)).scalar_one()
    assert "format" in data and all("id" not in c and "pinned" not in c for c in data["choices"])
    upgrade()
