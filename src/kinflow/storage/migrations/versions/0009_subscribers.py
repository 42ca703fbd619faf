"""subscribers: subscribers of public groups, and the audience of a public group's message

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kaizala_subscribers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'person_id', name='uq_kaizala_subscribers_person')
    )
    with op.batch_alter_table('kaizala_messages') as batch_op:
        batch_op.add_column(sa.Column('audience', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kaizala_messages') as batch_op:
        batch_op.drop_column('audience')
    op.drop_table('kaizala_subscribers')
