from datetime import UTC, datetime

from tests.factories import make_blackout, make_resource, make_user, token_for

START = datetime(2026, 12, 24, 0, 0, tzinfo=UTC)
END = datetime(2026, 12, 27, 0, 0, tzinfo=UTC)


def _url(resource) -> str:
    return f"/api/v1/resources/{resource.id}/blackouts"


def test_a_manager_adds_a_blackout(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.post(
        _url(resource),
        json={
            "start": "2026-12-24T09:00:00+01:00",
            "end": "2026-12-27T09:00:00+01:00",
            "reason": "Christmas",
        },
        headers=token_for(client, manager),
    )
    assert response.status_code == 201
    assert response.json == {
        "id": response.json["id"],
        "resource_id": resource.id,
        "start": "2026-12-24T08:00:00Z",
        "end": "2026-12-27T08:00:00Z",
        "reason": "Christmas",
    }


def test_managers_list_the_blackouts_with_their_reason(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    make_blackout(resource, START, END, reason="Annual service")
    body = client.get(_url(resource), headers=token_for(client, manager)).json
    assert body["total"] == 1
    assert body["items"][0]["reason"] == "Annual service"
    assert body["items"][0]["start"] == "2026-12-24T00:00:00Z"


def test_a_member_who_sees_the_resource_may_not_list_its_blackouts(client):
    resource = make_resource()
    make_blackout(resource, START, END)
    response = client.get(_url(resource), headers=token_for(client, make_user()))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"


def test_the_list_is_filtered_by_from_and_to_and_paginated(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    for day in (1, 10, 20):
        make_blackout(
            resource, datetime(2026, 12, day, tzinfo=UTC), datetime(2026, 12, day, 6, tzinfo=UTC)
        )
    headers = token_for(client, manager)
    window = client.get(
        _url(resource) + "?from=2026-12-05T00:00:00Z&to=2026-12-31T00:00:00Z", headers=headers
    ).json
    assert window["total"] == 2
    second = client.get(_url(resource) + "?per_page=2&page=2", headers=headers).json
    assert [item["start"] for item in second["items"]] == ["2026-12-20T00:00:00Z"]


def test_naive_timestamps_are_422(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.post(
        _url(resource),
        json={"start": "2026-12-24T09:00:00", "end": "2026-12-27T09:00:00"},
        headers=token_for(client, manager),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"start", "end"}


def test_an_end_not_after_the_start_is_422(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.post(
        _url(resource),
        json={"start": "2026-12-24T09:00:00Z", "end": "2026-12-24T09:00:00Z"},
        headers=token_for(client, manager),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"end"}


def test_a_member_may_not_add_a_blackout(client):
    resource = make_resource()
    response = client.post(
        _url(resource),
        json={"start": "2026-12-24T09:00:00Z", "end": "2026-12-25T09:00:00Z"},
        headers=token_for(client, make_user()),
    )
    assert response.status_code == 403


def test_a_member_is_refused_before_the_body_is_judged(client):
    resource = make_resource()
    response = client.post(_url(resource), json={}, headers=token_for(client, make_user()))
    assert response.status_code == 403


def test_blackouts_of_an_invisible_resource_are_404(client):
    resource = make_resource(visibility="organisation")
    headers = token_for(client, make_user())
    assert client.get(_url(resource), headers=headers).status_code == 404
    response = client.post(
        _url(resource),
        json={"start": "2026-12-24T09:00:00Z", "end": "2026-12-25T09:00:00Z"},
        headers=headers,
    )
    assert response.status_code == 404


def test_a_manager_deletes_a_blackout(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    blackout = make_blackout(resource, START, END)
    headers = token_for(client, manager)
    assert client.delete(f"/api/v1/blackouts/{blackout.id}", headers=headers).status_code == 204
    assert client.get(_url(resource), headers=headers).json["total"] == 0


def test_a_member_may_not_delete_a_blackout(client):
    blackout = make_blackout(make_resource(), START, END)
    response = client.delete(
        f"/api/v1/blackouts/{blackout.id}", headers=token_for(client, make_user())
    )
    assert response.status_code == 403


def test_a_blackout_of_an_invisible_resource_is_404(client):
    blackout = make_blackout(make_resource(visibility="organisation"), START, END)
    response = client.delete(
        f"/api/v1/blackouts/{blackout.id}", headers=token_for(client, make_user())
    )
    assert response.status_code == 404


def test_an_unknown_blackout_is_404(client):
    response = client.delete("/api/v1/blackouts/999", headers=token_for(client, make_user()))
    assert response.status_code == 404


def test_instants_outside_the_bookable_years_are_422(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    headers = token_for(client, manager)
    response = client.post(
        _url(resource),
        json={"start": "0001-01-01T00:00:00+01:00", "end": "3500-01-01T00:00:00Z"},
        headers=headers,
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"start", "end"}
    listed = client.get(_url(resource) + "?from=0001-01-01T00:00:00%2B01:00", headers=headers)
    assert listed.status_code == 422
    assert set(listed.json["errors"]) == {"from"}


def test_a_blackout_id_beyond_the_databases_integers_is_404(client):
    response = client.delete(
        "/api/v1/blackouts/99999999999", headers=token_for(client, make_user())
    )
    assert response.status_code == 404
