"""reactions: likes and comments on group messages

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kaizala_reactions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('source_group_id', sa.String(length=36), nullable=False),
    sa.Column('reference_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_kaizala_reactions_reference', 'kaizala_reactions', ['reference_id', 'modified_at'])
    op.create_index('ix_kaizala_reactions_group', 'kaizala_reactions', ['group_id', 'modified_at'])


def downgrade() -> None:
    op.drop_index('ix_kaizala_reactions_group', table_name='kaizala_reactions')
    op.drop_index('ix_kaizala_reactions_reference', table_name='kaizala_reactions')
    op.drop_table('kaizala_reactions')
