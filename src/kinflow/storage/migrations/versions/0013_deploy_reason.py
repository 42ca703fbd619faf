"""deploy reason: why an app's last deploy failed, shown beside kintone's FAIL status

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('apps') as batch_op:
        batch_op.add_column(sa.Column('deploy_reason', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('apps') as batch_op:
        batch_op.drop_column('deploy_reason')
