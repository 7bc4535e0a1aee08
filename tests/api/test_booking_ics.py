"""GET /api/v1/bookings/{id}.ics, POST /api/v1/me/calendar-token and
POST /api/v1/me/resource-feed-token."""

import pytest

from booking.services.calendar import booking_uid, calendar_token
from tests.accounts_factories import assert_problem
from tests.booking_factories import book, rome
from tests.calendar_factories import vevents
from tests.factories import make_organisation, make_resource, make_user, token_for


@pytest.fixture
def lab(app):
    return make_organisation()


@pytest.fixture
def manager(lab):
    return make_user(lab)


@pytest.fixture
def booking(frozen_now, lab, manager):
    resource = make_resource(lab, name="Spettrometro", approval="none", managers=[manager])
    requester = make_user(make_organisation())
    return book(requester, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]


def test_the_requester_gets_the_booking_as_one_event(client, booking):
    response = client.get(
        f"/api/v1/bookings/{booking.id}.ics", headers=token_for(client, booking.requester)
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert [str(e["UID"]) for e in vevents(response.data)] == [booking_uid(booking)]


def test_a_manager_of_the_resource_gets_the_booking(client, booking, manager):
    response = client.get(f"/api/v1/bookings/{booking.id}.ics", headers=token_for(client, manager))
    assert response.status_code == 200
    assert len(vevents(response.data)) == 1


def test_anyone_else_gets_404(client, booking, lab):
    for stranger in (make_user(lab), make_user(make_organisation())):
        response = client.get(
            f"/api/v1/bookings/{booking.id}.ics", headers=token_for(client, stranger)
        )
        assert_problem(response, 404)


def test_an_unknown_booking_is_404(client, booking):
    headers = token_for(client, booking.requester)
    assert_problem(client.get("/api/v1/bookings/999999.ics", headers=headers), 404)
    assert_problem(client.get("/api/v1/bookings/99999999999.ics", headers=headers), 404)


def test_without_a_token_the_answer_is_401(client, booking):
    assert_problem(client.get(f"/api/v1/bookings/{booking.id}.ics"), 401)


def test_the_file_answers_304_to_its_etag(client, booking):
    headers = token_for(client, booking.requester)
    first = client.get(f"/api/v1/bookings/{booking.id}.ics", headers=headers)
    again = client.get(
        f"/api/v1/bookings/{booking.id}.ics",
        headers=headers | {"If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_a_new_calendar_address_replaces_the_old_one(client, booking):
    headers = token_for(client, booking.requester)
    first = client.post("/api/v1/me/calendar-token", headers=headers)
    assert first.status_code == 201
    old_url = first.get_json()["calendar_url"]
    second = client.post("/api/v1/me/calendar-token", headers=headers).get_json()
    assert second["calendar_url"] == (
        f"http://localhost/calendar/{calendar_token(booking.requester)}.ics"
    )
    assert second["webcal_url"] == second["calendar_url"].replace("http://", "webcal://")
    assert client.get(old_url.removeprefix("http://localhost")).status_code == 404
    assert client.get(second["calendar_url"].removeprefix("http://localhost")).status_code == 200


def test_a_new_calendar_address_needs_a_token(client, app):
    assert_problem(client.post("/api/v1/me/calendar-token"), 401)


def test_a_new_resource_feed_secret_replaces_the_old_one_and_not_the_calendar_address(
    client, booking
):
    headers = token_for(client, booking.requester)
    calendar_url = client.post("/api/v1/me/calendar-token", headers=headers).get_json()[
        "calendar_url"
    ]
    first = client.post("/api/v1/me/resource-feed-token", headers=headers)
    assert first.status_code == 201
    old = first.get_json()["resource_feed_token"]
    new = client.post("/api/v1/me/resource-feed-token", headers=headers).get_json()[
        "resource_feed_token"
    ]
    feed = f"/calendar/resources/{booking.resource_id}.ics?token="
    assert client.get(feed + old).status_code == 404
    assert client.get(feed + new).status_code == 200
    assert client.get(calendar_url.removeprefix("http://localhost")).status_code == 200


def test_me_gives_the_resource_feed_secret_once_it_exists(client, booking):
    headers = token_for(client, booking.requester)
    assert client.get("/api/v1/me", headers=headers).get_json()["resource_feed_token"] is None
    made = client.post("/api/v1/me/resource-feed-token", headers=headers).get_json()
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["resource_feed_token"] == made["resource_feed_token"]
    assert me["calendar_url"] is None


def test_a_new_resource_feed_secret_needs_a_token(client, app):
    assert_problem(client.post("/api/v1/me/resource-feed-token"), 401)


def test_the_openapi_document_describes_the_calendar_routes(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert "text/calendar" in paths["/bookings/{id}.ics"]["get"]["responses"]["200"]["content"]
    assert "201" in paths["/me/calendar-token"]["post"]["responses"]
    assert "201" in paths["/me/resource-feed-token"]["post"]["responses"]
    me = document["components"]["schemas"]["Me"]["allOf"][1]["properties"]
    assert {"calendar_url", "resource_feed_token"} <= set(me)
