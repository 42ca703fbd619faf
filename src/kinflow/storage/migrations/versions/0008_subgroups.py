"""subgroups: Kaizala's hierarchical groups

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kaizala_subgroups',
    sa.Column('parent_id', sa.String(length=36), nullable=False),
    sa.Column('child_id', sa.String(length=36), nullable=False),
    sa.Column('added_by', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['child_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['added_by'], ['kaizala_people.id']),
    sa.PrimaryKeyConstraint('parent_id', 'child_id')
    )
    op.create_index('ix_kaizala_subgroups_child', 'kaizala_subgroups', ['child_id'])


def downgrade() -> None:
    op.drop_index('ix_kaizala_subgroups_child', table_name='kaizala_subgroups')
    op.drop_table('kaizala_subgroups')
