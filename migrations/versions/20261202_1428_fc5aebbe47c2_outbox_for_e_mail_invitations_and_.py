"""outbox for e-mail invitations and reminders (survey/models/outbox.py)

Revision ID: fc5aebbe47c2
Revises: eb7ff97383e6
Create Date: 2026-12-02 14:28:16.004259

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'fc5aebbe47c2'
down_revision = 'eb7ff97383e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('org_node_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempt_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error_kind', sa.String(length=20), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('invitation', 'reminder')", name=op.f('ck_outbox_message_kind')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'cancelled')", name=op.f('ck_outbox_message_status')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_outbox_message_created_by_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_outbox_message_invitation_id_invitation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_node_id'], ['org_node.id'], name=op.f('fk_outbox_message_org_node_id_org_node')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_outbox_message_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('invitation_id', 'kind', 'sequence', name=op.f('uq_outbox_message_invitation_id'))
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['status', 'next_attempt_at'])
    op.create_index('ix_outbox_message_round_status', 'outbox_message', ['round_id', 'status'])


def downgrade():
    op.drop_index('ix_outbox_message_round_status', table_name='outbox_message')
    op.drop_index('ix_outbox_message_due', table_name='outbox_message')
    op.drop_table('outbox_message')
