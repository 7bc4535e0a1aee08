"""holiday openings: the public holidays on which managers open a resource

Public holidays come from the holiday calendar (booking/services/holidays.py) and close every
resource; a row here opens one resource on one of them.

Revision ID: 0007_holiday_openings
Revises: 0006_outbox_render_at_send
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_holiday_openings"
down_revision = "0006_outbox_render_at_send"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'holiday_openings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('resource_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_holiday_openings_created_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['resource_id'], ['resources.id'], name=op.f('fk_holiday_openings_resource_id_resources'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_holiday_openings')),
        sa.UniqueConstraint('resource_id', 'day', name=op.f('uq_holiday_openings_resource_id')),
    )


def downgrade():
    op.drop_table('holiday_openings')
