"""Public holidays over the API: resources made through it are closed on them for any year, and
their managers open them on a holiday (and only they)."""

import pytest

from tests.accounts_factories import assert_problem, make_org_admin
from tests.factories import make_organisation, make_resource, make_user, token_for


def post_booking(client, headers, resource_id: int, day: str, hours=("09:00", "10:00")):
    start, end = (f"{day}T{hour}:00+01:00" for hour in hours)
    body = {"resource_id": resource_id, "start": start, "end": end, "title": "Run"}
    return client.post("/api/v1/bookings", headers=headers, json=body)


@pytest.fixture
def admin(app, frozen_now):
    """An admin of an organisation in Bologna: manages its resources."""
    return make_org_admin(make_organisation(city="Bologna"))


@pytest.fixture
def as_admin(client, admin):
    return token_for(client, admin)


def created(client, headers, **fields) -> int:
    body = {"name": "Lathe", "kind": "instrument", "approval": "none", "horizon_days": 3660}
    response = client.post("/api/v1/resources", json=body | fields, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def refusal(response) -> list[tuple[str, str]]:
    body = assert_problem(response, 409)
    return [(v["code"], v["message"]) for v in body["violations"]]


def test_a_resource_made_through_the_api_refuses_christmas(client, as_admin):
    resource_id = created(client, as_admin)
    assert refusal(post_booking(client, as_admin, resource_id, "2026-12-25")) == [
        ("closed", "The resource is closed for a public holiday: Christmas Day.")
    ]


def test_a_resource_in_bologna_refuses_the_fourth_of_october(client, as_admin):
    resource_id = created(client, as_admin, city="Bologna")
    response = post_booking(client, as_admin, resource_id, "2027-10-04", ("09:00", "10:00"))
    # 09:00+01:00 is 10:00 in Rome's summer time: an instant of that day all the same.
    [(code, message)] = refusal(response)
    assert code == "closed" and "St Petronius, patron saint of Bologna" in message


def test_a_resource_refuses_a_holiday_in_any_year(client, as_admin):
    resource_id = created(client, as_admin)
    body = assert_problem(post_booking(client, as_admin, resource_id, "2031-01-06"), 409)
    assert body["violations"][0]["start"] == "2031-01-05T23:00:00Z"
    assert body["violations"][0]["end"] == "2031-01-06T23:00:00Z"


def test_a_resource_in_modena_refuses_the_thirty_first_of_january(client, as_admin):
    resource_id = created(client, as_admin, city="Modena")
    assert refusal(post_booking(client, as_admin, resource_id, "2027-01-31")) == [
        (
            "closed",
            "The resource is closed for a public holiday: St Geminianus, patron saint of Modena.",
        )
    ]
    elsewhere = created(client, as_admin, name="Press", city="Parma")
    assert post_booking(client, as_admin, elsewhere, "2027-01-31").status_code == 201


def test_the_refusal_is_in_the_language_asked_for(client, as_admin):
    resource_id = created(client, as_admin)
    headers = as_admin | {"Accept-Language": "it"}
    [(_, message)] = refusal(post_booking(client, headers, resource_id, "2026-12-25"))
    assert message == "La risorsa è chiusa per una festività: Natale."


def test_a_manager_opens_a_resource_on_a_holiday_and_it_accepts_bookings(client, as_admin):
    resource_id = created(client, as_admin)
    response = client.post(
        f"/api/v1/resources/{resource_id}/holiday-openings",
        json={"date": "2026-12-26"},
        headers=as_admin,
    )
    assert response.status_code == 201
    assert response.json == {
        "id": response.json["id"],
        "resource_id": resource_id,
        "date": "2026-12-26",
        "name": "St Stephen's Day",
        "created_at": "2026-12-01T08:00:00Z",
    }
    assert post_booking(client, as_admin, resource_id, "2026-12-26").status_code == 201
    assert post_booking(client, as_admin, resource_id, "2026-12-25").status_code == 409


def test_opening_the_same_day_again_answers_the_existing_opening(client, as_admin):
    resource_id = created(client, as_admin)
    url = f"/api/v1/resources/{resource_id}/holiday-openings"
    first = client.post(url, json={"date": "2026-12-26"}, headers=as_admin)
    again = client.post(url, json={"date": "2026-12-26"}, headers=as_admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    listed = client.get(url, headers=as_admin).json
    assert [item["date"] for item in listed["items"]] == ["2026-12-26"]


def test_closing_again_refuses_the_holiday_again(client, as_admin):
    resource_id = created(client, as_admin)
    opening = client.post(
        f"/api/v1/resources/{resource_id}/holiday-openings",
        json={"date": "2026-12-26"},
        headers=as_admin,
    ).json
    response = client.delete(f"/api/v1/holiday-openings/{opening['id']}", headers=as_admin)
    assert response.status_code == 204
    assert post_booking(client, as_admin, resource_id, "2026-12-26").status_code == 409


def test_a_day_that_is_no_holiday_there_is_refused(client, as_admin):
    resource_id = created(client, as_admin)
    url = f"/api/v1/resources/{resource_id}/holiday-openings"
    body = assert_problem(client.post(url, json={"date": "2027-01-31"}, headers=as_admin), 422)
    assert set(body["errors"]) == {"date"}
    body = assert_problem(client.post(url, json={"date": "25/12/2026"}, headers=as_admin), 422)
    assert set(body["errors"]) == {"date"}
    body = assert_problem(client.post(url, json={}, headers=as_admin), 422)
    assert set(body["errors"]) == {"date"}


def test_a_plain_member_may_not_open_a_resource_on_a_holiday(client, admin, as_admin):
    resource_id = created(client, as_admin)
    member = token_for(client, make_user(admin.organisation))
    url = f"/api/v1/resources/{resource_id}/holiday-openings"
    assert_problem(client.post(url, json={"date": "2026-12-26"}, headers=member), 403)
    assert_problem(client.get(url, headers=member), 403)
    assert client.get(url, headers=as_admin).json["total"] == 0


def test_another_organisations_manager_may_not_open_it(client, as_admin):
    shared = created(client, as_admin)
    private = created(client, as_admin, name="Private lathe", visibility="organisation")
    stranger = make_user(make_organisation())
    make_resource(stranger.organisation, managers=[stranger])
    headers = token_for(client, stranger)
    for resource_id, status in ((shared, 403), (private, 404)):
        url = f"/api/v1/resources/{resource_id}/holiday-openings"
        assert_problem(client.post(url, json={"date": "2026-12-26"}, headers=headers), status)


def test_a_plain_member_may_not_close_it_again(client, admin, as_admin):
    resource_id = created(client, as_admin)
    opening = client.post(
        f"/api/v1/resources/{resource_id}/holiday-openings",
        json={"date": "2026-12-26"},
        headers=as_admin,
    ).json
    member = token_for(client, make_user(admin.organisation))
    assert_problem(client.delete(f"/api/v1/holiday-openings/{opening['id']}", headers=member), 403)
    assert_problem(client.delete("/api/v1/holiday-openings/999999", headers=as_admin), 404)


def test_the_holidays_of_any_year_are_listed_with_their_state(client, admin, as_admin):
    resource_id = created(client, as_admin, city="Modena")
    client.post(
        f"/api/v1/resources/{resource_id}/holiday-openings",
        json={"date": "2031-01-31"},
        headers=as_admin,
    )
    member = token_for(client, make_user(admin.organisation))
    body = client.get(f"/api/v1/resources/{resource_id}/holidays?year=2031", headers=member).json
    assert body["year"] == 2031
    by_date = {item["date"]: item for item in body["items"]}
    assert by_date["2031-01-31"]["open"] is True
    assert by_date["2031-01-31"]["name"] == "St Geminianus, patron saint of Modena"
    assert by_date["2031-12-25"] == {
        "date": "2031-12-25",
        "name": "Christmas Day",
        "start": "2031-12-24T23:00:00Z",
        "end": "2031-12-25T23:00:00Z",
        "open": False,
        "opening_id": None,
    }


def test_the_holidays_are_named_in_the_language_asked_for(client, as_admin):
    resource_id = created(client, as_admin)
    body = client.get(
        f"/api/v1/resources/{resource_id}/holidays",
        headers=as_admin | {"Accept-Language": "it"},
    ).json
    assert body["year"] == 2026
    assert {item["date"]: item["name"] for item in body["items"]}["2026-12-25"] == "Natale"


def test_a_year_outside_the_platforms_years_is_invalid(client, as_admin):
    resource_id = created(client, as_admin)
    url = f"/api/v1/resources/{resource_id}/holidays?year=3000"
    assert set(assert_problem(client.get(url, headers=as_admin), 422)["errors"]) == {"year"}


def test_availability_shows_the_holiday_closed_with_its_name(client, as_admin):
    resource_id = created(client, as_admin)
    window = "start=2026-12-25T00:00:00%2B01:00&end=2026-12-26T00:00:00%2B01:00"
    body = client.get(
        f"/api/v1/resources/{resource_id}/availability?{window}", headers=as_admin
    ).json
    assert body["closed"] == [
        {
            "start": "2026-12-24T23:00:00Z",
            "end": "2026-12-25T23:00:00Z",
            "reason": "closed",
            "detail": "Christmas Day",
        }
    ]
    assert body["free"] == []


def test_the_search_leaves_out_resources_closed_for_a_holiday(client, as_admin):
    closed = created(client, as_admin, name="Closed lathe")
    opened = created(client, as_admin, name="Opened lathe")
    client.post(
        f"/api/v1/resources/{opened}/holiday-openings",
        json={"date": "2026-12-25"},
        headers=as_admin,
    )
    window = "start=2026-12-25T00:00:00%2B01:00&end=2026-12-26T00:00:00%2B01:00"
    body = client.get(f"/api/v1/availability?duration=60&{window}", headers=as_admin).json
    found = [item["resource"]["id"] for item in body["items"]]
    assert opened in found and closed not in found
