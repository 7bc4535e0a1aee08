"""change history: every change of accounts, organisations and resources, append-only

On PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE of change_history, and TRUNCATE of
booking_audit too (0003 refused only UPDATE and DELETE there): a TRUNCATE fires no row triggers,
so it takes a statement-level trigger of its own. On SQLite the services are the guard.

Revision ID: 0010_change_history
Revises: 0009_resource_feed_secret
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010_change_history"
down_revision = "0009_resource_feed_secret"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'change_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('entity_type', sa.String(length=16), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=32), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=True),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.CheckConstraint("entity_type IN ('user', 'organisation', 'resource')", name=op.f('ck_change_history_entity_type')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_change_history_actor_id_users'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_change_history')),
    )
    with op.batch_alter_table('change_history', schema=None) as batch_op:
        batch_op.create_index('ix_change_history_entity_at', ['entity_type', 'entity_id', 'at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION change_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'change_history is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER change_history_append_only BEFORE UPDATE OR DELETE ON change_history "
            "FOR EACH ROW EXECUTE FUNCTION change_history_append_only()"
        )
        op.execute(
            "CREATE TRIGGER change_history_no_truncate BEFORE TRUNCATE ON change_history "
            "FOR EACH STATEMENT EXECUTE FUNCTION change_history_append_only()"
        )
        # booking_audit_append_only() (0003) raises whatever fired it.
        op.execute(
            "CREATE TRIGGER booking_audit_no_truncate BEFORE TRUNCATE ON booking_audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION booking_audit_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER booking_audit_no_truncate ON booking_audit")
        op.execute("DROP TRIGGER change_history_no_truncate ON change_history")
        op.execute("DROP TRIGGER change_history_append_only ON change_history")
        op.execute("DROP FUNCTION change_history_append_only()")
    with op.batch_alter_table('change_history', schema=None) as batch_op:
        batch_op.drop_index('ix_change_history_entity_at')

    op.drop_table('change_history')
