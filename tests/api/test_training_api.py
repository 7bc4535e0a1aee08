"""The training request API: asking for training, managers listing, granting and declining."""

import pytest

from tests.accounts_factories import assert_problem
from tests.booking_factories import make_worked_example_resource
from tests.factories import (
    make_organisation,
    make_qualification,
    make_resource,
    make_user,
    token_for,
)
from tests.requests_factories import make_training_request


@pytest.fixture
def manager(app, frozen_now):
    return make_user()


@pytest.fixture
def resource(manager):
    return make_worked_example_resource(
        organisation=manager.organisation, requires_qualification=True, managers=[manager]
    )


@pytest.fixture
def user(app):
    return make_user(make_organisation())


def test_asking_for_training_creates_an_open_request(client, resource, user):
    response = client.post(
        f"/api/v1/resources/{resource.id}/training-requests",
        json={"message": "I run a similar press."},
        headers=token_for(client, user),
    )
    assert response.status_code == 201, response.json
    assert (response.json["status"], response.json["message"]) == ("open", "I run a similar press.")
    assert response.json["user"]["id"] == user.id
    assert response.json["handled_at"] is None


def test_asking_needs_no_body(client, resource, user):
    response = client.post(
        f"/api/v1/resources/{resource.id}/training-requests", headers=token_for(client, user)
    )
    assert response.status_code == 201


def test_asking_twice_is_a_conflict(client, resource, user):
    headers = token_for(client, user)
    url = f"/api/v1/resources/{resource.id}/training-requests"
    client.post(url, headers=headers)
    assert_problem(client.post(url, headers=headers), 409)


def test_a_qualified_user_is_told_there_is_nothing_to_ask(client, resource, user):
    make_qualification(resource, user)
    response = client.post(
        f"/api/v1/resources/{resource.id}/training-requests", headers=token_for(client, user)
    )
    assert "already hold" in assert_problem(response, 409)["detail"]


def test_a_resource_without_training_takes_no_requests(client, user):
    free = make_resource()
    response = client.post(
        f"/api/v1/resources/{free.id}/training-requests", headers=token_for(client, user)
    )
    assert_problem(response, 409)


def test_an_invisible_resource_is_not_found(client, user):
    hidden = make_resource(visibility="organisation", requires_qualification=True)
    response = client.post(
        f"/api/v1/resources/{hidden.id}/training-requests", headers=token_for(client, user)
    )
    assert_problem(response, 404)


def test_a_message_that_is_not_text_is_invalid(client, resource, user):
    response = client.post(
        f"/api/v1/resources/{resource.id}/training-requests",
        json={"message": 42},
        headers=token_for(client, user),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"message"}


def test_users_list_their_own_requests(client, resource, user):
    mine = make_training_request(user, resource)
    make_training_request(make_user(), resource)
    response = client.get("/api/v1/training-requests", headers=token_for(client, user))
    assert [item["id"] for item in response.json["items"]] == [mine.id]


def test_managers_list_the_open_requests_of_their_resources(client, resource, manager, user):
    request = make_training_request(user, resource)
    response = client.get(
        "/api/v1/training-requests?managed=true", headers=token_for(client, manager)
    )
    assert [item["id"] for item in response.json["items"]] == [request.id]


def test_a_flag_that_is_not_a_boolean_is_invalid(client, user):
    response = client.get(
        "/api/v1/training-requests?managed=maybe", headers=token_for(client, user)
    )
    assert set(assert_problem(response, 422)["errors"]) == {"managed"}


def test_granting_answers_with_the_qualification(client, resource, manager, user):
    request = make_training_request(user, resource)
    response = client.post(
        f"/api/v1/training-requests/{request.id}/grant",
        json={"expires_on": "2027-06-30"},
        headers=token_for(client, manager),
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "done"
    assert response.json["qualification"]["expires_on"] == "2027-06-30"
    assert response.json["qualification"]["user_id"] == user.id


def test_granting_without_a_body_qualifies_without_expiry(client, resource, manager, user):
    request = make_training_request(user, resource)
    response = client.post(
        f"/api/v1/training-requests/{request.id}/grant", headers=token_for(client, manager)
    )
    assert response.json["qualification"]["expires_on"] is None


def test_an_unreadable_expiry_is_invalid(client, resource, manager, user):
    request = make_training_request(user, resource)
    response = client.post(
        f"/api/v1/training-requests/{request.id}/grant",
        json={"expires_on": "next June"},
        headers=token_for(client, manager),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"expires_on"}


def test_the_user_may_not_grant_their_own_request(client, resource, user):
    request = make_training_request(user, resource)
    response = client.post(
        f"/api/v1/training-requests/{request.id}/grant", headers=token_for(client, user)
    )
    assert_problem(response, 403)


def test_declining_closes_the_request(client, resource, manager, user):
    request = make_training_request(user, resource)
    response = client.post(
        f"/api/v1/training-requests/{request.id}/decline", headers=token_for(client, manager)
    )
    assert response.json["status"] == "declined"
    assert response.json["handled_at"] == "2026-12-01T08:00:00Z"


def test_strangers_do_not_find_the_request(client, resource, user):
    request = make_training_request(user, resource)
    response = client.post(
        f"/api/v1/training-requests/{request.id}/decline", headers=token_for(client, make_user())
    )
    assert_problem(response, 404)


def test_the_openapi_document_describes_the_training_requests(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/resources/{id}/training-requests"]
    assert "get" in paths["/training-requests"]
    assert "post" in paths["/training-requests/{id}/grant"]
    assert "post" in paths["/training-requests/{id}/decline"]
