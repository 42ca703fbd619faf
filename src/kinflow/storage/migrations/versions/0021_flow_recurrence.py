"""flow recurrence: the next occurrence of an enabled Recurrence flow

Revision ID: 0021
Revises: 0020
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flows') as batch_op:
        batch_op.add_column(sa.Column('next_occurrence_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_flows_next_occurrence_at', ['next_occurrence_at'])


def downgrade() -> None:
    with op.batch_alter_table('flows') as batch_op:
        batch_op.drop_index('ix_flows_next_occurrence_at')
        batch_op.drop_column('next_occurrence_at')
