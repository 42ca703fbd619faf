"""login failures: the count that bounds password guessing

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('login', sa.String(length=128), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', sa.DateTime(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('login', 'address')
    )
    op.create_index('ix_login_failures_first_failed_at', 'login_failures', ['first_failed_at'])


def downgrade() -> None:
    op.drop_index('ix_login_failures_first_failed_at', table_name='login_failures')
    op.drop_table('login_failures')
