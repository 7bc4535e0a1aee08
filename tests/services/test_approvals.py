"""Managers approve and reject requests; approval re-checks the rules and turns competitors away."""

from datetime import date

import pytest

from booking.extensions import db
from booking.models import Booking, Qualification, User
from booking.services.approvals import approve, reject
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.violations import BookingRefused
from tests.booking_factories import NOW, book, codes, rome
from tests.concurrency import at_once
from tests.factories import (
    make_blackout,
    make_organisation,
    make_qualification,
    make_resource,
    make_user,
)

WED = (2026, 12, 2)


@pytest.fixture
def manager(app):
    return make_user()


@pytest.fixture
def resource(manager):
    return make_resource(manager.organisation, approval="always", managers=[manager])


def request_for(resource, start, end, **fields):
    return book(make_user(make_organisation()), resource, start, end, **fields).bookings[0]


def test_approving_confirms_the_request(resource, manager):
    pending = request_for(resource, rome(*WED, 9), rome(*WED, 10))
    approved = approve(manager, pending.id, now=NOW, reason="Welcome")
    assert (approved.status, approved.decision_reason, approved.decided_by_id) == (
        "confirmed",
        "Welcome",
        manager.id,
    )


def test_approving_rejects_competing_requests_that_no_longer_fit(resource, manager):
    first = request_for(resource, rome(*WED, 9), rome(*WED, 10))
    competing = request_for(resource, rome(*WED, 9, 30), rome(*WED, 10, 30))
    elsewhere = request_for(resource, rome(*WED, 11), rome(*WED, 12))
    approve(manager, first.id, now=NOW)
    db.session.refresh(competing)
    db.session.refresh(elsewhere)
    assert (competing.status, competing.decision_reason) == ("rejected", "slot_taken")
    assert elsewhere.status == "pending"


def test_approving_rejects_competitors_on_the_joint_lab(manager):
    lab = make_resource(
        manager.organisation, kind="joint_lab", approval="always", managers=[manager]
    )
    instrument = make_resource(
        manager.organisation, parent_id=lab.id, approval="always", managers=[manager]
    )
    on_instrument = request_for(instrument, rome(*WED, 9), rome(*WED, 10))
    on_lab = request_for(lab, rome(*WED, 8), rome(*WED, 12))
    approve(manager, on_instrument.id, now=NOW)
    db.session.refresh(on_lab)
    assert (on_lab.status, on_lab.decision_reason) == ("rejected", "slot_taken")


def test_approval_rechecks_the_rules_at_that_moment(resource, manager):
    pending = request_for(resource, rome(*WED, 9), rome(*WED, 10))
    make_blackout(resource, rome(*WED, 0), rome(*WED, 23), reason="Flood")
    with pytest.raises(BookingRefused) as refusal:
        approve(manager, pending.id, now=NOW)
    assert codes(refusal) == ["blackout"]
    db.session.refresh(pending)
    assert pending.status == "pending"


def test_approval_ignores_notice_rules_but_not_the_past(manager):
    resource = make_resource(
        manager.organisation, approval="always", lead_time_hours=24, managers=[manager]
    )
    pending = request_for(resource, rome(*WED, 12), rome(*WED, 13))
    assert approve(manager, pending.id, now=rome(*WED, 11)).status == "confirmed"
    late = request_for(resource, rome(2026, 12, 4, 12), rome(2026, 12, 4, 13))
    with pytest.raises(BookingRefused) as refusal:
        approve(manager, late.id, now=rome(2026, 12, 4, 12, 30))
    assert codes(refusal) == ["in_past"]


def test_rejecting_keeps_the_managers_reason(resource, manager):
    pending = request_for(resource, rome(*WED, 9), rome(*WED, 10))
    rejected = reject(manager, pending.id, now=NOW, reason="Instrument reserved for a course")
    assert (rejected.status, rejected.decision_reason) == (
        "rejected",
        "Instrument reserved for a course",
    )


def test_the_requester_may_not_approve_their_own_request(resource):
    requester = make_user(make_organisation())
    pending = book(requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    with pytest.raises(Forbidden):
        approve(requester, pending.id, now=NOW)


def test_a_stranger_cannot_even_find_the_request(resource):
    pending = request_for(resource, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(NotFound):
        reject(make_user(), pending.id, now=NOW)


def test_a_decided_request_cannot_be_decided_again(resource, manager):
    pending = request_for(resource, rome(*WED, 9), rome(*WED, 10))
    approve(manager, pending.id, now=NOW)
    with pytest.raises(Conflict):
        reject(manager, pending.id, now=NOW)


def test_two_managers_approving_competing_requests_at_once_exactly_one_wins(app, resource, manager):
    other_manager = make_user(manager.organisation)
    resource.managers.append(other_manager)
    db.session.commit()
    first = request_for(resource, rome(*WED, 9), rome(*WED, 10)).id
    second = request_for(resource, rome(*WED, 9), rome(*WED, 10)).id
    manager_ids = [manager.id, other_manager.id]
    db.session.rollback()

    def deciding(manager_id: int, booking_id: int):
        def decide() -> str:
            try:
                approve(db.session.get(User, manager_id), booking_id, now=NOW)
                return "approved"
            except (BookingRefused, Conflict) as refusal:
                return type(refusal).__name__

        return decide

    outcomes = at_once(
        app, *(deciding(*pair) for pair in zip(manager_ids, [first, second], strict=True))
    )
    db.session.rollback()
    statuses = sorted(db.session.get(Booking, i).status for i in (first, second))
    assert statuses == ["confirmed", "rejected"]
    assert sorted(outcomes) in (["Conflict", "approved"], ["BookingRefused", "approved"])


def test_approval_still_requires_the_requesters_qualification(manager):
    resource = make_resource(
        manager.organisation, approval="always", requires_qualification=True, managers=[manager]
    )
    requester = make_user(make_organisation())
    make_qualification(resource, requester, expires_on=date(2026, 12, 31))
    pending = book(requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    db.session.execute(Qualification.__table__.update().values(expires_on=date(2026, 11, 30)))
    db.session.commit()
    with pytest.raises(BookingRefused) as refusal:
        approve(manager, pending.id, now=NOW)
    assert codes(refusal) == ["not_qualified"]


def test_a_reason_longer_than_500_characters_is_invalid_input(resource, manager):
    request = request_for(resource, rome(*WED, 9), rome(*WED, 10))

    with pytest.raises(InvalidInput) as refused:
        reject(manager, request.id, now=NOW, reason="x" * 501)

    assert refused.value.errors == {"reason": "must be at most 500 characters"}
    db.session.rollback()
    assert db.session.get(Booking, request.id).status == "pending"
