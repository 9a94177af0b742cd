"""judged rounds

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('judging_config',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('judges_per_entry', sa.Integer(), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('accepted_kinds', sa.JSON(), nullable=False),
    sa.Column('max_upload_mb', sa.Integer(), nullable=False),
    sa.Column('finalised_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['contest_round.id'], name=op.f('fk_judging_config_round_id_contest_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judging_config')),
    sa.UniqueConstraint('round_id', name=op.f('uq_judging_config_round_id'))
    )

    op.create_table('judging_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('max_points', sa.Double(), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['contest_round.id'], name=op.f('fk_judging_criterion_round_id_contest_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judging_criterion'))
    )
    with op.batch_alter_table('judging_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judging_criterion_round_id'), ['round_id'], unique=False)

    op.create_table('contest_judge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_judge_contest_id_contest')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_contest_judge_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_judge')),
    sa.UniqueConstraint('contest_id', 'user_id', name='uq_contest_judge_contest_user')
    )
    with op.batch_alter_table('contest_judge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_judge_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contest_judge_user_id'), ['user_id'], unique=False)

    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=True),
    sa.Column('article_md', sa.Text(), nullable=True),
    sa.Column('article_html', sa.Text(), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=64), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_submission_registration_id_registration')),
    sa.ForeignKeyConstraint(['round_id'], ['contest_round.id'], name=op.f('fk_submission_round_id_contest_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('code', name=op.f('uq_submission_code')),
    sa.UniqueConstraint('round_id', 'registration_id', name='uq_submission_round_registration')
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_round_id'), ['round_id'], unique=False)

    op.create_table('judge_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['judge_id'], ['user_account.id'], name=op.f('fk_judge_assignment_judge_id_user_account')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_judge_assignment_submission_id_submission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_assignment')),
    sa.UniqueConstraint('submission_id', 'judge_id', name='uq_judge_assignment_submission_judge')
    )
    with op.batch_alter_table('judge_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judge_assignment_judge_id'), ['judge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_judge_assignment_submission_id'), ['submission_id'], unique=False)

    op.create_table('judge_score',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('weighted_score', sa.Double(), nullable=False),
    sa.Column('scored_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['judge_assignment.id'], name=op.f('fk_judge_score_assignment_id_judge_assignment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_score')),
    sa.UniqueConstraint('assignment_id', name=op.f('uq_judge_score_assignment_id'))
    )


def downgrade():
    op.drop_table('judge_score')
    with op.batch_alter_table('judge_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judge_assignment_submission_id'))
        batch_op.drop_index(batch_op.f('ix_judge_assignment_judge_id'))
    op.drop_table('judge_assignment')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_round_id'))
        batch_op.drop_index(batch_op.f('ix_submission_registration_id'))
    op.drop_table('submission')
    with op.batch_alter_table('contest_judge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_judge_user_id'))
        batch_op.drop_index(batch_op.f('ix_contest_judge_contest_id'))
    op.drop_table('contest_judge')
    with op.batch_alter_table('judging_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_judging_criterion_round_id'))
    op.drop_table('judging_criterion')
    op.drop_table('judging_config')
