"""live booking spans: an SP-GiST index for searches across many resources (PostgreSQL)

Revision ID: 0005_live_booking_spans
Revises: 0004_workflows_and_notifications
Create Date: 2026-11-26 14:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0005_live_booking_spans"
down_revision = "0004_workflows_and_notifications"
branch_labels = None
depends_on = None

# The free-slot search asks for the live bookings of hundreds of resources in one window; no
# B-tree bounds a time window across resources, so without this PostgreSQL reads the whole table.
# The span alone is indexed: one resource's bookings are found faster by
# ix_bookings_resource_blocked. SQLite has no range types; its searches use that B-tree.
LIVE_SPANS = (
    "ix_bookings_live_span ON bookings USING spgist "
    "(tstzrange(blocked_start, blocked_end, '[)')) "
    "WHERE status IN ('pending', 'confirmed')"
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # Built without blocking bookings: on a year's table it takes a while. A build that failed
    # or was interrupted leaves an invalid index of that name behind: it is built again.
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_bookings_live_span")
        op.execute(f"CREATE INDEX CONCURRENTLY {LIVE_SPANS}")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    with op.get_context().autocommit_block():
        op.execute("DROP INDEX CONCURRENTLY IF EXISTS ix_bookings_live_span")
