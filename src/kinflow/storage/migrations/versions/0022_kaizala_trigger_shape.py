"""kaizala trigger shape: a subscription made by the Power Automate connector's trigger gets its events
flat, as the connector's Definitions describe them

Revision ID: 0022
Revises: 0021
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('kaizala_webhooks', sa.Column('shape', sa.String(16), nullable=False, server_default='envelope'))


def downgrade() -> None:
    op.drop_column('kaizala_webhooks', 'shape')
