"""Reminders before confirmed bookings, each sent exactly once."""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from booking.extensions import db
from booking.models import Booking
from booking.services import notify
from booking.services.mailer import setting
from booking.services.transaction import writing

DEFAULT_LEAD_HOURS = 24


def reminder_lead() -> timedelta:
    return timedelta(hours=float(setting("REMINDER_LEAD_HOURS", DEFAULT_LEAD_HOURS)))


def send_reminders(now: datetime) -> list[int]:
    """Queue the reminder of every confirmed booking that starts within the lead and has had none;
    returns the ids of the bookings reminded.

    A reminder that fell due while no scheduler ran goes out at the next run, unless the booking
    has started. A booking confirmed or changed when its reminder was already due gets none: its
    confirmation mail has just told the requester. Each booking is claimed by setting
    `reminder_sent_at` only where it is still NULL, in the transaction that queues the mail, so
    two schedulers running at once remind it once: the second one's UPDATE changes no row.
    """
    lead = reminder_lead()
    due = db.session.execute(
        select(Booking.id, Booking.start_at, Booking.updated_at)
        .where(
            Booking.status == "confirmed",
            Booking.reminder_sent_at.is_(None),
            Booking.start_at > now,
            Booking.start_at <= now + lead,
        )
        .order_by(Booking.start_at, Booking.id)
    ).all()
    reminded = []
    for booking_id, start_at, updated_at in due:
        if updated_at > start_at - lead:
            continue
        with writing():
            claimed = db.session.execute(
                update(Booking)
                .where(
                    Booking.id == booking_id,
                    Booking.reminder_sent_at.is_(None),
                    Booking.status == "confirmed",
                    Booking.start_at > now,
                )
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed:
                notify.queue_reminder(db.session.get(Booking, booking_id), now)
                reminded.append(booking_id)
    return reminded
