"""Deactivating an account cancels its upcoming bookings and requests in the same unit of work,
and the managers hear of each cancellation."""

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import Booking, TrainingRequest, TrialRequest, User
from booking.services import accounts, trials
from booking.services.errors import Conflict, Forbidden
from tests.accounts_factories import make_org_admin
from tests.booking_factories import NOW, WEEKDAYS_8_TO_18, book, rome
from tests.factories import make_organisation, make_resource, make_user, set_opening_hours
from tests.requests_factories import make_pilot, make_training_request, make_trial
from tests.smtp import queued


@pytest.fixture
def scene(app):
    """An account with a confirmed and a pending booking ahead, one in the past, an open trial
    request and an open training request; its organisation's admin; the managers elsewhere."""
    owner = make_organisation(name="Lab Owner")
    manager = make_user(owner, name="Marta Manager")
    open_to_all = make_resource(owner, approval="none", managers=[manager])
    needs_approval = make_resource(owner, approval="always", managers=[manager])
    trained_only = make_resource(owner, requires_qualification=True, managers=[manager])
    pilot = make_pilot(organisation=owner, managers=[manager])
    for resource in (open_to_all, needs_approval):
        set_opening_hours(resource, WEEKDAYS_8_TO_18)
    admin = make_org_admin()
    user = make_user(admin.organisation, name="Leaving Person")
    past = book(
        user,
        open_to_all,
        rome(2026, 11, 30, 9),
        rome(2026, 11, 30, 10),
        now=NOW - timedelta(days=2),
    )
    confirmed = book(user, open_to_all, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    pending = book(user, needs_approval, rome(2026, 12, 3, 9), rome(2026, 12, 3, 10)).bookings[0]
    trial = make_trial(user, pilot)
    training_request = make_training_request(user, trained_only)
    db.session.commit()
    return {
        "admin": admin,
        "user": user,
        "manager": manager,
        "past": past.bookings[0].id,
        "confirmed": confirmed.id,
        "pending": pending.id,
        "trial": trial.id,
        "training": training_request.id,
    }


def _status(model, row_id: int) -> str:
    db.session.expire_all()
    return db.session.get(model, row_id).status


def test_the_admin_sees_what_deactivation_would_cancel(scene):
    commitments = accounts.commitments_to_end(scene["admin"], scene["user"].id, now=NOW)
    assert [b.id for b in commitments.bookings] == [scene["confirmed"], scene["pending"]]
    assert [t.id for t in commitments.trial_requests] == [scene["trial"]]
    assert [t.id for t in commitments.training_requests] == [scene["training"]]


def test_deactivating_cancels_upcoming_bookings_and_requests(scene):
    change = accounts.update_user(scene["admin"], scene["user"].id, active=False, now=NOW)

    assert change.ended.counts() == {"bookings": 2, "trial_requests": 1, "training_requests": 1}
    assert _status(Booking, scene["confirmed"]) == "cancelled"
    assert _status(Booking, scene["pending"]) == "cancelled"
    assert _status(Booking, scene["past"]) == "confirmed"
    assert _status(TrialRequest, scene["trial"]) == "withdrawn"
    assert _status(TrainingRequest, scene["training"]) == "declined"


def test_the_cancellations_carry_the_reason_and_the_admin_as_who_decided(scene):
    accounts.update_user(
        scene["admin"], scene["user"].id, active=False, deactivation_reason="Left the lab", now=NOW
    )
    db.session.expire_all()
    booking = db.session.get(Booking, scene["confirmed"])
    assert (booking.decision_reason, booking.decided_by_id) == ("Left the lab", scene["admin"].id)


def test_the_managers_are_mailed_each_cancellation_and_the_leaver_nothing(scene):
    before = {m.id for m in queued()}
    accounts.update_user(scene["admin"], scene["user"].id, active=False, now=NOW)
    mails = [m for m in queued() if m.id not in before]
    to_manager = sorted(m.kind for m in mails if m.recipient_id == scene["manager"].id)
    assert to_manager == ["cancellation", "cancellation", "trial_withdrawn"]
    assert [m for m in mails if m.recipient_id == scene["user"].id] == []


def test_a_deactivation_failing_halfway_cancels_nothing(scene, monkeypatch):
    def withdrawn_meanwhile(*args, **kwargs):
        raise Conflict("This trial request was decided meanwhile.")

    monkeypatch.setattr(trials, "withdraw", withdrawn_meanwhile)
    with pytest.raises(Conflict):
        accounts.update_user(scene["admin"], scene["user"].id, active=False, now=NOW)
    assert _status(Booking, scene["confirmed"]) == "confirmed"
    db.session.expire_all()
    assert db.session.get(User, scene["user"].id).active is True


def test_someone_who_may_not_deactivate_the_account_may_not_see_its_commitments(scene):
    with pytest.raises(Forbidden):
        accounts.commitments_to_end(
            make_user(scene["user"].organisation), scene["user"].id, now=NOW
        )


def test_other_changes_to_an_active_account_cancel_nothing(scene):
    change = accounts.update_user(scene["admin"], scene["user"].id, name="Staying", now=NOW)
    assert change.ended is None
    assert _status(Booking, scene["confirmed"]) == "confirmed"
