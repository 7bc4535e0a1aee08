"""The history of accounts, organisations and resources (bookings keep their own, BookingAudit)."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import db
from booking.models.people import User
from booking.models.types import UTCDateTime

# What an entry belongs to. A resource's entries also tell of its opening hours, blackouts,
# holiday openings, qualifications and training decisions: the action says which.
ENTITY_TYPES = ("user", "organisation", "resource")


class HistoryEntry(db.Model):
    """One change, as it happened; rows are only ever added (on PostgreSQL a trigger refuses
    UPDATE, DELETE and TRUNCATE). The actions are listed in services/history.py, not in a check
    constraint, so that a service can tell of a new kind of change without a migration."""

    __tablename__ = "change_history"
    __table_args__ = (
        CheckConstraint(
            "entity_type IN (" + ", ".join(f"'{t}'" for t in ENTITY_TYPES) + ")",
            name="entity_type",
        ),
        Index("ix_change_history_entity_at", "entity_type", "entity_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    # No foreign key: it names a row of the table that `entity_type` says.
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    # None when the system acted (a shell command). RESTRICT: a trigger keeps the row from being
    # rewritten, so the account of someone who changed something stays.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(500), default="")

    actor: Mapped[User | None] = relationship()
