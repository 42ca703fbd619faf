"""notifications: inbox, mail outbox, reminder cursors and fired reminders

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_BigKey = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', _BigKey, nullable=False),
    sa.Column('user_code', sa.String(length=128), nullable=False),
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('sender', sa.String(length=128), server_default='', nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notifications_inbox', 'notifications', ['user_code', 'id'])
    op.create_index('ix_notifications_unread', 'notifications', ['user_code', 'id'],
                    postgresql_where=sa.text('NOT read'), sqlite_where=sa.text('NOT read'))
    op.create_table('notification_mails',
    sa.Column('id', _BigKey, nullable=False),
    sa.Column('notification_id', _BigKey, nullable=False),
    sa.Column('to_address', sa.String(length=256), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notification_mails_due', 'notification_mails', ['next_attempt_at', 'id'],
                    postgresql_where=sa.text("state = 'pending'"), sqlite_where=sa.text("state = 'pending'"))
    op.create_table('reminder_cursors',
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('setting_key', sa.String(length=40), nullable=False),
    sa.Column('scanned_until', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('app_id', 'setting_key')
    )
    op.create_table('reminders_sent',
    sa.Column('app_id', sa.Integer(), nullable=False),
    sa.Column('setting_key', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['app_id'], ['apps.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('app_id', 'setting_key', 'record_id', 'due_at')
    )


def downgrade() -> None:
    op.drop_table('reminders_sent')
    op.drop_table('reminder_cursors')
    op.drop_index('ix_notification_mails_due', table_name='notification_mails')
    op.drop_table('notification_mails')
    op.drop_index('ix_notifications_unread', table_name='notifications')
    op.drop_index('ix_notifications_inbox', table_name='notifications')
    op.drop_table('notifications')
