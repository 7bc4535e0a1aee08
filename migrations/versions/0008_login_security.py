"""login security: failed logins for the throttle, and a login secret per user

`login_failures` holds the failed logins of the last days (services/logins.py counts them to throttle
guessing, across every process). `users.login_secret` is carried in every session and remember-me
cookie; replacing it ends every login of the user. Existing users get a random one, which ends
the logins made before the upgrade (they carried the old password fingerprint).

Revision ID: 0008_login_security
Revises: 0007_holiday_openings
Create Date: 2026-12-10 10:00:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008_login_security"
down_revision = "0007_holiday_openings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_login_failures_user_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_address_attempted_at', ['address', 'attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index('ix_login_failures_email_attempted_at', ['email', 'attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_secret', sa.String(length=32), nullable=True))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('login_secret', sa.String))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(login_secret=secrets.token_hex(16))
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('login_secret', existing_type=sa.String(length=32), nullable=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('login_secret')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_user_id'))
        batch_op.drop_index('ix_login_failures_email_attempted_at')
        batch_op.drop_index(batch_op.f('ix_login_failures_attempted_at'))
        batch_op.drop_index('ix_login_failures_address_attempted_at')
    op.drop_table('login_failures')
