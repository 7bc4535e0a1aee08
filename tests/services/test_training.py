"""Training requests: who may ask, managers granting (with an optional expiry) or declining, and
what an expired qualification stops."""

from datetime import date, timedelta

import pytest

from booking.extensions import db
from booking.models import Booking, Qualification
from booking.services import training
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.violations import BookingRefused
from tests.booking_factories import NOW, book, codes, make_worked_example_resource, rome
from tests.catalogue_factories import make_org_admin
from tests.factories import make_organisation, make_qualification, make_resource, make_user
from tests.requests_factories import make_training_request

TODAY = date(2026, 12, 1)


@pytest.fixture
def manager(app):
    return make_user()


@pytest.fixture
def resource(manager):
    return make_worked_example_resource(
        organisation=manager.organisation, requires_qualification=True, managers=[manager]
    )


@pytest.fixture
def user(app):
    return make_user(make_organisation())


def listed(query) -> list[int]:
    return [request.id for request in db.session.execute(query).scalars()]


def qualification_of(user, resource) -> Qualification | None:
    return db.session.execute(
        db.select(Qualification).where(
            Qualification.user_id == user.id, Qualification.resource_id == resource.id
        )
    ).scalar_one_or_none()


# --- Asking -------------------------------------------------------------------------------------


def test_a_user_without_the_qualification_asks_for_training(resource, user):
    request = make_training_request(user, resource, "I use a similar line at work.")
    assert (request.status, request.user_id, request.resource_id, request.message) == (
        "open",
        user.id,
        resource.id,
        "I use a similar line at work.",
    )


def test_a_user_whose_qualification_expired_may_ask_again(resource, user):
    make_qualification(resource, user, expires_on=TODAY - timedelta(days=1))
    assert make_training_request(user, resource).status == "open"


def test_a_resource_that_requires_no_qualification_takes_no_training_requests(user):
    free = make_resource()
    with pytest.raises(Conflict):
        make_training_request(user, free)


def test_a_qualified_user_need_not_ask(resource, user):
    make_qualification(resource, user, expires_on=TODAY)
    with pytest.raises(Conflict):
        make_training_request(user, resource)


def test_managers_need_no_training_on_their_resource(resource, manager):
    with pytest.raises(Conflict):
        make_training_request(manager, resource)


def test_one_open_request_per_user_and_resource(resource, user):
    make_training_request(user, resource)
    with pytest.raises(Conflict):
        make_training_request(user, resource)


def test_after_a_decline_the_user_may_ask_again(resource, manager, user):
    first = make_training_request(user, resource)
    training.decline(manager, first.id, now=NOW)
    assert make_training_request(user, resource).status == "open"


def test_an_invisible_resource_takes_no_training_requests(user):
    hidden = make_resource(visibility="organisation", requires_qualification=True)
    with pytest.raises(NotFound):
        make_training_request(user, hidden)


def test_a_message_too_long_is_refused(resource, user):
    with pytest.raises(InvalidInput) as error:
        make_training_request(user, resource, "x" * (training.MAX_MESSAGE + 1))
    assert set(error.value.errors) == {"message"}


# --- What the user needs ------------------------------------------------------------------------


def test_the_training_state_follows_the_qualification_and_the_request(resource, manager, user):
    assert training.training_state(user, make_resource(), now=NOW) == training.NOT_REQUIRED
    assert training.training_state(manager, resource, now=NOW) == training.MANAGER
    assert training.training_state(user, resource, now=NOW) == training.NEEDED
    make_training_request(user, resource)
    assert training.training_state(user, resource, now=NOW) == training.REQUESTED


def test_an_expired_qualification_reads_expired_until_asked_again(resource, user):
    make_qualification(resource, user, expires_on=TODAY - timedelta(days=1))
    assert training.training_state(user, resource, now=NOW) == training.EXPIRED


def test_a_valid_qualification_reads_qualified(resource, user):
    make_qualification(resource, user)
    assert training.training_state(user, resource, now=NOW) == training.QUALIFIED


# --- Listing ------------------------------------------------------------------------------------


def test_managers_list_the_open_requests_of_their_resources_oldest_first(resource, manager):
    first = make_training_request(make_user(), resource)
    second = make_training_request(make_user(), resource)
    declined = make_training_request(make_user(), resource)
    training.decline(manager, declined.id, now=NOW)
    other = make_resource(requires_qualification=True)
    make_training_request(make_user(), other)
    assert listed(training.open_requests(manager)) == [first.id, second.id]


def test_members_managing_nothing_list_no_open_requests(resource, user):
    make_training_request(make_user(), resource)
    assert listed(training.open_requests(user)) == []


def test_users_list_their_own_requests(resource, user):
    mine = make_training_request(user, resource)
    make_training_request(make_user(), resource)
    assert listed(training.my_requests(user)) == [mine.id]


def test_a_request_is_seen_by_its_user_and_the_managers_only(resource, manager, user):
    request = make_training_request(user, resource)
    assert training.get_request(user, request.id).id == request.id
    assert training.get_request(manager, request.id).id == request.id
    with pytest.raises(NotFound):
        training.get_request(make_user(user.organisation), request.id)


# --- Granting and declining ---------------------------------------------------------------------


def test_granting_records_the_qualification_and_closes_the_request(resource, manager, user):
    request = make_training_request(user, resource)
    done, qualification = training.grant(
        manager, request.id, date(2027, 6, 30), now=NOW + timedelta(hours=1)
    )
    assert (done.status, done.handled_at) == ("done", NOW + timedelta(hours=1))
    assert (qualification.user_id, qualification.expires_on) == (user.id, date(2027, 6, 30))
    assert qualification.granted_by_id == manager.id


def test_granting_without_an_expiry_qualifies_for_good(resource, manager, user):
    request = make_training_request(user, resource)
    training.grant(manager, request.id, now=NOW)
    assert qualification_of(user, resource).expires_on is None


def test_granting_renews_an_expired_qualification(resource, manager, user):
    make_qualification(resource, user, expires_on=TODAY - timedelta(days=30))
    request = make_training_request(user, resource)
    training.grant(manager, request.id, date(2027, 12, 31), now=NOW)
    assert qualification_of(user, resource).expires_on == date(2027, 12, 31)


def test_an_expiry_in_the_past_is_refused_and_the_request_stays_open(resource, manager, user):
    request = make_training_request(user, resource)
    with pytest.raises(InvalidInput) as error:
        training.grant(manager, request.id, TODAY - timedelta(days=1), now=NOW)
    assert set(error.value.errors) == {"expires_on"}
    assert training.get_request(manager, request.id).status == "open"
    assert qualification_of(user, resource) is None


def test_an_organisation_admin_of_the_owner_may_grant(resource, manager, user):
    request = make_training_request(user, resource)
    done, _ = training.grant(make_org_admin(manager.organisation), request.id, now=NOW)
    assert done.status == "done"


def test_the_requester_cannot_grant_themselves(resource, user):
    request = make_training_request(user, resource)
    with pytest.raises(Forbidden):
        training.grant(user, request.id, now=NOW)


def test_a_stranger_cannot_find_the_request(resource, user):
    request = make_training_request(user, resource)
    with pytest.raises(NotFound):
        training.decline(make_user(), request.id, now=NOW)


def test_a_handled_request_is_not_handled_again(resource, manager, user):
    request = make_training_request(user, resource)
    training.grant(manager, request.id, now=NOW)
    with pytest.raises(Conflict):
        training.decline(manager, request.id, now=NOW)


def test_declining_closes_the_request_without_a_qualification(resource, manager, user):
    request = make_training_request(user, resource)
    declined = training.decline(manager, request.id, now=NOW)
    assert (declined.status, declined.handled_at) == ("declined", NOW)
    assert qualification_of(user, resource) is None


def test_after_the_grant_the_user_may_book(resource, manager, user):
    request = make_training_request(user, resource)
    training.grant(manager, request.id, now=NOW)
    outcome = book(user, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    assert outcome.bookings[0].status == "confirmed"


# --- Expiry -------------------------------------------------------------------------------------


def test_an_existing_booking_stays_confirmed_after_the_qualification_expires(app):
    owner = make_organisation()
    resource = make_worked_example_resource(organisation=owner, requires_qualification=True)
    member = make_user(owner)
    qualification = make_qualification(resource, member, expires_on=date(2026, 12, 20))
    booking = book(member, resource, rome(2026, 12, 15, 9), rome(2026, 12, 15, 10)).bookings[0]
    qualification.expires_on = date(2026, 12, 10)
    db.session.commit()
    after_expiry = rome(2026, 12, 11, 9)
    with pytest.raises(BookingRefused) as refusal:
        book(member, resource, rome(2026, 12, 16, 9), rome(2026, 12, 16, 10), now=after_expiry)
    assert codes(refusal) == ["not_qualified"]
    assert db.session.get(Booking, booking.id).status == "confirmed"
