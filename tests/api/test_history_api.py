"""GET /api/v1/history: the history of a resource, an account or an organisation, newest first,
for those who may read it (the permission matrix checks every role)."""

from datetime import timedelta

import pytest

from booking.services import accounts, blackouts, organisations, resources
from tests.accounts_factories import assert_problem, make_network_admin, make_org_admin
from tests.booking_factories import NOW, rome
from tests.factories import make_organisation, make_resource, make_user, token_for


@pytest.fixture
def manager(app, frozen_now):
    return make_user(name="Marta Manager")


@pytest.fixture
def resource(manager):
    return make_resource(manager.organisation, managers=[manager])


def get_history(client, user, **args):
    return client.get("/api/v1/history", query_string=args, headers=token_for(client, user))


def test_a_manager_reads_the_resources_changes_newest_first(client, manager, resource):
    resources.update_resource(manager, resource.id, {"capacity": 3}, now=NOW)
    blackout = blackouts.create_blackout(
        manager,
        resource.id,
        start=rome(2026, 12, 3, 8),
        end=rome(2026, 12, 3, 12),
        reason="Service",
        now=NOW + timedelta(minutes=5),
    )

    response = get_history(client, manager, resource_id=resource.id)

    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 50)
    added, updated = body["items"]
    assert added == {
        "id": added["id"],
        "entity_type": "resource",
        "entity_id": resource.id,
        "action": "blackout_added",
        "actor": {"id": manager.id, "name": "Marta Manager"},
        "at": "2026-12-01T08:05:00Z",
        "before": None,
        "after": {
            "id": blackout.id,
            "start": "2026-12-03T07:00:00Z",
            "end": "2026-12-03T11:00:00Z",
            "reason": "Service",
        },
        "reason": "",
    }
    assert (updated["action"], updated["before"]["capacity"], updated["after"]["capacity"]) == (
        "updated",
        1,
        3,
    )


def test_the_history_is_paginated(client, manager, resource):
    for capacity in (2, 3, 4):
        resources.update_resource(manager, resource.id, {"capacity": capacity}, now=NOW)
    body = get_history(client, manager, resource_id=resource.id, per_page=2, page=2).get_json()
    assert (body["total"], [e["after"]["capacity"] for e in body["items"]]) == (3, [2])


def test_one_reads_ones_own_accounts_history(client):
    user = make_user()
    admin = make_org_admin(user.organisation)
    accounts.update_user(admin, user.id, roles=["member", "org_admin"], now=NOW)

    body = get_history(client, user, user_id=user.id).get_json()

    (entry,) = body["items"]
    assert (entry["entity_type"], entry["action"], entry["actor"]["id"]) == (
        "user",
        "updated",
        admin.id,
    )
    assert entry["after"]["roles"] == ["org_admin", "member"]


def test_an_organisations_admins_read_its_history(client):
    organisation = make_organisation()
    network_admin = make_network_admin()
    organisations.update_organisation(network_admin, organisation.id, city="Parma", now=NOW)

    body = get_history(client, make_org_admin(organisation), organisation_id=organisation.id)

    (entry,) = body.get_json()["items"]
    assert (entry["before"]["city"], entry["after"]["city"]) == ("Bologna", "Parma")


@pytest.mark.parametrize(
    "args",
    [{}, {"resource_id": 1, "user_id": 1}, {"organisation_id": "x"}, {"user_id": 0}],
    ids=["none", "two", "not a number", "zero"],
)
def test_exactly_one_valid_id_is_required(client, manager, args):
    assert_problem(get_history(client, manager, **args), 422)


def test_an_id_beyond_what_the_server_takes_is_invalid(client, manager):
    assert (
        "resource_id"
        in assert_problem(get_history(client, manager, resource_id=2**31), 422)["errors"]
    )


def test_an_invisible_resource_has_no_history_for_an_outsider(client, manager):
    private = make_resource(manager.organisation, visibility="organisation")
    assert_problem(get_history(client, make_org_admin(), resource_id=private.id), 404)


def test_a_member_who_sees_the_resource_may_not_read_its_history(client, resource):
    assert_problem(get_history(client, make_user(), resource_id=resource.id), 403)


def test_another_organisations_admin_finds_no_account(client):
    user = make_user()
    assert_problem(get_history(client, make_org_admin(), user_id=user.id), 404)


def test_a_member_may_not_read_another_accounts_history(client):
    user = make_user()
    assert_problem(get_history(client, make_user(user.organisation), user_id=user.id), 403)


def test_a_member_may_not_read_their_organisations_history(client):
    user = make_user()
    assert_problem(get_history(client, user, organisation_id=user.organisation_id), 403)


def test_the_history_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/history"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "resource_id",
        "user_id",
        "organisation_id",
    }
    entry = document["components"]["schemas"]["HistoryEntry"]["properties"]
    assert "blackout_added" in entry["action"]["enum"]
