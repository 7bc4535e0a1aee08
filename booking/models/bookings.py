"""Bookings and recurring series."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.people import User
from booking.models.resources import Resource
from booking.models.types import UTCDateTime

STATUSES = ("pending", "confirmed", "rejected", "cancelled", "expired")
LIVE_STATUSES = ("pending", "confirmed")
ON_CONFLICT = ("abort", "skip")


class BookingSeries(db.Model):
    """A recurring booking: the RRULE it was made from; its occurrences are ordinary bookings."""

    __tablename__ = "booking_series"
    __table_args__ = (CheckConstraint("on_conflict IN ('abort', 'skip')", name="on_conflict"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    rrule: Mapped[str] = mapped_column(String(500))
    on_conflict: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Booking(db.Model):
    """A booking or a request for one resource over the half-open interval [start_at, end_at).

    `blocked_start`/`blocked_end` is the span the booking keeps busy, buffers included, fixed when
    the booking is written. `exclusive` marks bookings of capacity-1 resources; on PostgreSQL an
    exclusion constraint keeps the blocked spans of confirmed exclusive bookings of one resource
    from overlapping, as a last line behind the booking service's locks.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("blocked_start <= start_at AND blocked_end >= end_at", name="blocked_span"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'rejected', 'cancelled', 'expired')", name="status"
        ),
        Index("ix_bookings_resource_blocked", "resource_id", "blocked_start", "blocked_end"),
        Index("ix_bookings_requester_start", "requester_id", "start_at"),
        Index("ix_bookings_organisation_start", "organisation_id", "start_at"),
        Index("ix_bookings_status_start", "status", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # The requester's organisation when the booking was made (quotas and prices follow it).
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_series.id", ondelete="SET NULL"), index=True
    )
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_start: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_end: Mapped[datetime] = mapped_column(UTCDateTime)
    exclusive: Mapped[bool] = mapped_column(Boolean)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    rate_category: Mapped[str | None] = mapped_column(String(16))
    price_estimate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by the scheduler in the transaction that queues the reminder: a reminder goes out once.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resource: Mapped[Resource] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    series: Mapped[BookingSeries | None] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


AUDIT_ACTIONS = (
    "created",
    "edited",
    "moved",
    "approved",
    "rejected",
    "withdrawn",
    "cancelled",
    "expired",
    "slot_taken",
)


class BookingAudit(db.Model):
    """One change of a booking, as it happened; rows are only ever added (on PostgreSQL a trigger
    refuses UPDATE and DELETE)."""

    __tablename__ = "booking_audit"
    __table_args__ = (
        CheckConstraint(
            "action IN (" + ", ".join(f"'{a}'" for a in AUDIT_ACTIONS) + ")", name="action"
        ),
        Index("ix_booking_audit_booking_at", "booking_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(16))
    # None when the system acted (a scheduled expiry).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500), default="")

    booking: Mapped[Booking] = relationship()
    actor: Mapped[User | None] = relationship()
