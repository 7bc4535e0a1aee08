"""Requests nobody decided expire at their start, or at the resource's decision deadline."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, BookingAudit, User
from booking.services.approvals import approve
from booking.services.errors import Conflict
from booking.services.expiry import expire_undecided
from booking.services.mailer import send_pending
from tests.booking_factories import book, rome
from tests.concurrency import at_once
from tests.factories import make_organisation, make_resource, make_user
from tests.smtp import methods, outbox

START, END = rome(2026, 12, 3, 9), rome(2026, 12, 3, 10)


@pytest.fixture
def manager(app):
    return make_user()


def request_on(resource, start=START, end=END) -> Booking:
    requester = make_user(make_organisation())
    booking = book(requester, resource, start, end).bookings[0]
    assert booking.status == "pending"
    return booking


def reloaded(booking_id: int) -> Booking:
    db.session.expire_all()
    return db.session.get(Booking, booking_id)


def expiry_entries(booking_id: int) -> list[tuple[str, int | None]]:
    rows = db.session.execute(
        select(BookingAudit.action, BookingAudit.actor_id).where(
            BookingAudit.booking_id == booking_id, BookingAudit.action == "expired"
        )
    )
    return [tuple(row) for row in rows]


def test_a_request_expires_at_its_start(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    request = request_on(resource)
    assert expire_undecided(START - timedelta(seconds=1)) == []
    assert expire_undecided(START) == [request.id]
    expired = reloaded(request.id)
    assert (expired.status, expired.decided_by_id, expired.updated_at) == ("expired", None, START)
    assert expiry_entries(request.id) == [("expired", None)]


def test_a_request_expires_at_the_resources_decision_deadline(manager):
    resource = make_resource(
        manager.organisation, approval="always", managers=[manager], decision_deadline_hours=24
    )
    request = request_on(resource)
    deadline = START - timedelta(hours=24)
    assert expire_undecided(deadline - timedelta(seconds=1)) == []
    assert expire_undecided(deadline) == [request.id]
    assert reloaded(request.id).status == "expired"


def test_expiry_is_idempotent(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    request = request_on(resource)
    expire_undecided(START)
    assert expire_undecided(START + timedelta(minutes=1)) == []
    assert expiry_entries(request.id) == [("expired", None)]
    assert len(outbox("expired")) == 1


def test_only_requests_that_are_due_expire(manager):
    deadline_resource = make_resource(
        manager.organisation, approval="always", managers=[manager], decision_deadline_hours=48
    )
    plain_resource = make_resource(manager.organisation, approval="always", managers=[manager])
    due = request_on(deadline_resource)
    not_yet = request_on(plain_resource)
    assert expire_undecided(START - timedelta(hours=47)) == [due.id]
    assert reloaded(not_yet.id).status == "pending"


def test_confirmed_bookings_never_expire(app):
    resource = make_resource(approval="none")
    booking = book(make_user(), resource, START, END).bookings[0]
    assert expire_undecided(END) == []
    assert reloaded(booking.id).status == "confirmed"


def test_the_requester_is_told_that_the_request_expired(manager, smtp_server):
    resource = make_resource(
        manager.organisation, name="Cryostat", approval="always", managers=[manager]
    )
    request = request_on(resource)
    expire_undecided(START)
    send_pending(START)
    (received,) = smtp_server.to(request.requester.email)
    assert received.message["Subject"] == "Request expired: Measurement (Cryostat)"
    assert "Your request for Cryostat has expired" in received.text
    assert methods(received) == ["CANCEL"]


def test_an_approval_and_the_expiry_at_the_same_moment_never_both_win(app, manager):
    resource = make_resource(
        manager.organisation, approval="always", managers=[manager], decision_deadline_hours=24
    )
    request_id = request_on(resource).id
    manager_id = manager.id
    moment = START - timedelta(hours=24)
    db.session.remove()

    def approving() -> str:
        try:
            approve(db.session.get(User, manager_id), request_id, now=moment)
            return "won"
        except Conflict:
            return "conflict"

    approved, expired = at_once(app, approving, lambda: expire_undecided(moment))
    outcomes = {"approve": approved, "expire": expired}
    final = reloaded(request_id).status
    if final == "confirmed":
        assert (outcomes["approve"], outcomes["expire"]) == ("won", [])
    else:
        assert (final, outcomes["approve"], outcomes["expire"]) == (
            "expired",
            "conflict",
            [request_id],
        )
