"""directory: a user's language and mobile number (E.164), and the members of spaces

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(16), server_default='auto', nullable=False))
        batch_op.add_column(sa.Column('mobile_number', sa.String(32), nullable=True))
        batch_op.create_unique_constraint('uq_users_mobile_number', ['mobile_number'])
    op.create_table(
        'space_members',
        sa.Column('space_id', sa.Integer(), sa.ForeignKey('spaces.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('entity_type', sa.String(16), primary_key=True),
        sa.Column('code', sa.String(128), primary_key=True),
        sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('include_subs', sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('space_members')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_constraint('uq_users_mobile_number', type_='unique')
        batch_op.drop_column('mobile_number')
        batch_op.drop_column('language')
