"""certificate signing keys with ids and validity periods; revocation categories (issue 16)

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'certificate_signing_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kid', sa.String(length=40), nullable=False),
        sa.Column('algorithm', sa.String(length=16), nullable=False),
        sa.Column('public_pem', sa.Text(), nullable=False),
        sa.Column('certificate_pem', sa.Text(), nullable=True),
        sa.Column('private_pem', sa.Text(), nullable=True),
        sa.Column('valid_from', sa.DateTime(), nullable=False),
        sa.Column('valid_until', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kid'),
    )
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('revoked_category', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.drop_column('revoked_category')
    op.drop_table('certificate_signing_key')
