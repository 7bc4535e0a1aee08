"""The trial request API: asking, listing, the slots that fit, scheduling, declining, withdrawing."""

import pytest

from booking.extensions import db
from booking.models import Booking
from tests.accounts_factories import assert_problem
from tests.booking_factories import book, rome
from tests.factories import make_resource, make_user, token_for
from tests.requests_factories import make_pilot, make_trial, pilot_with_requester

WINDOW = {"earliest_start": "2026-12-02T08:00:00+01:00", "latest_end": "2026-12-04T18:00:00+01:00"}


@pytest.fixture
def pilot(app, frozen_now):
    return pilot_with_requester()


def body(resource, **fields) -> dict:
    values = {
        "resource_id": resource.id,
        **WINDOW,
        "duration_minutes": 240,
        "title": "Extrusion trial",
        "description": "Two batches of recycled PET.",
        "materials": "20 kg of flakes",
        "safety_notes": "Fumes",
        "attachments": ["https://example.org/spec.pdf"],
    }
    values.update(fields)
    return values


# --- Asking -------------------------------------------------------------------------------------


def test_a_request_is_created_and_answered_in_utc(client, pilot):
    response = client.post(
        "/api/v1/trial-requests",
        json=body(pilot.resource),
        headers=token_for(client, pilot.requester),
    )
    assert response.status_code == 201, response.json
    trial = response.json
    assert response.headers["Location"].endswith(f"/api/v1/trial-requests/{trial['id']}")
    assert trial["status"] == "open"
    assert (trial["earliest_start"], trial["latest_end"]) == (
        "2026-12-02T07:00:00Z",
        "2026-12-04T17:00:00Z",
    )
    assert trial["requester"]["id"] == pilot.requester.id
    assert trial["attachments"] == ["https://example.org/spec.pdf"]
    assert trial["booking"] is None


def test_a_request_for_an_instrument_is_refused_on_its_resource(client, pilot):
    instrument = make_resource(pilot.owner)
    response = client.post(
        "/api/v1/trial-requests",
        json=body(instrument),
        headers=token_for(client, pilot.requester),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"resource_id"}


def test_missing_and_naive_fields_are_listed_together(client, pilot):
    payload = body(pilot.resource, earliest_start="2026-12-02T08:00:00")
    del payload["title"]
    response = client.post(
        "/api/v1/trial-requests", json=payload, headers=token_for(client, pilot.requester)
    )
    assert set(assert_problem(response, 422)["errors"]) == {"earliest_start", "title"}


def test_attachments_must_be_a_list_of_links(client, pilot):
    response = client.post(
        "/api/v1/trial-requests",
        json=body(pilot.resource, attachments="https://example.org/spec.pdf"),
        headers=token_for(client, pilot.requester),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"attachments"}


def test_a_link_that_is_not_http_is_refused(client, pilot):
    response = client.post(
        "/api/v1/trial-requests",
        json=body(pilot.resource, attachments=["ftp://example.org/spec.pdf"]),
        headers=token_for(client, pilot.requester),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"attachments"}


def test_malformed_json_is_a_bad_request(client, pilot):
    response = client.post(
        "/api/v1/trial-requests",
        data="{",
        content_type="application/json",
        headers=token_for(client, pilot.requester),
    )
    assert_problem(response, 400)


def test_an_invisible_resource_is_not_found(client, pilot):
    hidden = make_pilot(organisation=pilot.owner, visibility="organisation")
    response = client.post(
        "/api/v1/trial-requests", json=body(hidden), headers=token_for(client, pilot.requester)
    )
    assert_problem(response, 404)


def test_asking_needs_a_token(client, pilot):
    assert_problem(client.post("/api/v1/trial-requests", json=body(pilot.resource)), 401)


# --- Reading ------------------------------------------------------------------------------------


def test_the_list_holds_my_own_requests(client, pilot):
    mine = make_trial(pilot.requester, pilot.resource)
    make_trial(make_user(), pilot.resource)
    response = client.get("/api/v1/trial-requests", headers=token_for(client, pilot.requester))
    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [mine.id]
    assert response.json["total"] == 1


def test_managers_list_a_resources_requests(client, pilot):
    first = make_trial(pilot.requester, pilot.resource)
    second = make_trial(make_user(), pilot.resource)
    response = client.get(
        f"/api/v1/trial-requests?resource_id={pilot.resource.id}",
        headers=token_for(client, pilot.manager),
    )
    assert [item["id"] for item in response.json["items"]] == [first.id, second.id]


def test_managers_list_every_resource_they_manage(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.get(
        "/api/v1/trial-requests?managed=true", headers=token_for(client, pilot.manager)
    )
    assert [item["id"] for item in response.json["items"]] == [trial.id]


def test_listing_a_resource_one_does_not_manage_is_forbidden(client, pilot):
    response = client.get(
        f"/api/v1/trial-requests?resource_id={pilot.resource.id}",
        headers=token_for(client, pilot.requester),
    )
    assert_problem(response, 403)


def test_a_request_is_read_by_its_requester(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.get(
        f"/api/v1/trial-requests/{trial.id}", headers=token_for(client, pilot.requester)
    )
    assert response.json["materials"] == "20 kg of flakes"


def test_a_request_is_invisible_to_strangers(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.get(
        f"/api/v1/trial-requests/{trial.id}", headers=token_for(client, make_user())
    )
    assert_problem(response, 404)


def test_an_id_beyond_the_database_is_not_found(client, pilot):
    response = client.get(
        f"/api/v1/trial-requests/{2**40}", headers=token_for(client, pilot.requester)
    )
    assert_problem(response, 404)


# --- Slots --------------------------------------------------------------------------------------


def test_managers_get_the_free_slots_that_fit(client, pilot):
    book(pilot.manager, pilot.resource, rome(2026, 12, 2, 8), rome(2026, 12, 2, 10))
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.get(
        f"/api/v1/trial-requests/{trial.id}/slots", headers=token_for(client, pilot.manager)
    )
    assert response.status_code == 200
    assert response.json["slots"][0] == {
        "start": "2026-12-02T09:00:00Z",
        "end": "2026-12-02T13:00:00Z",
    }
    assert response.json["window_truncated"] is False
    assert response.json["searched"]["start"] == "2026-12-02T07:00:00Z"


def test_the_requester_may_not_ask_for_the_slots(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.get(
        f"/api/v1/trial-requests/{trial.id}/slots", headers=token_for(client, pilot.requester)
    )
    assert_problem(response, 403)


# --- Scheduling ---------------------------------------------------------------------------------


def test_scheduling_answers_the_request_with_its_confirmed_booking(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/schedule",
        json={"start": "2026-12-03T09:00:00+01:00"},
        headers=token_for(client, pilot.manager),
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "scheduled"
    assert response.json["booking"]["start"] == "2026-12-03T08:00:00Z"
    assert response.json["booking"]["status"] == "confirmed"
    booking = db.session.get(Booking, response.json["booking"]["id"])
    assert booking.requester_id == pilot.requester.id


def test_the_requester_sees_the_booking_made_for_them(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    client.post(
        f"/api/v1/trial-requests/{trial.id}/schedule",
        json={"start": "2026-12-03T09:00:00+01:00"},
        headers=token_for(client, pilot.manager),
    )
    response = client.get("/api/v1/bookings", headers=token_for(client, pilot.requester))
    assert [item["title"] for item in response.json["items"]] == ["Extrusion trial"]


def test_a_busy_start_is_refused_with_every_violation(client, pilot):
    book(pilot.manager, pilot.resource, rome(2026, 12, 3, 10), rome(2026, 12, 3, 11))
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/schedule",
        json={"start": "2026-12-03T09:00:00+01:00"},
        headers=token_for(client, pilot.manager),
    )
    problem = assert_problem(response, 409)
    assert [violation["code"] for violation in problem["violations"]] == ["overlap"]


def test_a_start_outside_the_window_is_invalid(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/schedule",
        json={"start": "2026-12-07T09:00:00+01:00"},
        headers=token_for(client, pilot.manager),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"start"}


def test_a_start_is_required(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/schedule",
        json={},
        headers=token_for(client, pilot.manager),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"start"}


def test_the_requester_is_refused_before_the_body_is_read(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/schedule",
        json={},
        headers=token_for(client, pilot.requester),
    )
    assert_problem(response, 403)


def test_scheduling_twice_is_a_conflict(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    headers = token_for(client, pilot.manager)
    url = f"/api/v1/trial-requests/{trial.id}/schedule"
    client.post(url, json={"start": "2026-12-03T09:00:00+01:00"}, headers=headers)
    response = client.post(url, json={"start": "2026-12-04T09:00:00+01:00"}, headers=headers)
    assert_problem(response, 409)


# --- Declining and withdrawing ------------------------------------------------------------------


def test_declining_gives_the_requester_a_reason(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    client.post(
        f"/api/v1/trial-requests/{trial.id}/decline",
        json={"reason": "The line is down for maintenance"},
        headers=token_for(client, pilot.manager),
    )
    response = client.get(
        f"/api/v1/trial-requests/{trial.id}", headers=token_for(client, pilot.requester)
    )
    assert (response.json["status"], response.json["decision_reason"]) == (
        "declined",
        "The line is down for maintenance",
    )


def test_declining_without_a_reason_is_invalid(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/decline",
        json={"reason": ""},
        headers=token_for(client, pilot.manager),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"reason"}


def test_the_requester_withdraws_without_a_body(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/withdraw", headers=token_for(client, pilot.requester)
    )
    assert response.json["status"] == "withdrawn"


def test_a_manager_may_not_withdraw_the_request(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    response = client.post(
        f"/api/v1/trial-requests/{trial.id}/withdraw", headers=token_for(client, pilot.manager)
    )
    assert_problem(response, 403)


def test_withdrawing_twice_is_a_conflict(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    headers = token_for(client, pilot.requester)
    client.post(f"/api/v1/trial-requests/{trial.id}/withdraw", headers=headers)
    response = client.post(f"/api/v1/trial-requests/{trial.id}/withdraw", headers=headers)
    assert_problem(response, 409)


# --- Documentation ------------------------------------------------------------------------------


def test_the_openapi_document_describes_the_trial_requests(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/trial-requests"])
    for action in ("schedule", "decline", "withdraw"):
        assert "post" in paths[f"/trial-requests/{{id}}/{action}"]
    assert "get" in paths["/trial-requests/{id}/slots"]
