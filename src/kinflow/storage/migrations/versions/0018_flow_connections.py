"""flow connections: a person's credentials for a connector (encrypted), and the calls each made lately

Revision ID: 0018
Revises: 0017
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'flow_connections',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('owner_id', sa.Integer(), sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('connector', sa.String(64), nullable=False),
        sa.Column('name', sa.String(128), nullable=False),
        sa.Column('base_url', sa.String(2048), nullable=False),
        sa.Column('auth', sa.String(16), nullable=False),
        sa.Column('account', sa.String(256), nullable=False, server_default=''),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.Column('state', sa.String(16), nullable=False, server_default='ready'),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_flow_connections_owner_id', 'flow_connections', ['owner_id'])
    op.create_table(
        'flow_connection_calls',
        sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column('connection_id', sa.String(64), nullable=False),
        sa.Column('called_at', sa.Float(), nullable=False),
    )
    op.create_index('ix_flow_connection_calls_connection_at', 'flow_connection_calls', ['connection_id', 'called_at'])


def downgrade() -> None:
    op.drop_index('ix_flow_connection_calls_connection_at', table_name='flow_connection_calls')
    op.drop_table('flow_connection_calls')
    op.drop_index('ix_flow_connections_owner_id', table_name='flow_connections')
    op.drop_table('flow_connections')
