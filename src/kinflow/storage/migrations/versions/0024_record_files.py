"""record files: the files of FILE fields, uploaded with POST file.json and attached to records

Revision ID: 0024
Revises: 0023
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('record_files',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('upload_key', sa.String(length=36), nullable=True),
    sa.Column('app_id', sa.Integer(), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('uploader', sa.String(length=128), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('upload_key')
    )
    op.create_index('ix_record_files_record', 'record_files', ['app_id', 'record_id'])
    op.create_index('ix_record_files_created_at', 'record_files', ['created_at'])


def downgrade() -> None:
    op.drop_index('ix_record_files_created_at', table_name='record_files')
    op.drop_index('ix_record_files_record', table_name='record_files')
    op.drop_table('record_files')
