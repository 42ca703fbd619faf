"""secrets at rest: API tokens become keyed hashes with pending changes, webhook secrets are encrypted

Revision ID: 0012
Revises: 0011

Existing values are converted with the server's secret key, which kinflow hands over as the
`secret_key` attribute of the Alembic configuration (see kinflow.storage.migrate). There is no way
back: the downgrade cannot recover a token from its hash, so it refuses.
"""

from alembic import context, op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _key():  # noqa: ANN202
    key = context.config.attributes.get("secret_key")
    if key is None:
        raise RuntimeError("this migration converts stored tokens and secrets: it needs the secret key")
    return key


def upgrade() -> None:
    bind = op.get_bind()
    # Both SQLite (3.25+) and PostgreSQL rename in place, unique index included.
    op.execute("ALTER TABLE api_tokens RENAME COLUMN token TO token_hash")
    op.add_column('api_tokens', sa.Column('token_tail', sa.String(length=4), server_default='', nullable=False))
    op.add_column('api_tokens', sa.Column('pending', sa.JSON(none_as_null=True), nullable=True))
    op.add_column('api_tokens', sa.Column('revoked', sa.Boolean(), server_default=sa.false(), nullable=False))
    if bind.dialect.name != 'sqlite':  # SQLite does not enforce a VARCHAR's length
        op.alter_column('webhooks', 'secret', type_=sa.Text(), existing_type=sa.String(length=128),
                        existing_nullable=False, existing_server_default='')

    tokens = sa.table('api_tokens', sa.column('id', sa.Integer), sa.column('token_hash', sa.String),
                      sa.column('token_tail', sa.String))
    rows = bind.execute(sa.select(tokens.c.id, tokens.c.token_hash)).all()
    for token_id, value in rows:
        bind.execute(tokens.update().where(tokens.c.id == token_id).values(
            token_hash=_key().token_hash(value), token_tail=value[-4:]))

    webhooks = sa.table('webhooks', sa.column('id', sa.Integer), sa.column('secret', sa.Text))
    rows = bind.execute(sa.select(webhooks.c.id, webhooks.c.secret).where(webhooks.c.secret != '')).all()
    for webhook_id, secret in rows:
        bind.execute(webhooks.update().where(webhooks.c.id == webhook_id).values(secret=_key().encrypt(secret)))


def downgrade() -> None:
    raise NotImplementedError("API tokens are stored as hashes now: they cannot be turned back into tokens")
