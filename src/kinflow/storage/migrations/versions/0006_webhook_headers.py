"""webhook headers: headers a subscription has sent with each delivery (Kaizala's kz-callback-token)

Revision ID: 0006
Revises: 0005
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('webhooks') as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('webhooks') as batch_op:
        batch_op.drop_column('headers')
