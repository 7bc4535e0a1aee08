"""GET /api/v1/audit?booking_id=: a booking's history for its requester, managers and admins."""

import pytest

from booking.extensions import db
from booking.models import Booking
from booking.services import audit
from tests.accounts_factories import assert_problem, make_network_admin, make_org_admin
from tests.approvals_factories import WED, managed_resource, outsider, pending_request
from tests.booking_factories import NOW, rome
from tests.factories import make_user, token_for


@pytest.fixture
def manager(app, frozen_now):
    return make_user(name="Marta Manager")


@pytest.fixture
def resource(manager):
    return managed_resource(manager)


@pytest.fixture
def requester(app):
    return outsider(name="Rita Requester")


@pytest.fixture
def booking(resource, requester):
    return pending_request(resource, rome(*WED, 9), rome(*WED, 10), requester=requester)


def history(client, user, booking_id, **args):
    return client.get(
        "/api/v1/audit",
        query_string={"booking_id": booking_id, **args},
        headers=token_for(client, user),
    )


def test_the_requester_sees_the_creation_of_their_request(client, requester, booking):
    response = history(client, requester, booking.id)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 50)
    (entry,) = body["items"]
    assert entry == {
        "id": entry["id"],
        "booking_id": booking.id,
        "action": "created",
        "actor": {"id": requester.id, "name": "Rita Requester"},
        "at": "2026-12-01T08:00:00Z",
        "before": None,
        "after": {
            "status": "pending",
            "start": "2026-12-02T08:00:00Z",
            "end": "2026-12-02T09:00:00Z",
            "quantity": 1,
            "title": "Measurement",
            "purpose": "",
        },
        "reason": "",
    }


def test_the_manager_sees_the_approval_with_before_after_and_reason(client, manager, booking):
    client.post(
        f"/api/v1/bookings/{booking.id}/approve",
        headers=token_for(client, manager),
        json={"reason": "Welcome"},
    )

    items = history(client, manager, booking.id).get_json()["items"]

    assert [entry["action"] for entry in items] == ["created", "approved"]
    approved = items[1]
    assert approved["actor"] == {"id": manager.id, "name": "Marta Manager"}
    assert (approved["before"]["status"], approved["after"]["status"]) == ("pending", "confirmed")
    assert approved["reason"] == "Welcome"


def test_a_request_turned_away_shows_slot_taken(client, manager, resource, requester, booking):
    winner = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    client.post(f"/api/v1/bookings/{winner.id}/approve", headers=token_for(client, manager))

    items = history(client, requester, booking.id).get_json()["items"]

    assert [(e["action"], e["reason"]) for e in items] == [
        ("created", ""),
        ("slot_taken", "slot_taken"),
    ]


def test_an_entry_made_by_the_system_has_no_actor(client, requester, booking):
    booking = db.session.get(Booking, booking.id)
    booking.status = "expired"
    audit.record(booking, "expired", None, NOW)
    db.session.commit()

    items = history(client, requester, booking.id).get_json()["items"]

    assert (items[-1]["action"], items[-1]["actor"]) == ("expired", None)


def test_the_organisations_admin_and_a_network_admin_see_the_history(client, resource, booking):
    for admin in (make_org_admin(resource.organisation), make_network_admin()):
        assert history(client, admin, booking.id).status_code == 200


def test_another_member_of_the_requesters_organisation_may_not_see_it(client, requester, booking):
    colleague = make_user(requester.organisation)
    assert_problem(history(client, colleague, booking.id), 404)


def test_a_member_of_the_owning_organisation_may_not_see_it(client, resource, booking):
    assert_problem(history(client, make_user(resource.organisation), booking.id), 404)


def test_a_manager_of_another_resource_may_not_see_it(client, booking):
    other_manager = make_user()
    managed_resource(other_manager)
    assert_problem(history(client, other_manager, booking.id), 404)


def test_the_history_is_paginated(client, manager, booking):
    client.post(f"/api/v1/bookings/{booking.id}/reject", headers=token_for(client, manager))

    body = history(client, manager, booking.id, page=2, per_page=1).get_json()

    assert (body["total"], body["page"], body["per_page"]) == (2, 2, 1)
    assert [entry["action"] for entry in body["items"]] == ["rejected"]


def test_booking_id_is_required(client, manager):
    response = client.get("/api/v1/audit", headers=token_for(client, manager))
    assert "booking_id" in assert_problem(response, 422)["errors"]


def test_booking_id_must_be_an_integer(client, manager):
    assert "booking_id" in assert_problem(history(client, manager, "twelve"), 422)["errors"]


def test_an_unknown_or_impossible_booking_is_not_found(client, manager):
    assert_problem(history(client, manager, 999_999), 404)
    assert_problem(history(client, manager, 2**40), 404)


def test_the_history_needs_a_token(client, booking):
    assert_problem(client.get(f"/api/v1/audit?booking_id={booking.id}"), 401)
