"""Side effects written in the same transaction as the change that causes them."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import db
from booking.models.types import UTCDateTime


class OutboxMail(db.Model):
    """A mail to send once its transaction has committed: a rolled-back change never mails anyone.

    A sender claims unsent rows (locking them), sends, and stamps `sent_at`. A mail about a
    booking change is queued unrendered: `booking_change` says what to render, and `subject` and
    `text_body` stay NULL until the sender renders them (services/notify.py, `render_pending`)."""

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recipient_email: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    text_body: Mapped[str | None] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    # Calendar attachment (METHOD:REQUEST or CANCEL), if any.
    ics: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    # What a mail about a booking change describes, for the sender to render it: the action, the
    # actor's id, the reason and, in start order, each booking's id with the id of the history
    # entry the change wrote (services/notify.py). None for mails rendered as they are queued.
    booking_change: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class JobRun(db.Model):
    """A periodic job's run for one period (e.g. the digest of 2026-12-01): the unique key makes
    a second scheduler's attempt at the same period fail instead of running twice."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
