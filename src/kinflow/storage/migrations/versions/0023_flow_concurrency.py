"""flow concurrency: the runs a flow may have under way at once

Revision ID: 0023
Revises: 0022
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flows') as batch_op:
        batch_op.add_column(sa.Column('run_limit', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flows') as batch_op:
        batch_op.drop_column('run_limit')
