"""everyday use (issue 18): notifications and their settings, review flags on attempts

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('link', sa.String(length=512), nullable=False),
        sa.Column('dedupe_key', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.Column('emailed_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('user_id', 'dedupe_key', name='uq_notification_dedupe'),
    )
    op.create_index('ix_notification_user_created', 'notification', ['user_id', 'created_at'])
    op.create_index('ix_notification_unmailed', 'notification', ['emailed_at'])
    op.create_table(
        'notification_setting',
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('user_account.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('kind', sa.String(length=32), primary_key=True),
        sa.Column('channel', sa.String(length=16), primary_key=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
    )
    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('flagged', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('attempt', recreate='never') as batch:
        batch.drop_column('flagged')
    op.drop_table('notification_setting')
    op.drop_index('ix_notification_unmailed', table_name='notification')
    op.drop_index('ix_notification_user_created', table_name='notification')
    op.drop_table('notification')
