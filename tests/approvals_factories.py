"""Factories for the approvals, audit, quota and statement tests."""

from booking.extensions import db
from booking.models import Booking, Resource, User
from tests.booking_factories import NOW, book
from tests.factories import make_organisation, make_resource, make_user

# Wednesday 2 December 2026, a working day after the frozen "now".
WED = (2026, 12, 2)


def managed_resource(manager: User, **fields) -> Resource:
    """A resource of the manager's organisation, managed by them, where every booking waits for
    approval (open at all hours: no opening hours)."""
    fields.setdefault("approval", "always")
    return make_resource(manager.organisation, managers=[manager], **fields)


def outsider(**fields) -> User:
    """A member of a new organisation, unrelated to every resource."""
    return make_user(make_organisation(), **fields)


def pending_request(resource: Resource, start, end, requester: User | None = None, **fields):
    """A request by `requester` (an outsider by default), through the booking service."""
    booking = book(requester or outsider(), resource, start, end, **fields).bookings[0]
    assert booking.status == "pending"
    return booking


def confirmed_booking(resource: Resource, start, end, requester: User, now=NOW, **fields):
    """A booking confirmed at once (the resource's approval policy lets `requester` in)."""
    booking = book(requester, resource, start, end, now=now, **fields).bookings[0]
    assert booking.status == "confirmed"
    return booking


def status_of(booking_id: int) -> tuple[str, str]:
    db.session.expire_all()
    booking = db.session.get(Booking, booking_id)
    return booking.status, booking.decision_reason
