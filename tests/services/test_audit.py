"""Every change of a booking leaves an entry in its history, which nobody can rewrite."""

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from booking.extensions import db
from booking.services.approvals import approve, reject
from booking.services.audit import as_recorded, history
from booking.services.booking import BookingChange, cancel_booking, update_booking
from booking.services.errors import Forbidden
from tests.booking_factories import NOW, book, rome
from tests.factories import make_organisation, make_resource, make_user

WED = (2026, 12, 2)


@pytest.fixture
def manager(app):
    return make_user()


@pytest.fixture
def resource(manager):
    return make_resource(manager.organisation, approval="always", managers=[manager])


def actions(viewer, booking):
    return [(entry.action, entry.actor_id) for entry in history(viewer, booking)]


def test_creation_is_recorded_with_its_actor(resource, manager):
    requester = make_user(make_organisation())
    booking = book(requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    assert actions(manager, booking) == [("created", requester.id)]


def test_a_move_records_before_and_after(resource, manager):
    requester = make_user(make_organisation())
    booking = book(requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    update_booking(
        requester, booking.id, BookingChange(start=rome(*WED, 11), end=rome(*WED, 12)), now=NOW
    )
    moved = history(manager, booking)[-1]
    assert moved.action == "moved"
    assert datetime.fromisoformat(moved.before["start"]) == rome(*WED, 9)
    assert datetime.fromisoformat(moved.after["start"]) == rome(*WED, 11)


def test_an_entry_gives_the_booking_as_that_change_left_it(resource, manager):
    requester = make_user(make_organisation())
    booking = book(requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    update_booking(
        requester,
        booking.id,
        BookingChange(start=rome(*WED, 11), end=rome(*WED, 12), title="Calibration"),
        now=NOW,
    )
    cancel_booking(requester, booking.id, now=NOW)
    created, moved, _ = history(manager, booking)
    as_created, as_moved = as_recorded(created), as_recorded(moved)
    assert (as_created.status, as_created.start_at, as_created.title) == (
        "pending",
        rome(*WED, 9),
        "Measurement",
    )
    assert (as_moved.status, as_moved.start_at, as_moved.end_at, as_moved.title) == (
        "pending",
        rome(*WED, 11),
        rome(*WED, 12),
        "Calibration",
    )
    assert as_moved.is_live and as_moved.updated_at == moved.at
    assert (as_moved.id, as_moved.requester, as_moved.resource) == (
        booking.id,
        requester,
        resource,
    )


def test_a_requester_cancelling_a_pending_request_withdraws_it(resource, manager):
    requester = make_user(make_organisation())
    booking = book(requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancel_booking(requester, booking.id, now=NOW, reason="Plans changed")
    entry = history(requester, booking)[-1]
    assert (entry.action, entry.reason, entry.before["status"], entry.after["status"]) == (
        "withdrawn",
        "Plans changed",
        "pending",
        "cancelled",
    )


def test_decisions_and_slot_taken_are_recorded(resource, manager):
    first = book(make_user(make_organisation()), resource, rome(*WED, 9), rome(*WED, 10)).bookings[
        0
    ]
    second = book(make_user(make_organisation()), resource, rome(*WED, 9), rome(*WED, 10)).bookings[
        0
    ]
    third = book(make_user(make_organisation()), resource, rome(*WED, 14), rome(*WED, 15)).bookings[
        0
    ]
    approve(manager, first.id, now=NOW)
    reject(manager, third.id, now=NOW, reason="Closed for a course")
    assert actions(manager, first) == [("created", first.requester_id), ("approved", manager.id)]
    assert [e.action for e in history(manager, second)] == ["created", "slot_taken"]
    assert history(manager, third)[-1].reason == "Closed for a course"


def test_another_member_may_not_read_the_history(resource):
    booking = book(
        make_user(make_organisation()), resource, rome(*WED, 9), rome(*WED, 10)
    ).bookings[0]
    with pytest.raises(Forbidden):
        history(make_user(booking.requester.organisation), booking)


def test_postgresql_refuses_to_rewrite_history(app, resource, manager):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL; SQLite relies on the service")
    book(make_user(make_organisation()), resource, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE booking_audit SET reason = 'forged'"))
    db.session.rollback()
