"""Recurring bookings: expansion in local time, across both changes of summer time."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from booking.extensions import db
from booking.models import Booking
from booking.services.booking import (
    BookingChange,
    cancel_booking,
    update_booking,
)
from booking.services.errors import InvalidInput
from booking.services.recurrence import parse_rrule
from booking.services.violations import BookingRefused
from tests.booking_factories import book, codes, rome
from tests.factories import make_resource, make_user

SEPTEMBER = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
FEBRUARY = datetime(2027, 2, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def resource(app):
    return make_resource(approval="none", slot_minutes=30, min_duration_minutes=30)


@pytest.fixture
def user(resource):
    return make_user(resource.organisation)


def starts_utc(outcome) -> list[str]:
    return [b.start_at.strftime("%m-%d %H:%M") for b in outcome.bookings]


def test_example_4_weekly_tuesdays_keep_local_time_across_the_autumn_change(resource, user):
    outcome = book(
        user,
        resource,
        rome(2026, 10, 6, 9),
        rome(2026, 10, 6, 10),
        now=SEPTEMBER,
        rrule="FREQ=WEEKLY;COUNT=8",
    )
    assert starts_utc(outcome) == [
        "10-06 07:00",
        "10-13 07:00",
        "10-20 07:00",
        "10-27 08:00",
        "11-03 08:00",
        "11-10 08:00",
        "11-17 08:00",
        "11-24 08:00",
    ]
    assert len({b.series_id for b in outcome.bookings}) == 1


def test_weekly_series_keeps_local_time_across_the_spring_change(resource, user):
    outcome = book(
        user,
        resource,
        rome(2027, 3, 16, 9),
        rome(2027, 3, 16, 10),
        now=FEBRUARY,
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    assert starts_utc(outcome) == ["03-16 08:00", "03-23 08:00", "03-30 07:00", "04-06 07:00"]


def test_byday_and_interval_pick_the_days(resource, user):
    outcome = book(
        user,
        resource,
        rome(2026, 12, 7, 9),
        rome(2026, 12, 7, 10),
        rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4",
    )
    assert [
        b.start_at.astimezone(rome(2026, 1, 1, 0).tzinfo).strftime("%a %d")
        for b in outcome.bookings
    ] == ["Mon 07", "Thu 10", "Mon 21", "Thu 24"]


def test_until_bounds_a_daily_series(resource, user):
    outcome = book(
        user,
        resource,
        rome(2026, 12, 14, 9),
        rome(2026, 12, 14, 10),
        rrule="FREQ=DAILY;UNTIL=20261217",
    )
    assert len(outcome.bookings) == 4


def test_an_occurrence_in_the_spring_gap_is_named_and_aborts_the_series(resource, user):
    with pytest.raises(BookingRefused) as refusal:
        book(
            user,
            resource,
            datetime(2027, 3, 26, 2, 30),
            datetime(2027, 3, 26, 3, 0),
            now=FEBRUARY,
            rrule="FREQ=DAILY;COUNT=3",
        )
    assert codes(refusal) == ["nonexistent_local_time"]


def test_skip_leaves_out_the_occurrence_that_does_not_exist(resource, user):
    outcome = book(
        user,
        resource,
        datetime(2027, 3, 26, 2, 30),
        datetime(2027, 3, 26, 3, 0),
        now=FEBRUARY,
        rrule="FREQ=DAILY;COUNT=3",
        on_conflict="skip",
    )
    assert len(outcome.bookings) == 2
    assert [v.code for s in outcome.skipped for v in s.violations] == ["nonexistent_local_time"]


def test_an_occurrence_in_the_repeated_autumn_hour_is_ambiguous(resource, user):
    with pytest.raises(BookingRefused) as refusal:
        book(
            user,
            resource,
            datetime(2026, 10, 24, 2, 0),
            datetime(2026, 10, 24, 2, 30),
            now=SEPTEMBER,
            rrule="FREQ=DAILY;COUNT=2",
        )
    assert codes(refusal) == ["ambiguous_local_time"]


def test_abort_lists_every_conflicting_occurrence(resource, user):
    other = make_user(resource.organisation)
    # Wednesdays: Tuesday 8 December is a public holiday.
    book(other, resource, rome(2026, 12, 9, 9), rome(2026, 12, 9, 10))
    book(other, resource, rome(2026, 12, 23, 9), rome(2026, 12, 23, 10))
    with pytest.raises(BookingRefused) as refusal:
        book(
            user,
            resource,
            rome(2026, 12, 2, 9),
            rome(2026, 12, 2, 10),
            now=rome(2026, 11, 30, 9),
            rrule="FREQ=WEEKLY;COUNT=4",
        )
    assert [(v.code, v.start) for v in refusal.value.violations] == [
        ("overlap", rome(2026, 12, 9, 9)),
        ("overlap", rome(2026, 12, 23, 9)),
    ]
    assert (
        db.session.execute(select(Booking).where(Booking.requester_id == user.id)).first() is None
    )


def test_skip_books_the_rest_and_lists_the_conflicts(resource, user):
    book(make_user(resource.organisation), resource, rome(2026, 12, 9, 9), rome(2026, 12, 9, 10))
    outcome = book(
        user,
        resource,
        rome(2026, 12, 2, 9),
        rome(2026, 12, 2, 10),
        now=rome(2026, 11, 30, 9),
        rrule="FREQ=WEEKLY;COUNT=4",
        on_conflict="skip",
    )
    assert len(outcome.bookings) == 3
    assert [s.start for s in outcome.skipped] == [rome(2026, 12, 9, 9)]


def test_an_open_ended_series_stops_at_the_horizon(app):
    resource = make_resource(approval="none", horizon_days=30)
    outcome = book(
        make_user(resource.organisation),
        resource,
        rome(2026, 12, 2, 9),
        rome(2026, 12, 2, 10),
        rrule="FREQ=WEEKLY",
    )
    assert len(outcome.bookings) == 5  # 2, 9, 16, 23, 30 December; 6 January is past 31 Dec 08:00


def test_occurrences_past_the_horizon_break_the_horizon_rule(app):
    resource = make_resource(approval="none", horizon_days=14)
    with pytest.raises(BookingRefused) as refusal:
        book(
            make_user(resource.organisation),
            resource,
            rome(2026, 12, 2, 9),
            rome(2026, 12, 2, 10),
            rrule="FREQ=WEEKLY;COUNT=4",
        )
    assert codes(refusal) == ["horizon", "horizon"]


def test_more_than_366_occurrences_is_invalid(resource, user):
    with pytest.raises(InvalidInput):
        book(
            user,
            resource,
            rome(2026, 12, 2, 9),
            rome(2026, 12, 2, 10),
            rrule="FREQ=DAILY;COUNT=367",
        )


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=MONTHLY;COUNT=2",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;COUNT=2;UNTIL=20270101",
        "FREQ=DAILY;BYHOUR=9",
        "nonsense",
        "FREQ=DAILY;COUNT=0",
    ],
)
def test_unsupported_rules_are_invalid_input(rrule):
    with pytest.raises(InvalidInput):
        parse_rrule(rrule)


def test_one_occurrence_can_be_cancelled_alone(resource, user):
    outcome = book(
        user, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), rrule="FREQ=WEEKLY;COUNT=3"
    )
    cancel_booking(user, outcome.bookings[1].id, now=rome(2026, 12, 1, 9))
    statuses = [
        b.status for b in db.session.execute(select(Booking).order_by(Booking.start_at)).scalars()
    ]
    assert statuses == ["confirmed", "cancelled", "confirmed"]


def test_one_occurrence_can_be_moved_alone(resource, user):
    outcome = book(
        user, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), rrule="FREQ=WEEKLY;COUNT=3"
    )
    moved = update_booking(
        user,
        outcome.bookings[1].id,
        BookingChange(start=rome(2026, 12, 10, 14), end=rome(2026, 12, 10, 15)),
        now=rome(2026, 12, 1, 9),
    )
    assert moved.start_at == rome(2026, 12, 10, 14)
    assert [b.start_at for b in outcome.bookings if b.id != moved.id] == [
        rome(2026, 12, 2, 9),
        rome(2026, 12, 16, 9),
    ]


def _count_reads(action) -> int:
    """SELECTs issued by `action` (writes are one batched INSERT on PostgreSQL; SQLite's driver
    inserts row by row, which is no query per rule)."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_series_is_checked_with_a_bounded_number_of_queries(app):
    few_resource = make_resource(approval="none", monthly_quota_hours=1000)
    many_resource = make_resource(approval="none", monthly_quota_hours=1000)
    guest = make_user()
    # Both series meet a public holiday (8 December), whose day is skipped.
    start = rome(2026, 12, 7, 9)
    few = _count_reads(
        lambda: book(
            guest,
            few_resource,
            start,
            start + timedelta(hours=1),
            rrule="FREQ=DAILY;COUNT=3",
            on_conflict="skip",
        )
    )
    many = _count_reads(
        lambda: book(
            guest,
            many_resource,
            start,
            start + timedelta(hours=1),
            rrule="FREQ=DAILY;COUNT=300",
            on_conflict="skip",
        )
    )
    assert many == few
