"""groups media: uploaded media, attachment messages and custom action packages in the database

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kaizala_media',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=128), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('kaizala_attachments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('sender_id', sa.String(length=36), nullable=False),
    sa.Column('action_type', sa.String(length=16), nullable=False),
    sa.Column('caption', sa.Text(), server_default='', nullable=False),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['kaizala_people.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_kaizala_attachments_group', 'kaizala_attachments', ['group_id', 'created_at'])
    op.create_table('kaizala_action_packages',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=128), nullable=False),
    sa.Column('provider_name', sa.String(length=64), nullable=False),
    sa.Column('manifest', sa.JSON(), nullable=False),
    sa.Column('archive', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.Column('importer', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kaizala_webhooks') as batch_op:
        batch_op.alter_column('object_id', type_=sa.String(length=64), existing_type=sa.String(length=36),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('kaizala_webhooks') as batch_op:
        batch_op.alter_column('object_id', type_=sa.String(length=36), existing_type=sa.String(length=64),
                              existing_nullable=False)
    op.drop_table('kaizala_action_packages')
    op.drop_index('ix_kaizala_attachments_group', table_name='kaizala_attachments')
    op.drop_table('kaizala_attachments')
    op.drop_table('kaizala_media')
