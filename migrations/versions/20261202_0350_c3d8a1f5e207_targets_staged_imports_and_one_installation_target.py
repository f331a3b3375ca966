"""targets: staged target files, and one installation-wide target per indicator and period

Revision ID: c3d8a1f5e207
Revises: eba3f3990874
Create Date: 2026-12-10 12:00:00.000000

- staged_import.kind may be 'targets' (the Mål page's upload waits there for its confirm).
- uq_target_installation: a partial unique index on target (indicator_key, period) where
  org_node_id IS NULL. The table's unique constraint treats NULLs as distinct, so without it
  two installation-wide targets for the same indicator and period could be stored.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d8a1f5e207'
down_revision = 'eba3f3990874'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staged_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staged_import_kind'), type_='check')
        batch_op.create_check_constraint(
            'kind', "kind IN ('recipients', 'paper', 'org', 'targets')"
        )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(
            'uq_target_installation',
            ['indicator_key', 'period'],
            unique=True,
            sqlite_where=sa.text('org_node_id IS NULL'),
            postgresql_where=sa.text('org_node_id IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index('uq_target_installation')
    op.execute("DELETE FROM staged_import WHERE kind = 'targets'")
    with op.batch_alter_table('staged_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staged_import_kind'), type_='check')
        batch_op.create_check_constraint('kind', "kind IN ('recipients', 'paper', 'org')")
