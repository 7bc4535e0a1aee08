"""GET /api/v1/resources/{id}/quota: what remains of the month's quota for the caller's
organisation."""

import pytest

from tests.accounts_factories import assert_problem
from tests.approvals_factories import WED, outsider
from tests.booking_factories import rome
from tests.factories import make_organisation, make_resource, make_user, token_for


@pytest.fixture
def resource(app, frozen_now):
    return make_resource(make_organisation(), approval="none", monthly_quota_hours=8)


def quota(client, user, resource_id):
    return client.get(f"/api/v1/resources/{resource_id}/quota", headers=token_for(client, user))


def book(client, user, resource, start, end):
    body = {
        "resource_id": resource.id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "title": "Trial",
    }
    response = client.post("/api/v1/bookings", headers=token_for(client, user), json=body)
    assert response.status_code == 201, response.get_json()


def test_the_remaining_hours_drop_after_a_booking(client, resource):
    guest = outsider()
    assert quota(client, guest, resource.id).get_json() == {
        "applies": True,
        "quota_hours": 8,
        "used_hours": 0.0,
        "remaining_hours": 8.0,
        "month": "2026-12",
    }

    book(client, guest, resource, rome(*WED, 9), rome(*WED, 11, 30))

    body = quota(client, guest, resource.id).get_json()
    assert (body["used_hours"], body["remaining_hours"]) == (2.5, 5.5)


def test_the_owner_organisation_has_no_quota(client, resource):
    assert quota(client, make_user(resource.organisation), resource.id).get_json() == {
        "applies": False
    }


def test_a_resource_without_quota_has_none(client):
    free = make_resource(make_organisation())
    assert quota(client, outsider(), free.id).get_json() == {"applies": False}


def test_an_invisible_resource_is_not_found(client):
    hidden = make_resource(make_organisation(), visibility="organisation", monthly_quota_hours=8)
    assert_problem(quota(client, outsider(), hidden.id), 404)


def test_an_unknown_or_impossible_resource_is_not_found(client, resource):
    guest = outsider()
    assert_problem(quota(client, guest, 999_999), 404)
    assert_problem(quota(client, guest, 2**40), 404)


def test_the_quota_needs_a_token(client, resource):
    assert_problem(client.get(f"/api/v1/resources/{resource.id}/quota"), 401)
