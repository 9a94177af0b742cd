"""names typed with a look-alike of Đ (Ð U+00D0, ð U+00F0, Ɖ U+0189, ɖ U+0256) stored with Đ/đ,
and their search keys recomputed (issue 15, fault 11)

Accounts and contest registrations only: an issued certificate is a document whose printed
name is changed by reissuing it, not here.

Revision ID: 0015
Revises: 0014
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# Frozen copies of lms.core.text.person_name's look-alike rule and of fold as of this migration.
_LOOKALIKES = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"}
_AT_WORD_START = re.compile(r"(?<![^\W\d_])[\u00d0\u00f0\u0189\u0256]")
_FOLD_D = str.maketrans({"\u0111": "d", "\u0110": "D", **{ch: "d" for ch in _LOOKALIKES}})


def _name(value: str) -> str:
    return _AT_WORD_START.sub(lambda m: _LOOKALIKES[m.group(0)], value)


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", (value or "").translate(_FOLD_D))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().casefold()


def _candidates(conn, table: str, columns: str):
    # LIKE with the four letters narrows the scan on both SQLite and PostgreSQL; the rule
    # itself is applied in Python.
    where = " OR ".join(f"full_name LIKE :p{i}" for i in range(len(_LOOKALIKES)))
    params = {f"p{i}": f"%{ch}%" for i, ch in enumerate(_LOOKALIKES)}
    return conn.execute(sa.text(f"SELECT id, {columns} FROM {table} WHERE {where}"), params).all()


def upgrade():
    conn = op.get_bind()
    for row_id, full_name in _candidates(conn, "user_account", "full_name"):
        conn.execute(sa.text("UPDATE user_account SET full_name = :name, name_search = :key WHERE id = :id"),
                     {"name": _name(full_name), "key": _fold(full_name), "id": row_id})
    for row_id, full_name, key in _candidates(conn, "registration", "full_name, identity_key"):
        # identity_key is "folded name|birth date|phone": only its name part changes.
        rest = key[key.index("|"):] if key and "|" in key else ""
        conn.execute(sa.text("UPDATE registration SET full_name = :name, identity_key = :key WHERE id = :id"),
                     {"name": _name(full_name), "key": (_fold(full_name) + rest) if rest else key, "id": row_id})


def downgrade():
    # Which Đ was typed as a look-alike is not kept; Đ/đ are right under the earlier code too.
    pass
