"""invitation handed_out_on

Revision ID: 5d1c7a9e3b42
Revises: 87ddb42ca480
Create Date: 2026-12-02 14:30:00.000000

The day an invitation's code or link was given to someone; NULL: never, so a kiosk may take
it. Invitations that exist already may have gone out in letters or e-mails that left no
trace, so they count as handed out on the day of the upgrade: a kiosk never takes one.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c7a9e3b42'
down_revision = '87ddb42ca480'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handed_out_on', sa.Date(), nullable=True))
    op.execute("UPDATE invitation SET handed_out_on = CURRENT_DATE")


def downgrade():
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_column('handed_out_on')
