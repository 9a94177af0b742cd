"""judging review: inactive judges; submission status is derived, not stored

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest_judge', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))

    # Not recreated on SQLite: judge_assignment rows point at submission and foreign keys are
    # on, so copying the table and dropping the old one would fail on any database with
    # entries. SQLite (3.35+) drops a plain column in place, as PostgreSQL does.
    with op.batch_alter_table('submission', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('status')


def downgrade():
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='submitted', nullable=False))
    # What the column used to say: "scored" once every assigned judge has scored.
    op.execute(
        "UPDATE submission SET status = 'scored' WHERE EXISTS "
        "(SELECT 1 FROM judge_assignment a WHERE a.submission_id = submission.id) AND NOT EXISTS "
        "(SELECT 1 FROM judge_assignment a LEFT JOIN judge_score s ON s.assignment_id = a.id "
        "WHERE a.submission_id = submission.id AND s.id IS NULL)"
    )

    with op.batch_alter_table('contest_judge', schema=None) as batch_op:
        batch_op.drop_column('active')
