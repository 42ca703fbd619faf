"""apps.webhooks_revision: moves with every change to an app's webhooks, so record writes keep the
app's subscribers in memory instead of asking for them each time

Revision ID: 0025
Revises: 0024
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('apps') as batch:
        batch.add_column(sa.Column('webhooks_revision', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('apps') as batch:
        batch.drop_column('webhooks_revision')
