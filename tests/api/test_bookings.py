"""POST, GET, PATCH and cancel of /api/v1/bookings, with the rules of booking-rules.md over HTTP."""

from datetime import UTC, datetime

import pytest

from booking.extensions import db
from tests.accounts_factories import assert_problem, make_org_admin
from tests.booking_factories import book, make_worked_example_resource, rome
from tests.concurrency import locks_held_elsewhere
from tests.factories import make_organisation, make_resource, make_user, token_for

WED = (2026, 12, 2)
SAT = (2026, 12, 5)


def at(hour: int, minute: int = 0, day: tuple[int, int, int] = WED) -> str:
    """A Rome wall-clock time as ISO 8601 with its offset (+01:00 in December)."""
    return rome(*day, hour, minute).isoformat()


def post_booking(client, headers, resource, start: str, end: str, **fields):
    body = {"resource_id": resource.id, "start": start, "end": end, "title": "Measurement"}
    return client.post("/api/v1/bookings", headers=headers, json=body | fields)


def make_manager(resource, user) -> None:
    resource.managers = [*resource.managers, user]
    db.session.commit()


def violation_codes(body: dict) -> list[str]:
    return sorted(v["code"] for v in body["violations"])


@pytest.fixture
def r(app, frozen_now):
    """Resource R of the worked examples; members of its organisation are confirmed at once."""
    return make_worked_example_resource(approval="external")


@pytest.fixture
def alice(r):
    return make_user(r.organisation, name="Alice")


@pytest.fixture
def as_alice(client, alice):
    return token_for(client, alice)


# -- creating -----------------------------------------------------------------------------------


def test_booking_needs_a_token(client, r):
    assert_problem(post_booking(client, {}, r, at(9), at(10)), 401)


def test_a_member_of_the_owning_organisation_is_confirmed_at_once(client, r, alice, as_alice):
    response = post_booking(client, as_alice, r, at(9), at(10), purpose="Calibration run")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/bookings/{body['id']}")
    assert body == {
        "id": body["id"],
        "resource_id": r.id,
        "series_id": None,
        "status": "confirmed",
        "start": "2026-12-02T08:00:00Z",
        "end": "2026-12-02T09:00:00Z",
        "quantity": 1,
        "title": "Measurement",
        "purpose": "Calibration run",
        "requester": {"id": alice.id, "name": "Alice", "organisation_id": r.organisation_id},
        "price_estimate": None,
        "rate_category": "internal",
        "decision_reason": "",
        "created_at": "2026-12-01T08:00:00Z",
        "updated_at": "2026-12-01T08:00:00Z",
    }


def test_another_organisation_requesting_an_external_resource_waits_as_pending(client, r):
    response = post_booking(client, token_for(client, make_user()), r, at(9), at(10))

    assert response.status_code == 201
    assert response.get_json()["status"] == "pending"


def test_the_price_estimate_is_an_amount_in_euros(client, frozen_now):
    resource = make_resource(approval="none", rate_industry=120)
    business_user = make_user(make_organisation(type="business"))

    response = post_booking(client, token_for(client, business_user), resource, at(9), at(11))

    assert response.get_json()["price_estimate"] == {"amount": 240.0, "currency": "EUR"}
    assert response.get_json()["rate_category"] == "industry"


# -- refusals (409) -----------------------------------------------------------------------------


def test_a_refusal_lists_every_broken_rule_with_its_interval(client, r, as_alice):
    response = post_booking(client, as_alice, r, at(17, 45), at(18, 45))

    body = assert_problem(response, 409)
    assert body["title"] == "Booking refused"
    assert violation_codes(body) == ["closed", "misaligned"]
    for violation in body["violations"]:
        assert violation["message"]
        assert violation["start"] == "2026-12-02T16:45:00Z"
        assert violation["end"] == "2026-12-02T17:45:00Z"
        assert violation["booking_id"] is None


def test_example_1_a_booking_inside_the_buffer_is_refused(client, r, alice, as_alice):
    first = book(alice, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]

    body = assert_problem(post_booking(client, as_alice, r, at(10), at(11)), 409)

    assert [(v["code"], v["booking_id"]) for v in body["violations"]] == [("buffer", first.id)]


def test_example_1_a_booking_after_the_buffer_is_confirmed(client, r, alice, as_alice):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))

    response = post_booking(client, as_alice, r, at(10, 30), at(11, 30))

    assert response.status_code == 201
    assert response.get_json()["status"] == "confirmed"


def test_example_2_past_closing_time_is_closed(client, r, as_alice):
    body = assert_problem(post_booking(client, as_alice, r, at(17, 30), at(18, 30)), 409)
    assert violation_codes(body) == ["closed"]


def test_example_2_saturday_is_closed(client, r, as_alice):
    response = post_booking(client, as_alice, r, at(10, day=SAT), at(11, day=SAT))
    assert violation_codes(assert_problem(response, 409)) == ["closed"]


def test_example_3_off_the_grid_is_misaligned(client, r, as_alice):
    body = assert_problem(post_booking(client, as_alice, r, at(9, 15), at(10, 15)), 409)
    assert violation_codes(body) == ["misaligned"]


def test_example_3_off_the_grid_and_overlapping_reports_both(client, r, alice):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    colleague = token_for(client, make_user(r.organisation))

    body = assert_problem(post_booking(client, colleague, r, at(9, 15), at(10, 15)), 409)

    assert violation_codes(body) == ["misaligned", "overlap"]


def test_another_organisations_conflicting_booking_is_not_named(client, r, alice):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    outsider = token_for(client, make_user())

    body = assert_problem(post_booking(client, outsider, r, at(9), at(10)), 409)

    assert [(v["code"], v["booking_id"]) for v in body["violations"]] == [("overlap", None)]


def test_a_lock_timeout_is_answered_503_with_retry_after(app, client, r, as_alice):
    with locks_held_elsewhere(app, r.id):
        response = post_booking(client, as_alice, r, at(9), at(10))

    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "1"


# -- invalid input (422), unknown resources (404) ----------------------------------------------


def test_a_timestamp_without_an_offset_is_invalid(client, r, as_alice):
    response = post_booking(client, as_alice, r, "2026-12-02T09:00:00", at(10))
    assert "start" in assert_problem(response, 422)["errors"]


def test_an_end_before_the_start_is_an_invalid_interval(client, r, as_alice):
    body = assert_problem(post_booking(client, as_alice, r, at(10), at(9)), 422)
    assert violation_codes(body) == ["invalid_interval"]


def test_a_missing_title_is_invalid(client, r, as_alice):
    body = {"resource_id": r.id, "start": at(9), "end": at(10)}
    response = client.post("/api/v1/bookings", headers=as_alice, json=body)
    assert assert_problem(response, 422)["errors"] == {"title": "is required"}


def test_a_title_on_two_lines_is_invalid(client, r, as_alice):
    body = {"resource_id": r.id, "start": at(9), "end": at(10), "title": "Run\nBcc: x@example.org"}
    response = client.post("/api/v1/bookings", headers=as_alice, json=body)
    assert assert_problem(response, 422)["errors"] == {"title": "must be one line of text"}


def test_a_quantity_of_zero_is_invalid(client, r, as_alice):
    response = post_booking(client, as_alice, r, at(9), at(10), quantity=0)
    assert "quantity" in assert_problem(response, 422)["errors"]


def test_every_invalid_field_is_listed_at_once(client, r, as_alice):
    response = client.post(
        "/api/v1/bookings", headers=as_alice, json={"resource_id": "x", "start": "soon"}
    )
    errors = assert_problem(response, 422)["errors"]
    assert set(errors) == {"resource_id", "start", "end", "title"}


def test_a_timestamp_at_the_edge_of_the_calendar_is_invalid_not_an_error(client, r, as_alice):
    response = post_booking(client, as_alice, r, "0001-01-01T00:00:00+01:00", at(10))
    assert "start" in assert_problem(response, 422)["errors"]


def test_malformed_json_is_a_bad_request(client, r, as_alice):
    response = client.post(
        "/api/v1/bookings",
        headers=as_alice | {"Content-Type": "application/json"},
        data="{not json",
    )
    assert_problem(response, 400)


def test_an_invisible_resource_is_not_found(client, frozen_now):
    hidden = make_resource(visibility="organisation")
    response = post_booking(client, token_for(client, make_user()), hidden, at(9), at(10))
    assert_problem(response, 404)


def test_an_id_beyond_the_databases_integers_is_not_found(client, r, as_alice):
    assert_problem(client.get(f"/api/v1/bookings/{2**40}", headers=as_alice), 404)


def test_an_unknown_resource_is_not_found(client, frozen_now):
    body = {"resource_id": 999_999, "start": at(9), "end": at(10), "title": "Measurement"}
    response = client.post("/api/v1/bookings", headers=token_for(client, make_user()), json=body)
    assert_problem(response, 404)


# -- listing ------------------------------------------------------------------------------------


def list_ids(client, headers, **query) -> list[int]:
    response = client.get("/api/v1/bookings", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_a_member_does_not_see_another_members_booking(client, r, alice, as_alice):
    own = book(alice, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    book(make_user(r.organisation), r, rome(*WED, 11), rome(*WED, 12))

    assert list_ids(client, as_alice) == [own.id]


def test_a_manager_sees_the_bookings_of_their_resource_by_start(client, r, alice):
    manager = make_user()
    make_manager(r, manager)
    later = book(alice, r, rome(*WED, 14), rome(*WED, 15)).bookings[0]
    earlier = book(make_user(r.organisation), r, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    book(make_user(), make_resource(approval="none"), rome(*WED, 9), rome(*WED, 10))

    assert list_ids(client, token_for(client, manager)) == [earlier.id, later.id]


def test_an_org_admin_sees_the_bookings_of_their_organisations_resources(client, r, alice):
    booking = book(alice, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    admin = make_org_admin(r.organisation)

    assert list_ids(client, token_for(client, admin)) == [booking.id]


def test_mine_restricts_a_manager_to_their_own_bookings(client, r, alice):
    manager = make_user(r.organisation)
    make_manager(r, manager)
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    own = book(manager, r, rome(*WED, 14), rome(*WED, 15)).bookings[0]

    assert list_ids(client, token_for(client, manager), mine="true") == [own.id]


def test_bookings_are_filtered_by_status(client, r, alice, as_alice):
    kept = book(alice, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancelled = book(alice, r, rome(*WED, 14), rome(*WED, 15)).bookings[0]
    client.post(f"/api/v1/bookings/{cancelled.id}/cancel", headers=as_alice)

    assert list_ids(client, as_alice, status="confirmed") == [kept.id]


def test_bookings_are_filtered_by_overlap_with_from_and_to(client, r, alice, as_alice):
    book(alice, r, rome(*WED, 8), rome(*WED, 9))
    overlapping = book(alice, r, rome(*WED, 10), rome(*WED, 11)).bookings[0]
    book(alice, r, rome(*WED, 12), rome(*WED, 13))

    ids = list_ids(client, as_alice, **{"from": at(9), "to": at(10, 30)})

    assert ids == [overlapping.id]


def test_bookings_are_filtered_by_resource(client, r, alice, as_alice):
    book(alice, r, rome(*WED, 9), rome(*WED, 10))
    other = make_resource(r.organisation, approval="none")
    wanted = book(alice, other, rome(*WED, 9), rome(*WED, 10)).bookings[0]

    assert list_ids(client, as_alice, resource_id=other.id) == [wanted.id]


def test_an_unknown_status_is_invalid(client, r, as_alice):
    response = client.get("/api/v1/bookings?status=approved", headers=as_alice)
    assert "status" in assert_problem(response, 422)["errors"]


def test_a_naive_from_is_invalid(client, r, as_alice):
    response = client.get("/api/v1/bookings?from=2026-12-02T09:00:00", headers=as_alice)
    assert "from" in assert_problem(response, 422)["errors"]


# -- one booking: read, change, cancel ----------------------------------------------------------


@pytest.fixture
def alices_booking(r, alice):
    return book(alice, r, rome(*WED, 9), rome(*WED, 10)).bookings[0]


def test_the_requester_reads_their_booking(client, alices_booking, as_alice):
    response = client.get(f"/api/v1/bookings/{alices_booking.id}", headers=as_alice)
    assert response.status_code == 200
    assert response.get_json()["start"] == "2026-12-02T08:00:00Z"


def test_a_manager_reads_a_booking_of_their_resource(client, r, alices_booking):
    manager = make_user()
    make_manager(r, manager)
    response = client.get(
        f"/api/v1/bookings/{alices_booking.id}", headers=token_for(client, manager)
    )
    assert response.status_code == 200


def test_a_stranger_cannot_read_a_booking(client, alices_booking):
    stranger = token_for(client, make_user())
    assert_problem(client.get(f"/api/v1/bookings/{alices_booking.id}", headers=stranger), 404)


def test_a_colleague_cannot_read_a_booking(client, r, alices_booking):
    colleague = token_for(client, make_user(r.organisation))
    assert_problem(client.get(f"/api/v1/bookings/{alices_booking.id}", headers=colleague), 404)


def test_a_stranger_cannot_change_a_booking(client, alices_booking):
    response = client.patch(
        f"/api/v1/bookings/{alices_booking.id}",
        headers=token_for(client, make_user()),
        json={"title": "Mine now"},
    )
    assert_problem(response, 404)


def test_a_stranger_cannot_cancel_a_booking(client, alices_booking):
    response = client.post(
        f"/api/v1/bookings/{alices_booking.id}/cancel", headers=token_for(client, make_user())
    )
    assert_problem(response, 404)


def test_patch_moves_a_booking(client, alices_booking, as_alice):
    response = client.patch(
        f"/api/v1/bookings/{alices_booking.id}",
        headers=as_alice,
        json={"start": at(14), "end": at(15, 30), "title": "Longer run"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["start"], body["end"], body["title"]) == (
        "2026-12-02T13:00:00Z",
        "2026-12-02T14:30:00Z",
        "Longer run",
    )


def test_patch_onto_a_confirmed_booking_is_refused_with_overlap(client, r, alices_booking):
    colleague = make_user(r.organisation)
    theirs = book(colleague, r, rome(*WED, 14), rome(*WED, 15)).bookings[0]

    response = client.patch(
        f"/api/v1/bookings/{theirs.id}",
        headers=token_for(client, colleague),
        json={"start": at(9, 30), "end": at(10, 30)},
    )

    body = assert_problem(response, 409)
    assert [(v["code"], v["booking_id"]) for v in body["violations"]] == [
        ("overlap", alices_booking.id)
    ]


def test_patch_refuses_fields_it_cannot_change(client, alices_booking, as_alice):
    response = client.patch(
        f"/api/v1/bookings/{alices_booking.id}", headers=as_alice, json={"status": "confirmed"}
    )
    assert "status" in assert_problem(response, 422)["errors"]


def test_the_requester_cancels_with_a_reason(client, alices_booking, as_alice):
    response = client.post(
        f"/api/v1/bookings/{alices_booking.id}/cancel",
        headers=as_alice,
        json={"reason": "Sample not ready"},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["decision_reason"]) == ("cancelled", "Sample not ready")


def test_a_manager_cancels_a_booking_of_their_resource(client, r, alices_booking):
    manager = make_user()
    make_manager(r, manager)
    response = client.post(
        f"/api/v1/bookings/{alices_booking.id}/cancel", headers=token_for(client, manager)
    )
    assert response.get_json()["status"] == "cancelled"


def test_cancelling_twice_is_a_conflict(client, alices_booking, as_alice):
    client.post(f"/api/v1/bookings/{alices_booking.id}/cancel", headers=as_alice)
    response = client.post(f"/api/v1/bookings/{alices_booking.id}/cancel", headers=as_alice)
    assert_problem(response, 409)


def test_an_ended_booking_cannot_be_cancelled(client, alices_booking, as_alice, frozen_now):
    frozen_now(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    response = client.post(f"/api/v1/bookings/{alices_booking.id}/cancel", headers=as_alice)
    assert_problem(response, 409)


# -- the OpenAPI document -----------------------------------------------------------------------


def test_the_openapi_document_describes_the_booking_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    assert set(paths["/bookings"]) == {"get", "post"}
    assert {"get", "patch"} <= set(paths["/bookings/{id}"])
    assert "post" in paths["/bookings/{id}/cancel"]
    assert "get" in paths["/resources/{id}/availability"]
    assert "get" in paths["/availability"]
    assert set(paths["/bookings"]["post"]["responses"]) >= {"201", "409", "422", "503"}
    for name in ("Booking", "BookingCreate", "BookingPatch", "SeriesResult", "Availability"):
        assert name in document["components"]["schemas"]
