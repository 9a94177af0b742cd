"""contest results: prize settings, published awards, answer log

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prize_settings', sa.JSON(), server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(), nullable=True))

    op.create_table('contest_award',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('prize', sa.String(length=16), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('unit_name', sa.String(length=255), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_award_contest_id_contest')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_contest_award_org_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_contest_award_registration_id_registration')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_award')),
    sa.UniqueConstraint('code', name=op.f('uq_contest_award_code'))
    )
    with op.batch_alter_table('contest_award', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_award_contest_id'), ['contest_id'], unique=False)

    op.create_table('contest_answer_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_version_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_contest_answer_log_attempt_id_attempt'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_answer_log'))
    )
    with op.batch_alter_table('contest_answer_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_answer_log_attempt_id'), ['attempt_id'], unique=False)


def downgrade():
    with op.batch_alter_table('contest_answer_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_answer_log_attempt_id'))
    op.drop_table('contest_answer_log')
    with op.batch_alter_table('contest_award', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_award_contest_id'))
    op.drop_table('contest_award')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_column('published_at')
        batch_op.drop_column('prize_settings')
