"""The API's side of account security: the password policy, admin resets and deactivation."""

from booking.extensions import db
from booking.models import Booking
from tests.accounts_factories import assert_problem, make_network_admin
from tests.booking_factories import WEEKDAYS_8_TO_18, book, rome
from tests.factories import (
    make_organisation,
    make_resource,
    make_user,
    set_opening_hours,
    token_for,
)


def _new_account(organisation, password: str) -> dict:
    return {
        "email": "new.person@example.org",
        "name": "New Person",
        "password": password,
        "organisation_id": organisation.id,
    }


def test_a_common_password_is_refused_with_422_saying_why(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/users", headers=headers, json=_new_account(make_organisation(), "password123")
    )
    body = assert_problem(response, 422)
    assert "too common or too easy to guess" in body["errors"]["password"]


def test_an_admin_may_not_set_a_common_password(client):
    user = make_user()
    response = client.patch(
        f"/api/v1/users/{user.id}",
        headers=token_for(client, make_network_admin()),
        json={"password": "12345678"},
    )
    assert "at least 10 characters" in assert_problem(response, 422)["errors"]["password"]


def test_deactivating_through_the_api_cancels_upcoming_bookings_and_says_how_many(client):
    user = make_user()
    resource = make_resource(make_organisation(), approval="none")
    set_opening_hours(resource, WEEKDAYS_8_TO_18)
    booking = book(user, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    db.session.commit()

    response = client.patch(
        f"/api/v1/users/{user.id}",
        headers=token_for(client, make_network_admin()),
        json={"active": False},
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["active"] is False
    assert body["cancelled"] == {"bookings": 1, "trial_requests": 0, "training_requests": 0}
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "cancelled"


def test_other_changes_answer_without_cancellations(client):
    user = make_user()
    response = client.patch(
        f"/api/v1/users/{user.id}",
        headers=token_for(client, make_network_admin()),
        json={"name": "Renamed"},
    )
    assert "cancelled" not in response.get_json()


def test_the_openapi_document_tells_of_throttling_and_of_what_deactivation_cancels(client):
    document = client.get("/api/v1/openapi.json").get_json()
    tokens = document["paths"]["/tokens"]["post"]["responses"]
    assert "Retry-After" in tokens["429"]["headers"]
    patch = document["paths"]["/users/{id}"]["patch"]
    assert "cancels the user's pending and confirmed bookings" in patch["description"]
    changed = document["components"]["schemas"]["UserChanged"]["allOf"][1]
    assert set(changed["properties"]["cancelled"]["properties"]) == {
        "bookings",
        "trial_requests",
        "training_requests",
    }
