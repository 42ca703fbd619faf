"""flow subscriptions: the connector subscription of each flow's webhook trigger

Revision ID: 0020
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'flow_subscriptions',
        sa.Column('flow_id', sa.Integer(), sa.ForeignKey('flows.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('connection_id', sa.String(36), nullable=False),
        sa.Column('location', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('flow_subscriptions')
