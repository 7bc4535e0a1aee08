"""Recurring bookings through POST /api/v1/bookings with a `recurrence`."""

from datetime import UTC, datetime

import pytest

from tests.accounts_factories import assert_problem
from tests.booking_factories import book, make_worked_example_resource, rome
from tests.factories import make_user, token_for


@pytest.fixture
def r(app, frozen_now):
    return make_worked_example_resource()


@pytest.fixture
def alice(r):
    return make_user(r.organisation)


@pytest.fixture
def as_alice(client, alice):
    return token_for(client, alice)


def post_series(client, headers, resource, start: datetime, end: datetime, **recurrence):
    body = {
        "resource_id": resource.id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "title": "Weekly run",
        "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=3"} | recurrence,
    }
    return client.post("/api/v1/bookings", headers=headers, json=body)


def wednesdays(hour: int) -> list[datetime]:
    return [rome(2026, 12, day, hour) for day in (2, 9, 16)]


def test_example_4_a_weekly_series_keeps_09_00_local_across_the_end_of_summer_time(
    client, r, alice, frozen_now
):
    frozen_now(datetime(2026, 9, 1, 8, 0, tzinfo=UTC))
    as_alice = token_for(client, alice)
    body = {
        "resource_id": r.id,
        "start": "2026-10-06T09:00:00+02:00",
        "end": "2026-10-06T10:00:00+02:00",
        "title": "Weekly run",
        "recurrence": {"rrule": "FREQ=WEEKLY;COUNT=8", "on_conflict": "abort"},
    }

    response = client.post("/api/v1/bookings", headers=as_alice, json=body)

    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert [b["start"] for b in result["bookings"]] == [
        "2026-10-06T07:00:00Z",
        "2026-10-13T07:00:00Z",
        "2026-10-20T07:00:00Z",
        "2026-10-27T08:00:00Z",
        "2026-11-03T08:00:00Z",
        "2026-11-10T08:00:00Z",
        "2026-11-17T08:00:00Z",
        "2026-11-24T08:00:00Z",
    ]


def test_a_series_answers_with_the_series_and_its_occurrences(client, r, as_alice):
    start, end = wednesdays(9), wednesdays(10)

    result = post_series(client, as_alice, r, start[0], end[0], on_conflict="skip").get_json()

    series = result["series"]
    assert series == {"id": series["id"], "rrule": "FREQ=WEEKLY;COUNT=3", "on_conflict": "skip"}
    assert {b["series_id"] for b in result["bookings"]} == {series["id"]}
    assert {b["status"] for b in result["bookings"]} == {"confirmed"}
    assert result["skipped"] == []


def test_abort_refuses_the_whole_series_and_names_the_conflicting_occurrence(
    client, r, alice, as_alice
):
    start, end = wednesdays(9), wednesdays(10)
    book(make_user(r.organisation), r, start[1], end[1])

    response = post_series(client, as_alice, r, start[0], end[0], on_conflict="abort")

    body = assert_problem(response, 409)
    assert [(v["code"], v["start"]) for v in body["violations"]] == [
        ("overlap", "2026-12-09T08:00:00Z")
    ]
    listed = client.get("/api/v1/bookings?mine=true", headers=as_alice).get_json()
    assert listed["total"] == 0


def test_abort_is_the_default(client, r, as_alice):
    start, end = wednesdays(9), wednesdays(10)
    book(make_user(r.organisation), r, start[2], end[2])

    response = post_series(client, as_alice, r, start[0], end[0])

    assert_problem(response, 409)


def test_skip_books_the_other_occurrences_and_lists_the_skipped_one(client, r, as_alice):
    start, end = wednesdays(9), wednesdays(10)
    theirs = book(make_user(r.organisation), r, start[1], end[1]).bookings[0]

    response = post_series(client, as_alice, r, start[0], end[0], on_conflict="skip")

    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert [b["start"] for b in result["bookings"]] == [
        "2026-12-02T08:00:00Z",
        "2026-12-16T08:00:00Z",
    ]
    (skipped,) = result["skipped"]
    assert (skipped["start"], skipped["end"]) == ("2026-12-09T08:00:00Z", "2026-12-09T09:00:00Z")
    assert [(v["code"], v["booking_id"]) for v in skipped["violations"]] == [("overlap", theirs.id)]


def test_skip_with_every_occurrence_refused_is_refused(client, r, as_alice):
    # 18:00–19:00 is after closing time every week.
    start, end = wednesdays(18), wednesdays(19)

    response = post_series(client, as_alice, r, start[0], end[0], on_conflict="skip")

    body = assert_problem(response, 409)
    assert [v["code"] for v in body["violations"]] == ["closed"] * 3


def test_an_unknown_on_conflict_is_invalid(client, r, as_alice):
    start, end = wednesdays(9), wednesdays(10)
    response = post_series(client, as_alice, r, start[0], end[0], on_conflict="merge")
    assert "recurrence.on_conflict" in assert_problem(response, 422)["errors"]


def test_an_unreadable_rrule_is_invalid(client, r, as_alice):
    start, end = wednesdays(9), wednesdays(10)
    response = post_series(client, as_alice, r, start[0], end[0], rrule="FREQ=HOURLY;COUNT=3")
    assert "recurrence.rrule" in assert_problem(response, 422)["errors"]


def test_a_series_of_more_than_366_occurrences_is_invalid(client, r, as_alice):
    start, end = wednesdays(9), wednesdays(10)
    response = post_series(client, as_alice, r, start[0], end[0], rrule="FREQ=DAILY;COUNT=400")
    assert "recurrence.rrule" in assert_problem(response, 422)["errors"]


def test_a_recurrence_that_is_not_an_object_is_invalid(client, r, as_alice):
    body = {
        "resource_id": r.id,
        "start": wednesdays(9)[0].isoformat(),
        "end": wednesdays(10)[0].isoformat(),
        "title": "Weekly run",
        "recurrence": "FREQ=WEEKLY;COUNT=3",
    }
    response = client.post("/api/v1/bookings", headers=as_alice, json=body)
    assert "recurrence" in assert_problem(response, 422)["errors"]
