"""content for 2026 (issue 19): dated lessons with sources, course layout, curriculum, teacher guide

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course') as batch:
        batch.add_column(sa.Column('curriculum', sa.String(length=500), nullable=False, server_default=''))
        batch.add_column(sa.Column('layout', sa.String(length=20), nullable=False, server_default='standard'))
        batch.add_column(sa.Column('teacher_html', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('lesson') as batch:
        batch.add_column(sa.Column('facts_as_of', sa.String(length=7), nullable=True))
        batch.add_column(sa.Column('sources', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('lesson') as batch:
        batch.drop_column('sources')
        batch.drop_column('facts_as_of')
    with op.batch_alter_table('course') as batch:
        batch.drop_column('teacher_html')
        batch.drop_column('layout')
        batch.drop_column('curriculum')
