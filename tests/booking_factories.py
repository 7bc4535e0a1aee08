"""Factories and helpers for booking tests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from booking.services.booking import BookingInput, create_bookings
from tests.factories import make_resource, set_opening_hours

ROME = ZoneInfo("Europe/Rome")
# Tuesday 1 December 2026, 09:00 in Rome: the frozen "now" of the booking tests.
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
WEEKDAYS_8_TO_18 = {day: [("08:00", "18:00")] for day in range(5)}


def rome(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


def make_worked_example_resource(**overrides):
    """Resource R of booking-rules.md: capacity 1, 30-minute slots, Mon–Fri 08:00–18:00 Rome,
    30 minutes of buffer after each booking."""
    fields = dict(
        capacity=1,
        slot_minutes=30,
        min_duration_minutes=30,
        buffer_after_minutes=30,
        approval="none",
    )
    fields.update(overrides)
    resource = make_resource(fields.pop("organisation", None), **fields)
    set_opening_hours(resource, WEEKDAYS_8_TO_18)
    return resource


def book(user, resource, start, end, now=NOW, **fields):
    """Create through the service; returns the outcome (raises BookingRefused on refusal)."""
    fields.setdefault("title", "Measurement")
    return create_bookings(
        user, BookingInput(resource_id=resource.id, start=start, end=end, **fields), now=now
    )


def codes(refusal) -> list[str]:
    return sorted(v.code for v in refusal.value.violations)
