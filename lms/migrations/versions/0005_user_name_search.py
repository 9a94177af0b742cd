"""user name search

Revision ID: 0005
Revises: 0004
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _fold(value: str) -> str:
    # Frozen copy of lms.core.text.fold as of this migration.
    decomposed = unicodedata.normalize("NFD", (value or "").replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().casefold()


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_search', sa.String(length=255), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_user_account_name_search'), ['name_search'], unique=False)
    bind = op.get_bind()
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('full_name', sa.String),
                     sa.column('name_search', sa.String))
    rows = bind.execute(sa.select(users.c.id, users.c.full_name)).all()
    if rows:
        bind.execute(users.update().where(users.c.id == sa.bindparam('uid')).values(name_search=sa.bindparam('ns')),
                     [{'uid': r.id, 'ns': _fold(r.full_name)} for r in rows])


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_name_search'))
        batch_op.drop_column('name_search')
