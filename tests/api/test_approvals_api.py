"""POST /api/v1/bookings/{id}/approve and /reject: who may decide, what the rules say, and two
managers deciding competing requests at the same moment."""

import threading

import pytest

from booking.extensions import db
from tests.accounts_factories import assert_problem, make_network_admin, make_org_admin
from tests.approvals_factories import WED, managed_resource, outsider, pending_request, status_of
from tests.booking_factories import rome
from tests.concurrency import locks_held_elsewhere
from tests.factories import make_blackout, make_user, token_for


@pytest.fixture
def manager(app, frozen_now):
    return make_user(name="Marta Manager")


@pytest.fixture
def resource(manager):
    return managed_resource(manager)


@pytest.fixture
def request_9_to_10(resource):
    return pending_request(resource, rome(*WED, 9), rome(*WED, 10))


def approve(client, headers, booking_id, **body):
    return client.post(f"/api/v1/bookings/{booking_id}/approve", headers=headers, json=body or None)


def reject(client, headers, booking_id, **body):
    return client.post(f"/api/v1/bookings/{booking_id}/reject", headers=headers, json=body or None)


# -- approving ----------------------------------------------------------------------------------


def test_a_manager_approves_a_request_and_gets_the_confirmed_booking(
    client, manager, request_9_to_10
):
    response = approve(client, token_for(client, manager), request_9_to_10.id, reason="Welcome")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["id"], body["status"], body["decision_reason"]) == (
        request_9_to_10.id,
        "confirmed",
        "Welcome",
    )


def test_approving_needs_no_body(client, manager, request_9_to_10):
    response = client.post(
        f"/api/v1/bookings/{request_9_to_10.id}/approve", headers=token_for(client, manager)
    )
    assert response.status_code == 200
    assert response.get_json()["decision_reason"] == ""


def test_approving_turns_away_competing_requests_with_slot_taken(
    client, manager, resource, request_9_to_10
):
    competing = pending_request(resource, rome(*WED, 9, 30), rome(*WED, 10, 30))
    later = pending_request(resource, rome(*WED, 11), rome(*WED, 12))

    approve(client, token_for(client, manager), request_9_to_10.id)

    assert status_of(competing.id) == ("rejected", "slot_taken")
    assert status_of(later.id) == ("pending", "")


def test_the_organisations_admin_may_approve(client, resource, request_9_to_10):
    admin = make_org_admin(resource.organisation)
    response = approve(client, token_for(client, admin), request_9_to_10.id)
    assert response.get_json()["status"] == "confirmed"


def test_a_network_admin_may_approve(client, request_9_to_10):
    response = approve(client, token_for(client, make_network_admin()), request_9_to_10.id)
    assert response.get_json()["status"] == "confirmed"


def test_the_requester_may_not_approve_their_own_request(client, request_9_to_10):
    response = approve(client, token_for(client, request_9_to_10.requester), request_9_to_10.id)
    assert_problem(response, 403)
    assert status_of(request_9_to_10.id) == ("pending", "")


def test_a_member_of_the_owning_organisation_cannot_find_the_request(
    client, resource, request_9_to_10
):
    member = make_user(resource.organisation)
    assert_problem(approve(client, token_for(client, member), request_9_to_10.id), 404)


def test_a_manager_of_another_resource_cannot_find_the_request(client, request_9_to_10):
    other_manager = make_user()
    managed_resource(other_manager)
    response = approve(client, token_for(client, other_manager), request_9_to_10.id)
    assert_problem(response, 404)
    assert status_of(request_9_to_10.id) == ("pending", "")


def test_an_approval_the_rules_refuse_is_409_with_every_violation(
    client, manager, resource, request_9_to_10
):
    make_blackout(resource, rome(*WED, 0), rome(*WED, 23), reason="Flood")

    body = assert_problem(approve(client, token_for(client, manager), request_9_to_10.id), 409)

    assert [v["code"] for v in body["violations"]] == ["blackout"]
    assert "Flood" in body["violations"][0]["message"]
    assert status_of(request_9_to_10.id) == ("pending", "")


def test_approving_a_decided_request_is_a_conflict(client, manager, request_9_to_10):
    headers = token_for(client, manager)
    approve(client, headers, request_9_to_10.id)

    body = assert_problem(approve(client, headers, request_9_to_10.id), 409)

    assert "confirmed" in body["detail"]
    assert "violations" not in body


def test_a_lock_timeout_is_answered_503_with_retry_after(app, client, manager, request_9_to_10):
    headers = token_for(client, manager)
    with locks_held_elsewhere(app, request_9_to_10.resource_id):
        response = approve(client, headers, request_9_to_10.id)

    assert_problem(response, 503)
    assert response.headers["Retry-After"] == "1"


def test_approving_needs_a_token(client, request_9_to_10):
    assert_problem(approve(client, {}, request_9_to_10.id), 401)


def test_an_unknown_or_impossible_id_is_not_found(client, manager):
    headers = token_for(client, manager)
    assert_problem(approve(client, headers, 999_999), 404)
    assert_problem(approve(client, headers, 2**40), 404)


# -- rejecting ----------------------------------------------------------------------------------


def test_rejecting_keeps_the_reason_for_the_requester(client, manager, request_9_to_10):
    response = reject(
        client, token_for(client, manager), request_9_to_10.id, reason="Reserved for a course"
    )

    assert response.status_code == 200
    assert response.get_json()["status"] == "rejected"
    requester_view = client.get(
        f"/api/v1/bookings/{request_9_to_10.id}",
        headers=token_for(client, request_9_to_10.requester),
    ).get_json()
    assert requester_view["decision_reason"] == "Reserved for a course"


def test_rejecting_without_a_reason_is_allowed(client, manager, request_9_to_10):
    response = reject(client, token_for(client, manager), request_9_to_10.id)
    assert (response.status_code, response.get_json()["status"]) == (200, "rejected")


def test_a_reason_that_is_not_a_string_is_invalid(client, manager, request_9_to_10):
    body = assert_problem(
        reject(client, token_for(client, manager), request_9_to_10.id, reason=7), 422
    )
    assert "reason" in body["errors"]


def test_a_reason_too_long_is_invalid(client, manager, request_9_to_10):
    response = reject(client, token_for(client, manager), request_9_to_10.id, reason="x" * 501)
    assert "reason" in assert_problem(response, 422)["errors"]


def test_a_malformed_body_is_a_bad_request(client, manager, request_9_to_10):
    response = client.post(
        f"/api/v1/bookings/{request_9_to_10.id}/reject",
        headers=token_for(client, manager) | {"Content-Type": "application/json"},
        data="{not json",
    )
    assert_problem(response, 400)


def test_the_requester_may_not_reject_their_own_request(client, request_9_to_10):
    response = reject(client, token_for(client, request_9_to_10.requester), request_9_to_10.id)
    assert_problem(response, 403)


def test_a_stranger_cannot_find_the_request_to_reject(client, request_9_to_10):
    assert_problem(reject(client, token_for(client, outsider()), request_9_to_10.id), 404)


def test_rejecting_an_approved_booking_is_a_conflict(client, manager, request_9_to_10):
    headers = token_for(client, manager)
    approve(client, headers, request_9_to_10.id)
    assert_problem(reject(client, headers, request_9_to_10.id), 409)
    assert status_of(request_9_to_10.id) == ("confirmed", "")


# -- a race -------------------------------------------------------------------------------------


def test_two_managers_approving_competing_requests_at_once_exactly_one_wins(app, manager, resource):
    second_manager = make_user(manager.organisation)
    resource.managers.append(second_manager)
    db.session.commit()
    first = pending_request(resource, rome(*WED, 9), rome(*WED, 10)).id
    second = pending_request(resource, rome(*WED, 9), rome(*WED, 10)).id
    clients = [app.test_client(), app.test_client()]
    headers = [token_for(clients[0], manager), token_for(clients[1], second_manager)]
    # The test's own session must hold no transaction (SQLite has one writer at a time).
    db.session.rollback()
    barrier = threading.Barrier(2)
    answers: dict[int, object] = {}

    def decide(index: int, booking_id: int) -> None:
        barrier.wait(timeout=30)
        answers[booking_id] = approve(clients[index], headers[index], booking_id)

    threads = [
        threading.Thread(target=decide, args=(index, booking_id))
        for index, booking_id in enumerate((first, second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [200, 409]
    winner = next(i for i, answer in answers.items() if answer.status_code == 200)
    loser = first if winner == second else second
    assert status_of(winner) == ("confirmed", "")
    assert status_of(loser) == ("rejected", "slot_taken")
    refusal = answers[loser].get_json()
    assert refusal["status"] == 409 and refusal["detail"]
