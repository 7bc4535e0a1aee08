"""The history of every booking: who changed what, when, from what to what, and why."""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, BookingAudit, Resource, User
from booking.models.bookings import LIVE_STATUSES
from booking.services.errors import Forbidden
from booking.services.permissions import can_manage_resource


def snapshot(booking: Booking) -> dict:
    """The fields of a booking that a change can touch, as JSON-ready values."""
    return {
        "status": booking.status,
        "start": booking.start_at.isoformat(),
        "end": booking.end_at.isoformat(),
        "quantity": booking.quantity,
        "title": booking.title,
        "purpose": booking.purpose,
    }


@dataclass(frozen=True)
class RecordedBooking:
    """A booking as one history entry recorded it: the fields a change can touch (`snapshot`) as
    they were right after that change, everything else (who, where) as it is now.
    It reads like a Booking, for the mail templates and the calendar invitation."""

    booking: Booking
    status: str
    start_at: datetime
    end_at: datetime
    quantity: int
    title: str
    purpose: str
    # The entry's moment, the booking's last change as of then.
    updated_at: datetime

    @property
    def id(self) -> int:
        return self.booking.id

    @property
    def resource(self) -> Resource:
        return self.booking.resource

    @property
    def requester(self) -> User:
        return self.booking.requester

    @property
    def requester_id(self) -> int:
        return self.booking.requester_id

    @property
    def created_at(self) -> datetime:
        return self.booking.created_at

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


def as_recorded(entry: BookingAudit) -> RecordedBooking:
    """The booking as `entry` left it."""
    after = entry.after
    return RecordedBooking(
        booking=entry.booking,
        status=after["status"],
        start_at=datetime.fromisoformat(after["start"]).astimezone(UTC),
        end_at=datetime.fromisoformat(after["end"]).astimezone(UTC),
        quantity=after["quantity"],
        title=after["title"],
        purpose=after["purpose"],
        updated_at=entry.at,
    )


def record(
    booking: Booking,
    action: str,
    actor: User | None,
    now: datetime,
    *,
    before: dict | None = None,
    reason: str = "",
) -> None:
    """Add a history entry to the session; the caller's commit writes it with the change, and
    the mails about it (see services/notify.py)."""
    entry = BookingAudit(
        booking=booking,
        action=action,
        actor_id=actor.id if actor else None,
        at=now,
        before=before,
        after=snapshot(booking),
        reason=(reason or "")[:500],
    )
    db.session.add(entry)
    # Imported here: notify renders mails with the calendar module, which imports the booking
    # service, which imports this module.
    from booking.services import notify

    notify.booking_changed(entry, actor, reason)


def history_query(viewer: User, booking: Booking) -> Select:
    """The booking's history, oldest first, with each actor, as a query to page through; for its
    requester, managers and admins."""
    if booking.requester_id != viewer.id and not can_manage_resource(viewer, booking.resource):
        raise Forbidden("Only the requester and the resource's managers see this history.")
    return (
        select(BookingAudit)
        .where(BookingAudit.booking_id == booking.id)
        .order_by(BookingAudit.at, BookingAudit.id)
        .options(selectinload(BookingAudit.actor))
    )


def history(viewer: User, booking: Booking) -> list[BookingAudit]:
    """The booking's history, oldest first, for its requester, managers and admins."""
    return list(db.session.execute(history_query(viewer, booking)).scalars())
