"""notifications: one index (user_code, read, id) serves the inbox, its unread part and its count,
instead of an index of the inbox and a partial one of the unread: every notification written costs
one random index page instead of two

Revision ID: 0026
Revises: 0025
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_notifications_unread', table_name='notifications')
    op.drop_index('ix_notifications_inbox', table_name='notifications')
    op.create_index('ix_notifications_inbox', 'notifications', ['user_code', 'read', 'id'])


def downgrade() -> None:
    op.drop_index('ix_notifications_inbox', table_name='notifications')
    op.create_index('ix_notifications_inbox', 'notifications', ['user_code', 'id'])
    op.create_index('ix_notifications_unread', 'notifications', ['user_code', 'id'],
                    postgresql_where=sa.text('NOT read'), sqlite_where=sa.text('NOT read'))
