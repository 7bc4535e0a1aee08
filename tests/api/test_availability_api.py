"""GET /api/v1/resources/{id}/availability and the free-slot search GET /api/v1/availability."""

import pytest

from tests.accounts_factories import assert_problem
from tests.booking_factories import book, make_worked_example_resource, rome
from tests.factories import make_blackout, make_organisation, make_resource, make_user, token_for

WED = (2026, 12, 2)
DAY = {"start": "2026-12-02T00:00:00+01:00", "end": "2026-12-03T00:00:00+01:00"}
OFFICE_HOURS = {"start": "2026-12-02T08:00:00+01:00", "end": "2026-12-02T18:00:00+01:00"}


@pytest.fixture
def r(app, frozen_now):
    """Resource R of the worked examples: other organisations' bookings wait as requests."""
    return make_worked_example_resource(approval="external")


@pytest.fixture
def member(r):
    return make_user(r.organisation)


def availability(client, headers, resource, window=None):
    return client.get(
        f"/api/v1/resources/{resource.id}/availability",
        headers=headers,
        query_string=DAY if window is None else window,
    )


# -- one resource -------------------------------------------------------------------------------


def test_a_confirmed_booking_is_busy_in_utc_with_its_id_for_its_organisation(client, r, member):
    booking = book(member, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]

    response = availability(client, token_for(client, make_user(r.organisation)), r)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["resource_id"], body["timezone"]) == (r.id, "Europe/Rome")
    assert body["busy"] == [
        {
            "start": "2026-12-02T08:00:00Z",
            "end": "2026-12-02T09:00:00Z",
            "quantity": 1,
            "booking_id": booking.id,
            "title": "Measurement",
        }
    ]


def test_another_organisations_busy_interval_hides_its_id_and_title(client, r, member):
    book(member, r, rome(*WED, 9), rome(*WED, 10))

    body = availability(client, token_for(client, make_user()), r).get_json()

    assert [(b["start"], b["booking_id"], b["title"]) for b in body["busy"]] == [
        ("2026-12-02T08:00:00Z", None, None)
    ]


def test_a_pending_request_is_requested_not_busy(client, r, member):
    outsider = make_user()
    book(outsider, r, rome(*WED, 14), rome(*WED, 15))

    body = availability(client, token_for(client, outsider), r).get_json()

    assert body["busy"] == []
    assert [(q["start"], q["end"]) for q in body["requested"]] == [
        ("2026-12-02T13:00:00Z", "2026-12-02T14:00:00Z")
    ]


def test_closing_hours_and_blackouts_are_closed_with_their_reason(client, r, member):
    make_blackout(r, rome(*WED, 16), rome(*WED, 17), reason="Calibration")

    body = availability(client, token_for(client, member), r).get_json()

    assert body["closed"] == [
        {"start": "2026-12-01T23:00:00Z", "end": "2026-12-02T07:00:00Z", "reason": "closed"},
        {
            "start": "2026-12-02T15:00:00Z",
            "end": "2026-12-02T16:00:00Z",
            "reason": "blackout",
            "detail": "Calibration",
        },
        {"start": "2026-12-02T17:00:00Z", "end": "2026-12-02T23:00:00Z", "reason": "closed"},
    ]


def test_free_time_leaves_out_a_booking_and_its_buffer(client, r, member):
    book(member, r, rome(*WED, 9), rome(*WED, 10))

    body = availability(client, token_for(client, member), r).get_json()

    assert body["free"] == [
        {"start": "2026-12-02T07:00:00Z", "end": "2026-12-02T07:30:00Z"},
        {"start": "2026-12-02T09:30:00Z", "end": "2026-12-02T17:00:00Z"},
    ]


def test_availability_needs_a_token(client, r):
    assert_problem(availability(client, {}, r), 401)


def test_an_invisible_resource_has_no_availability(client, frozen_now):
    hidden = make_resource(visibility="organisation")
    assert_problem(availability(client, token_for(client, make_user()), hidden), 404)


def test_a_missing_window_lists_both_ends(client, r, member):
    body = assert_problem(availability(client, token_for(client, member), r, window={}), 422)
    assert set(body["errors"]) == {"start", "end"}


def test_a_window_without_offsets_is_invalid(client, r, member):
    window = {"start": "2026-12-02T00:00:00", "end": "2026-12-03T00:00:00Z"}
    body = assert_problem(availability(client, token_for(client, member), r, window), 422)
    assert set(body["errors"]) == {"start"}


def test_a_window_ending_before_it_starts_is_invalid(client, r, member):
    window = {"start": DAY["end"], "end": DAY["start"]}
    body = assert_problem(availability(client, token_for(client, member), r, window), 422)
    assert "end" in body["errors"]


def test_a_window_longer_than_62_days_is_invalid(client, r, member):
    window = {"start": "2026-12-02T00:00:00Z", "end": "2027-02-03T00:00:00Z"}
    assert_problem(availability(client, token_for(client, member), r, window), 422)


# -- the search ---------------------------------------------------------------------------------


def search(client, headers, **params):
    query = OFFICE_HOURS | {"duration": "120"} | params
    return client.get("/api/v1/availability", headers=headers, query_string=query)


@pytest.fixture
def org(app, frozen_now):
    return make_organisation(slug="lab-bologna")


def test_search_returns_each_resource_with_its_first_free_slots(client, org):
    busy = make_worked_example_resource(organisation=org, name="Busy one")
    free = make_worked_example_resource(organisation=org, name="Free one")
    user = make_user(org)
    book(user, busy, rome(*WED, 8), rome(*WED, 12))

    response = search(client, token_for(client, user))

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 50)
    first, second = body["items"]
    assert first["resource"] == {
        "id": free.id,
        "name": "Free one",
        "kind": "instrument",
        "organisation_id": org.id,
        "city": org.city,
        "timezone": "Europe/Rome",
    }
    assert first["slots"][0] == {"start": "2026-12-02T07:00:00Z", "end": "2026-12-02T09:00:00Z"}
    assert second["resource"]["id"] == busy.id
    assert second["slots"][0] == {"start": "2026-12-02T11:30:00Z", "end": "2026-12-02T13:30:00Z"}


def test_search_leaves_out_resources_the_user_may_not_see(client, org):
    make_worked_example_resource(organisation=org, visibility="organisation")
    visible = make_worked_example_resource(organisation=org)

    body = search(client, token_for(client, make_user())).get_json()

    assert [item["resource"]["id"] for item in body["items"]] == [visible.id]


def test_search_applies_the_catalogue_filters(client, org):
    wanted = make_worked_example_resource(organisation=org, kind="pilot_installation")
    make_worked_example_resource(organisation=org)
    make_worked_example_resource(kind="pilot_installation")

    body = search(
        client,
        token_for(client, make_user(org)),
        kind="pilot_installation",
        organisation="lab-bologna",
    ).get_json()

    assert [item["resource"]["id"] for item in body["items"]] == [wanted.id]


def test_search_is_paginated(client, org):
    for name in ("A", "B", "C"):
        make_worked_example_resource(organisation=org, name=name)

    body = search(client, token_for(client, make_user(org)), page="2", per_page="2").get_json()

    assert (body["total"], [i["resource"]["name"] for i in body["items"]]) == (3, ["C"])


@pytest.mark.parametrize("duration", ["0", "-30", "an hour", ""])
def test_search_duration_must_be_a_positive_integer(client, org, duration):
    response = search(client, token_for(client, make_user(org)), duration=duration)
    assert "duration" in assert_problem(response, 422)["errors"]


def test_search_an_unknown_kind_is_invalid(client, org):
    response = search(client, token_for(client, make_user(org)), kind="telescope")
    assert "kind" in assert_problem(response, 422)["errors"]


def test_search_a_window_longer_than_31_days_is_invalid(client, org):
    window = {"start": "2026-12-02T00:00:00Z", "end": "2027-01-03T00:00:00Z"}
    response = search(client, token_for(client, make_user(org)), **window)
    assert "end" in assert_problem(response, 422)["errors"]
