"""Deactivating an account on its page: a confirmation step lists what it cancels."""

import pytest

from booking.extensions import db
from booking.models import Booking, User
from tests.accounts_factories import log_in, make_org_admin
from tests.booking_factories import WEEKDAYS_8_TO_18, book, rome
from tests.factories import make_organisation, make_resource, make_user, set_opening_hours


@pytest.fixture
def leaving(app):
    """An organisation admin, and an account of theirs with a booking ahead."""
    admin = make_org_admin()
    user = make_user(admin.organisation, name="Leaving Person")
    resource = make_resource(make_organisation(), name="Confocal microscope", approval="none")
    set_opening_hours(resource, WEEKDAYS_8_TO_18)
    booking = book(user, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), title="Imaging")
    db.session.commit()
    return admin, user, booking.bookings[0].id


def _deactivate(client, user: User, **extra):
    data = {"email": user.email, "name": user.name, "locale": ""} | extra
    return client.post(f"/admin/users/{user.id}", data=data)


def _state(user_id: int, booking_id: int) -> tuple[bool, str]:
    db.session.expire_all()
    return db.session.get(User, user_id).active, db.session.get(Booking, booking_id).status


def test_deactivating_first_shows_what_would_be_cancelled(client, leaving):
    admin, user, booking_id = leaving
    log_in(client, admin)

    response = _deactivate(client, user)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Deactivating this account cancels what it has booked or asked for" in page
    assert "Confocal microscope" in page and "Imaging" in page
    assert _state(user.id, booking_id) == (True, "confirmed")


def test_confirming_deactivates_and_cancels(client, leaving):
    admin, user, booking_id = leaving
    log_in(client, admin)

    response = _deactivate(
        client, user, confirm_deactivation="y", deactivation_reason="Moved to another lab"
    )

    assert response.status_code == 302
    assert _state(user.id, booking_id) == (False, "cancelled")
    assert db.session.get(Booking, booking_id).decision_reason == "Moved to another lab"
    assert "bookings cancelled: 1" in client.get("/admin/users").get_data(as_text=True)


def test_an_account_with_nothing_ahead_is_deactivated_at_once(client):
    admin = make_org_admin()
    user = make_user(admin.organisation)
    log_in(client, admin)
    assert _deactivate(client, user).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False


def test_the_confirmation_step_is_in_italian_for_italians(client, leaving):
    admin, user, _booking_id = leaving
    admin.locale = "it"
    db.session.commit()
    log_in(client, admin)
    page = _deactivate(client, user).get_data(as_text=True)
    assert "Disattivare questo account annulla ciò che ha prenotato o richiesto" in page
