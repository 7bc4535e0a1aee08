"""The history of every booking: who changed what, when, from what to what, and why."""

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, BookingAudit, User
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


def record(
    booking: Booking,
    action: str,
    actor: User | None,
    now: datetime,
    *,
    before: dict | None = None,
    reason: str = "",
) -> None:
    """Add a history entry to the session; the caller's commit writes it with the change."""
    db.session.add(
        BookingAudit(
            booking=booking,
            action=action,
            actor_id=actor.id if actor else None,
            at=now,
            before=before,
            after=snapshot(booking),
            reason=(reason or "")[:500],
        )
    )
    # Imported here: notify renders mails with the calendar module, which imports the booking
    # service, which imports this module.
    from booking.services import notify

    notify.booking_changed(booking, action, actor, now, reason)


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
