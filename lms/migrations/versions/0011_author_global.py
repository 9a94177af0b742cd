"""author is a global role: remove author grants scoped to a unit or a contest

Question banks and courses belong to no unit, so an author grant "on a unit" reached the
whole platform (issue #14, fault 1). Authoring is now global-only and granted by admins;
such rows are removed (the audit log keeps who granted them and when). An admin re-grants
the global role to the people who should keep authoring.

Revision ID: 0011
Revises: 0010
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM role_assignment WHERE role = 'author' "
               "AND (org_id IS NOT NULL OR contest_id IS NOT NULL)")


def downgrade():
    # Nothing to restore: the removed grants were never valid under either schema.
    pass
