"""contests

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 04:25:22.555380

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('contest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('rules_md', sa.Text(), nullable=False),
    sa.Column('rules_html', sa.Text(), nullable=False),
    sa.Column('scope_org_id', sa.Integer(), nullable=True),
    sa.Column('registration_fields', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['scope_org_id'], ['organization.id'], name=op.f('fk_contest_scope_org_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest')),
    sa.UniqueConstraint('slug', name=op.f('uq_contest_slug'))
    )
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_scope_org_id'), ['scope_org_id'], unique=False)

    op.create_table('contest_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=True),
    sa.Column('draw', sa.Integer(), nullable=True),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('attempts_allowed', sa.Integer(), nullable=False),
    sa.Column('counting', sa.String(length=8), nullable=False),
    sa.Column('tiebreaker_question', sa.String(length=500), nullable=True),
    sa.Column('tiebreaker_answer', sa.Integer(), nullable=True),
    sa.Column('hide_results_until_close', sa.Boolean(), nullable=False),
    sa.Column('freeze_minutes', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['question_bank.id'], name=op.f('fk_contest_round_bank_id_question_bank')),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_contest_round_contest_id_contest')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contest_round'))
    )
    with op.batch_alter_table('contest_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contest_round_contest_id'), ['contest_id'], unique=False)

    op.create_table('registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contest_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=255), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('school', sa.String(length=255), nullable=True),
    sa.Column('class_name', sa.String(length=64), nullable=True),
    sa.Column('unit_name', sa.String(length=255), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('identity_key', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['contest_id'], ['contest.id'], name=op.f('fk_registration_contest_id_contest')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['registration.id'], name=op.f('fk_registration_duplicate_of_id_registration')),
    sa.ForeignKeyConstraint(['org_id'], ['organization.id'], name=op.f('fk_registration_org_id_organization'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_registration_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration')),
    sa.UniqueConstraint('contest_id', 'user_id', name='uq_registration_contest_user')
    )
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_identity_key'), ['identity_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_user_id'), ['user_id'], unique=False)

    op.create_table('round_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('prediction', sa.Integer(), nullable=True),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('seconds_taken', sa.Double(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempt.id'], name=op.f('fk_round_entry_attempt_id_attempt')),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_round_entry_registration_id_registration')),
    sa.ForeignKeyConstraint(['round_id'], ['contest_round.id'], name=op.f('fk_round_entry_round_id_contest_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_entry')),
    sa.UniqueConstraint('round_id', 'registration_id', name='uq_round_entry_round_registration')
    )
    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_entry_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_entry_round_id'), ['round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_entry_submitted_at'), ['submitted_at'], unique=False)




def downgrade():

    with op.batch_alter_table('round_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_entry_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_round_entry_round_id'))
        batch_op.drop_index(batch_op.f('ix_round_entry_registration_id'))

    op.drop_table('round_entry')
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_user_id'))
        batch_op.drop_index(batch_op.f('ix_registration_org_id'))
        batch_op.drop_index(batch_op.f('ix_registration_identity_key'))
        batch_op.drop_index(batch_op.f('ix_registration_contest_id'))

    op.drop_table('registration')
    with op.batch_alter_table('contest_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_round_contest_id'))

    op.drop_table('contest_round')
    with op.batch_alter_table('contest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contest_scope_org_id'))

    op.drop_table('contest')

