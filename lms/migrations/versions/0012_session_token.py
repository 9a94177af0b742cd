"""sessions end: a per-person session token, compared on every request

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place (never by copying user_account, which half the schema points at).
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), server_default='', nullable=False))
    # A distinct random token per existing person. Cookies issued before this revision carry
    # no token, so everyone signs in once more after the upgrade.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE user_account SET session_token = substr(replace(gen_random_uuid()::text, '-', ''), 1, 22)")
    else:
        op.execute("UPDATE user_account SET session_token = substr(lower(hex(randomblob(16))), 1, 22)")


def downgrade():
    with op.batch_alter_table('user_account', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('session_token')
