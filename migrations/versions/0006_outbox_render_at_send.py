"""outbox render at send: mails about booking changes are rendered by the sender

Revision ID: 0006_outbox_render_at_send
Revises: 0005_live_booking_spans
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_outbox_render_at_send"
down_revision = "0005_live_booking_spans"
branch_labels = None
depends_on = None

# A mail that the older sender cannot render is given up: attempts at MAX_ATTEMPTS of
# services/mailer.py, with this as its last error.
GIVEN_UP_AFTER = 9
NOT_RENDERED = "Not rendered before the downgrade of migration 0006"


def upgrade():
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_change', sa.JSON(), nullable=True))
        batch_op.alter_column('subject', existing_type=sa.String(length=300), nullable=True)
        batch_op.alter_column('text_body', existing_type=sa.Text(), nullable=True)


def downgrade():
    # The older sender cannot render a booking change: a mail still waiting for it is kept, with
    # the reason, and never sent empty.
    outbox_mails = sa.table(
        'outbox_mails',
        sa.column('subject', sa.String),
        sa.column('text_body', sa.Text),
        sa.column('attempts', sa.Integer),
        sa.column('last_error', sa.String),
    )
    op.execute(
        outbox_mails.update()
        .where(sa.or_(outbox_mails.c.subject.is_(None), outbox_mails.c.text_body.is_(None)))
        .values(subject='', text_body='', attempts=GIVEN_UP_AFTER, last_error=NOT_RENDERED)
    )
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.alter_column('text_body', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('subject', existing_type=sa.String(length=300), nullable=False)
        batch_op.drop_column('booking_change')
