"""Availability of one resource, and the free-slot search across resources."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from booking.extensions import db
from booking.models import Resource
from booking.services.availability import find_free_slots, first_slots, resource_availability
from booking.services.errors import InvalidInput, NotFound
from tests.booking_factories import (
    NOW,
    WEEKDAYS_8_TO_18,
    book,
    make_worked_example_resource,
    rome,
)
from tests.factories import (
    make_blackout,
    make_holiday_opening,
    make_organisation,
    make_resource,
    make_user,
    set_opening_hours,
)

WED = (2026, 12, 2)


def day(resource, viewer):
    return resource_availability(viewer, resource.id, rome(*WED, 0), rome(2026, 12, 3, 0), now=NOW)


def test_outside_opening_hours_is_closed(app):
    r = make_worked_example_resource()
    result = day(r, make_user(r.organisation))
    assert [(c["start"], c["end"], c["reason"]) for c in result.closed] == [
        (rome(*WED, 0), rome(*WED, 8), "closed"),
        (rome(*WED, 18), rome(2026, 12, 3, 0), "closed"),
    ]
    assert result.free == [(rome(*WED, 8), rome(*WED, 18))]


def test_a_confirmed_booking_is_busy_and_the_buffers_around_it_are_not_free(app):
    r = make_worked_example_resource()
    user = make_user(r.organisation)
    booking = book(user, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    result = day(r, user)
    assert result.busy == [
        {
            "start": rome(*WED, 9),
            "end": rome(*WED, 10),
            "quantity": 1,
            "booking_id": booking.id,
            "title": "Measurement",
        }
    ]
    # A new booking must end 30 minutes before 09:00 (its own buffer) and start after 10:30.
    assert result.free == [(rome(*WED, 8), rome(*WED, 8, 30)), (rome(*WED, 10, 30), rome(*WED, 18))]


def test_other_organisations_see_only_that_the_time_is_busy(app):
    r = make_worked_example_resource()
    book(make_user(r.organisation), r, rome(*WED, 9), rome(*WED, 10))
    result = day(r, make_user())
    assert result.busy[0]["booking_id"] is None and result.busy[0]["title"] is None


def test_pending_requests_are_requested_and_still_free(app):
    r = make_worked_example_resource(approval="always")
    book(make_user(), r, rome(*WED, 9), rome(*WED, 10))
    result = day(r, make_user(r.organisation))
    assert [(q["start"], q["end"]) for q in result.requested] == [(rome(*WED, 9), rome(*WED, 10))]
    assert result.free == [(rome(*WED, 8), rome(*WED, 18))]


def test_blackouts_and_the_parents_bookings_are_closed(app):
    lab = make_resource(kind="joint_lab", approval="none")
    instrument = make_resource(lab.organisation, parent_id=lab.id, approval="none")
    make_blackout(instrument, rome(*WED, 14), rome(*WED, 15), reason="Calibration")
    book(make_user(lab.organisation), lab, rome(*WED, 9), rome(*WED, 10))
    result = day(instrument, make_user(lab.organisation))
    reasons = [(c["start"].hour, c["reason"]) for c in result.closed]
    assert (8, "parent_booked") in reasons and (13, "blackout") in reasons


def test_capacity_leaves_time_free_until_full(app):
    r = make_resource(capacity=2, approval="none")
    org = r.organisation
    book(make_user(org), r, rome(*WED, 9), rome(*WED, 11))
    assert day(r, make_user(org)).free == [(rome(*WED, 0), rome(2026, 12, 3, 0))]
    book(make_user(org), r, rome(*WED, 10), rome(*WED, 12))
    assert day(r, make_user(org)).free == [
        (rome(*WED, 0), rome(*WED, 10)),
        (rome(*WED, 11), rome(2026, 12, 3, 0)),
    ]


def test_lead_time_is_not_free(app):
    r = make_resource(lead_time_hours=30, approval="none")
    result = resource_availability(
        make_user(r.organisation), r.id, NOW, NOW + timedelta(days=2), now=NOW
    )
    assert result.free[0][0] == NOW + timedelta(hours=30)


def test_an_invisible_resource_has_no_availability(app):
    r = make_resource(visibility="organisation")
    with pytest.raises(NotFound):
        day(r, make_user())


def test_a_window_ending_before_it_starts_is_invalid(app):
    r = make_resource()
    with pytest.raises(InvalidInput):
        resource_availability(make_user(), r.id, rome(*WED, 10), rome(*WED, 9), now=NOW)


def test_search_returns_the_first_free_slots_of_each_resource(app):
    org = make_organisation()
    busy = make_worked_example_resource(organisation=org, name="Busy one")
    make_worked_example_resource(organisation=org, name="Free one")
    user = make_user(org)
    book(user, busy, rome(*WED, 8), rome(*WED, 12))
    found = find_free_slots(
        user, select(Resource), rome(*WED, 8), rome(*WED, 18), timedelta(hours=2), now=NOW
    )
    assert [(f.resource.name, f.slots[0]) for f in found] == [
        ("Free one", (rome(*WED, 8), rome(*WED, 10))),
        ("Busy one", (rome(*WED, 12, 30), rome(*WED, 14, 30))),
    ]
    assert len(found[0].slots) == 3


def test_search_leaves_out_resources_without_room(app):
    org = make_organisation()
    r = make_worked_example_resource(organisation=org)
    user = make_user(org)
    book(user, r, rome(*WED, 8), rome(*WED, 17))
    found = find_free_slots(
        user, select(Resource), rome(*WED, 8), rome(*WED, 18), timedelta(hours=2), now=NOW
    )
    assert found == []


def test_search_skips_invisible_resources(app):
    make_resource(visibility="organisation", approval="none")
    found = find_free_slots(
        make_user(), select(Resource), rome(*WED, 8), rome(*WED, 18), timedelta(hours=1), now=NOW
    )
    assert found == []


def a_varied_network():
    """Resources of one organisation whose free time depends on every kind of rule."""
    org = make_organisation()
    user = make_user(org)
    lab = make_resource(org, kind="joint_lab", approval="none", name="Lab")
    set_opening_hours(lab, WEEKDAYS_8_TO_18)
    instrument = make_worked_example_resource(organisation=org, parent_id=lab.id, name="In lab")
    # Easter Monday closes the others; the instrument is opened on it, inside a closed lab.
    make_holiday_opening(instrument, date(2027, 3, 29))
    make_blackout(lab, rome(2027, 3, 29, 12), rome(2027, 3, 29, 14))
    book(user, lab, rome(2027, 3, 26, 9), rome(2027, 3, 26, 11))
    book(user, instrument, rome(2027, 3, 29, 8), rome(2027, 3, 29, 9))
    shared = make_resource(
        org, capacity=2, buffer_before_minutes=15, buffer_after_minutes=45, approval="none"
    )
    book(user, shared, rome(2027, 3, 27, 22), rome(2027, 3, 28, 4), quantity=1)
    book(make_user(org), shared, rome(2027, 3, 28, 1), rome(2027, 3, 28, 3), quantity=1)
    make_resource(org, approval="none", name="Always open")
    make_resource(org, approval="none", horizon_days=118, name="Short horizon")
    make_worked_example_resource(organisation=org, lead_time_hours=24 * 115, name="Long lead")
    return user


def test_search_finds_the_free_time_of_each_resources_availability(app):
    user = a_varied_network()
    # Across the change to summer time (Sunday 28 March 2027 in Rome).
    start, end = rome(2027, 3, 26, 0), rome(2027, 3, 31, 0)
    duration = timedelta(minutes=30)

    found = find_free_slots(user, select(Resource), start, end, duration, now=NOW)

    expected = {}
    for resource in db.session.execute(select(Resource)).scalars():
        free = resource_availability(user, resource.id, start, end, now=NOW).free
        slots = first_slots(resource, free, duration, 3)
        if slots:
            expected[resource.name] = slots
    assert {f.resource.name: f.slots for f in found} == expected
    assert len(expected) == 6


def test_a_search_sends_as_many_statements_for_many_resources_as_for_one(app):
    user = a_varied_network()
    window = (rome(2027, 3, 26, 0), rome(2027, 3, 31, 0), timedelta(hours=1))
    # Once first: the factories' commits expired the user, and reading it again is no part of a
    # search.
    find_free_slots(user, select(Resource), *window, now=NOW)
    sent = []

    def count(*_args):
        sent.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        find_free_slots(user, select(Resource).where(Resource.name == "Lab"), *window, now=NOW)
        for_one = len(sent)
        sent.clear()
        find_free_slots(user, select(Resource), *window, now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(sent) == for_one
