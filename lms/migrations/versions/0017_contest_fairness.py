"""contests fair to the second (issue 17): ranking keys at the precision shown, a board version
every server reads, headcount history, unit short names, withdrawal reasons, one-device rounds
and the attempt event log

Revision ID: 0017
Revises: 0016
"""
import math
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# Headcounts set before this history existed count as known "since always", so contests that
# opened earlier keep the figures they were ranked with.
HISTORY_START = datetime(2000, 1, 1)


def upgrade():
    with op.batch_alter_table('contest') as batch:
        batch.add_column(sa.Column('public_board', sa.String(length=24), nullable=False,
                                   server_default='name_and_unit'))
        batch.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('contest_round') as batch:
        batch.add_column(sa.Column('board_version', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('one_device', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('round_entry') as batch:
        batch.add_column(sa.Column('score_key', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('time_key', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('changed_at', sa.DateTime(), nullable=True))
    op.create_index('ix_round_entry_board', 'round_entry',
                    ['round_id', 'score_key', 'time_key', 'submitted_at'])
    op.create_index('ix_round_entry_changed', 'round_entry', ['round_id', 'changed_at'])
    entries = sa.table('round_entry', sa.column('id', sa.Integer), sa.column('score', sa.Float),
                       sa.column('seconds_taken', sa.Float), sa.column('score_key', sa.Integer),
                       sa.column('time_key', sa.Integer), sa.column('changed_at', sa.DateTime),
                       sa.column('submitted_at', sa.DateTime))
    bind = op.get_bind()
    rows = bind.execute(sa.select(entries.c.id, entries.c.score, entries.c.seconds_taken, entries.c.submitted_at)
                        .where(entries.c.score.is_not(None))).all()
    for row in rows:  # the same rounding as lms.contests.ranking.score_key / time_key
        bind.execute(entries.update().where(entries.c.id == row.id).values(
            score_key=-int(math.floor(row.score * 100 + 0.5)),
            time_key=int(math.floor((row.seconds_taken or 0.0) * 10 + 1e-6)),
            changed_at=row.submitted_at))

    with op.batch_alter_table('organization') as batch:
        batch.add_column(sa.Column('short_name', sa.String(length=64), nullable=True))
    op.create_table(
        'org_headcount',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('headcount', sa.Integer(), nullable=True),
        sa.Column('effective_at', sa.DateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['org_id'], ['organization.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_org_headcount_org_effective', 'org_headcount', ['org_id', 'effective_at'])
    orgs = sa.table('organization', sa.column('id', sa.Integer), sa.column('headcount', sa.Integer))
    history = sa.table('org_headcount', sa.column('org_id', sa.Integer), sa.column('headcount', sa.Integer),
                       sa.column('effective_at', sa.DateTime))
    known = bind.execute(sa.select(orgs.c.id, orgs.c.headcount).where(orgs.c.headcount.is_not(None))).all()
    if known:
        bind.execute(history.insert(), [{"org_id": o.id, "headcount": o.headcount, "effective_at": HISTORY_START}
                                        for o in known])

    with op.batch_alter_table('attempt') as batch:
        batch.add_column(sa.Column('device_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('focus_losses', sa.Integer(), nullable=False, server_default='0'))
    op.create_table(
        'attempt_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=24), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_attempt_event_attempt_id', 'attempt_event', ['attempt_id'])


def downgrade():
    # Columns are dropped in place (SQLite 3.35+): recreating these tables would fail on the
    # foreign keys that point at them (see 0010, 0012).
    op.drop_index('ix_attempt_event_attempt_id', table_name='attempt_event')
    op.drop_table('attempt_event')
    with op.batch_alter_table('attempt', recreate='never') as batch:
        batch.drop_column('focus_losses')
        batch.drop_column('device_id')
    op.drop_index('ix_org_headcount_org_effective', table_name='org_headcount')
    op.drop_table('org_headcount')
    with op.batch_alter_table('organization', recreate='never') as batch:
        batch.drop_column('short_name')
    op.drop_index('ix_round_entry_changed', table_name='round_entry')
    op.drop_index('ix_round_entry_board', table_name='round_entry')
    with op.batch_alter_table('round_entry', recreate='never') as batch:
        batch.drop_column('changed_at')
        batch.drop_column('time_key')
        batch.drop_column('score_key')
    with op.batch_alter_table('contest_round', recreate='never') as batch:
        batch.drop_column('one_device')
        batch.drop_column('board_version')
    with op.batch_alter_table('contest', recreate='never') as batch:
        batch.drop_column('withdrawn_at')
        batch.drop_column('withdrawn_reason')
        batch.drop_column('public_board')
