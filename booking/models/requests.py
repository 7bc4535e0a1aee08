"""Requests that are not bookings yet: pilot-plant trials with flexible dates, and training."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.bookings import Booking
from booking.models.people import User
from booking.models.resources import Resource
from booking.models.types import UTCDateTime

TRIAL_STATUSES = ("open", "scheduled", "declined", "withdrawn")
TRAINING_STATUSES = ("open", "done", "declined")


class TrialRequest(db.Model):
    """A business asks for time on a pilot installation somewhere inside a window; a manager picks
    the slot, which becomes a confirmed booking."""

    __tablename__ = "trial_requests"
    __table_args__ = (
        CheckConstraint("latest_end > earliest_start", name="window"),
        CheckConstraint("duration_minutes >= 1", name="duration_positive"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in TRIAL_STATUSES) + ")", name="status"
        ),
        Index("ix_trial_requests_resource_status", "resource_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    earliest_start: Mapped[datetime] = mapped_column(UTCDateTime)
    latest_end: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[str] = mapped_column(Text, default="")
    safety_notes: Mapped[str] = mapped_column(Text, default="")
    # Links to documents (specifications, safety data sheets) kept elsewhere.
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    resource: Mapped[Resource] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    booking: Mapped[Booking | None] = relationship()


class TrainingRequest(db.Model):
    """A user asks a resource's managers for the training its bookings require."""

    __tablename__ = "training_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in TRAINING_STATUSES) + ")", name="status"
        ),
        Index("ix_training_requests_resource_status", "resource_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resource: Mapped[Resource] = relationship()
    user: Mapped[User] = relationship()
