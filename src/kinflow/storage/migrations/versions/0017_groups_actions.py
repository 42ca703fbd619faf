"""groups actions: jobs, polls, surveys, meetings, announcements and custom action instances, and their responses

Revision ID: 0017
Revises: 0016
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kaizala_actions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('reference_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('sender_id', sa.String(length=36), nullable=False),
    sa.Column('action_type', sa.String(length=16), nullable=False),
    sa.Column('package_id', sa.String(length=64), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('multiple', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('sender_only', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('audience', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['kaizala_people.id']),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference_id')
    )
    op.create_index('ix_kaizala_actions_group', 'kaizala_actions', ['group_id', 'action_type', 'created_at'])
    op.create_table('kaizala_responses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.Text(), server_default='', nullable=False),
    sa.Column('location', sa.JSON(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('modified_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['kaizala_actions.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_kaizala_responses_action', 'kaizala_responses', ['action_id', 'person_id'])


def downgrade() -> None:
    op.drop_index('ix_kaizala_responses_action', table_name='kaizala_responses')
    op.drop_table('kaizala_responses')
    op.drop_index('ix_kaizala_actions_group', table_name='kaizala_actions')
    op.drop_table('kaizala_actions')
