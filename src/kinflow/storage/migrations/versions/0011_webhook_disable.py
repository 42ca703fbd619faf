"""webhook disable: a webhook may be disabled when a delivery fails for good, with the reason (Kaizala's rule)

Revision ID: 0011
Revises: 0010
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhooks') as batch_op:
        batch_op.add_column(sa.Column('disable_on_failure', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('disabled_reason', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('webhooks') as batch_op:
        batch_op.drop_column('disabled_reason')
        batch_op.drop_column('disable_on_failure')
