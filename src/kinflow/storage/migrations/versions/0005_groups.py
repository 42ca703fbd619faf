"""groups: Kaizala connectors, people, PINs, tokens, groups, members, messages, webhook subscriptions

Revision ID: 0005
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_UUID = sa.String(length=36)


def upgrade() -> None:
    op.create_table('kaizala_connectors',
    sa.Column('id', _UUID, nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('creator', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('kaizala_people',
    sa.Column('id', _UUID, nullable=False),
    sa.Column('mobile', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), server_default='', nullable=False),
    sa.Column('provisioned', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mobile')
    )
    op.create_table('kaizala_pins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mobile', sa.String(length=16), nullable=False),
    sa.Column('connector_id', _UUID, nullable=False),
    sa.Column('pin_hash', sa.String(length=64), nullable=False),
    sa.Column('tries', sa.Integer(), server_default='0', nullable=False),
    sa.Column('used', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connector_id'], ['kaizala_connectors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_kaizala_pins_mobile', 'kaizala_pins', ['mobile', 'created_at'])
    op.create_table('kaizala_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('connector_id', _UUID, nullable=False),
    sa.Column('person_id', _UUID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connector_id'], ['kaizala_connectors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('kaizala_groups',
    sa.Column('id', _UUID, nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('welcome_message', sa.Text(), server_default='', nullable=False),
    sa.Column('group_type', sa.String(length=16), nullable=False),
    sa.Column('short_description', sa.Text(), server_default='', nullable=False),
    sa.Column('long_description', sa.Text(), server_default='', nullable=False),
    sa.Column('creator_id', _UUID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['kaizala_people.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('kaizala_members',
    sa.Column('id', _UUID, nullable=False),
    sa.Column('group_id', _UUID, nullable=False),
    sa.Column('person_id', _UUID, nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'person_id', name='uq_kaizala_members_person')
    )
    op.create_index('ix_kaizala_members_person', 'kaizala_members', ['person_id'])
    op.create_table('kaizala_messages',
    sa.Column('id', _UUID, nullable=False),
    sa.Column('group_id', _UUID, nullable=False),
    sa.Column('sender_id', _UUID, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reply_to', _UUID, nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['kaizala_groups.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['kaizala_people.id']),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_kaizala_messages_group', 'kaizala_messages', ['group_id', 'created_at'])
    op.create_table('kaizala_webhooks',
    sa.Column('id', _UUID, nullable=False),
    sa.Column('webhook_id', sa.Integer(), nullable=False),
    sa.Column('object_id', _UUID, nullable=False),
    sa.Column('object_type', sa.String(length=16), nullable=False),
    sa.Column('callback_token', sa.Text(), server_default='', nullable=False),
    sa.Column('context', sa.Text(), server_default='', nullable=False),
    sa.Column('valid_until', sa.DateTime(), nullable=False),
    sa.Column('connector_id', _UUID, nullable=False),
    sa.Column('person_id', _UUID, nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['webhook_id'], ['webhooks.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connector_id'], ['kaizala_connectors.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['kaizala_people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('webhook_id')
    )
    op.create_index('ix_kaizala_webhooks_object', 'kaizala_webhooks', ['object_type', 'object_id'])


def downgrade() -> None:
    for table in ('kaizala_webhooks', 'kaizala_messages', 'kaizala_members', 'kaizala_groups',
                  'kaizala_tokens', 'kaizala_pins', 'kaizala_people', 'kaizala_connectors'):
        op.drop_table(table)
