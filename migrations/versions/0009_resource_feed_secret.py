"""resource feed secret: resource feed links get a secret of their own

Until now the links of resource feeds carried the user's personal feed secret, so whoever got one
could read all of that user's bookings. `users.resource_feed_nonce` holds the random part of a
second secret, which opens resource feeds only (services/calendar.py). Users who had a personal
feed address get one at once, so that resource pages offer them the new links; the old resource
links stop working.

Revision ID: 0009_resource_feed_secret
Revises: 0008_login_security
Create Date: 2026-12-08 12:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009_resource_feed_secret"
down_revision = "0008_login_security"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer()),
    sa.column("calendar_token_hash", sa.String(64)),
    sa.column("resource_feed_nonce", sa.String(64)),
)


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource_feed_nonce', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_resource_feed_nonce'), ['resource_feed_nonce'])

    connection = op.get_bind()
    with_feeds = connection.execute(
        sa.select(users.c.id).where(users.c.calendar_token_hash.is_not(None))
    ).scalars()
    for user_id in list(with_feeds):
        # 32 random bytes, as services/calendar.py makes them.
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(resource_feed_nonce=secrets.token_bytes(32).hex())
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_resource_feed_nonce'), type_='unique')
        batch_op.drop_column('resource_feed_nonce')
