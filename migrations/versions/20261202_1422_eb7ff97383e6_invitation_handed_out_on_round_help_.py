"""invitation handed out on, round help contact

Revision ID: eb7ff97383e6
Revises: 87ddb42ca480
Create Date: 2026-12-02 14:22:59.929825

"""
from alembic import op
import sqlalchemy as sa

from datetime import date


# revision identifiers, used by Alembic.
revision = 'eb7ff97383e6'
down_revision = '87ddb42ca480'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handed_out_on', sa.Date(), nullable=True))
    # Invitations made before this column existed may have been given to someone already
    # (a letter, the page that shows a new code): none of them may go to a kiosk.
    invitation = sa.table('invitation', sa.column('handed_out_on', sa.Date()))
    op.execute(invitation.update().values(handed_out_on=date.today()))

    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('help_contact', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_column('help_contact')

    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('handed_out_on')
