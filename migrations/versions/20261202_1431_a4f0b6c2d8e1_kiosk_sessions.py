"""kiosk sessions

Revision ID: a4f0b6c2d8e1
Revises: fc5aebbe47c2
Create Date: 2026-12-02 14:31:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4f0b6c2d8e1'
down_revision = 'fc5aebbe47c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kiosk_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('org_node_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('begin_nonce_hash', sa.String(length=64), nullable=True),
    sa.Column('begun_invitation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['begun_invitation_id'], ['invitation.id'], name=op.f('fk_kiosk_session_begun_invitation_id_invitation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_node_id'], ['org_node.id'], name=op.f('fk_kiosk_session_org_node_id_org_node')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['app_user.id'], name=op.f('fk_kiosk_session_revoked_by_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_kiosk_session_round_id_survey_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['started_by_id'], ['app_user.id'], name=op.f('fk_kiosk_session_started_by_id_app_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_session_token_hash'))
    )
    with op.batch_alter_table('kiosk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_session_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kiosk_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_session_round_id'))
    op.drop_table('kiosk_session')
