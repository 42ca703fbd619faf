"""flows: definitions and their versions, runs and each action's result

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

_BigKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNFINISHED = "finished_at IS NULL"


def upgrade() -> None:
    op.create_table(
        'flows',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('name', sa.String(128), nullable=False),
        sa.Column('owner', sa.String(128), nullable=False),
        sa.Column('state', sa.String(16), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('trigger_type', sa.String(32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.UniqueConstraint('owner', 'name', name='uq_flows_owner_name'),
    )
    op.create_table(
        'flow_versions',
        sa.Column('flow_id', sa.Integer(), sa.ForeignKey('flows.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('version', sa.Integer(), primary_key=True),
        sa.Column('definition', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'flow_runs',
        sa.Column('id', _BigKey, primary_key=True),
        sa.Column('uuid', sa.String(36), nullable=False, unique=True),
        sa.Column('flow_id', sa.Integer(), sa.ForeignKey('flows.id', ondelete='CASCADE'), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('trigger_outputs', sa.Text(), nullable=False),
        sa.Column('variables', sa.Text(), nullable=False, server_default='{}'),
        sa.Column('response', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('client_tracking_id', sa.String(128), nullable=False),
        sa.Column('event_id', sa.String(128), nullable=True),
        sa.Column('resubmitted_from', sa.String(36), nullable=True),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('lease_until', sa.DateTime(), nullable=True),
        sa.Column('lease_owner', sa.String(64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('flow_id', 'event_id', name='uq_flow_runs_event'),
    )
    op.create_index('ix_flow_runs_due', 'flow_runs', ['due_at', 'id'],
                    postgresql_where=sa.text(UNFINISHED), sqlite_where=sa.text(UNFINISHED))
    op.create_index('ix_flow_runs_flow', 'flow_runs', ['flow_id', 'id'])
    op.create_index('ix_flow_runs_created', 'flow_runs', ['created_at'])
    op.create_table(
        'flow_action_results',
        sa.Column('id', _BigKey, primary_key=True),
        sa.Column('run_id', _BigKey, sa.ForeignKey('flow_runs.id', ondelete='CASCADE'), nullable=False),
        sa.Column('name', sa.String(80), nullable=False),
        sa.Column('repetition', sa.String(64), nullable=False, server_default=''),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('code', sa.String(64), nullable=False, server_default=''),
        sa.Column('inputs', sa.Text(), nullable=True),
        sa.Column('outputs', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('history', sa.Text(), nullable=False, server_default='[]'),
        sa.Column('tracking_id', sa.String(36), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('resume_at', sa.DateTime(), nullable=True),
        sa.UniqueConstraint('run_id', 'name', 'repetition', name='uq_flow_action_results'),
    )


def downgrade() -> None:
    op.drop_table('flow_action_results')
    op.drop_table('flow_runs')
    op.drop_table('flow_versions')
    op.drop_table('flows')
