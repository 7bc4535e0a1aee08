from booking.extensions import db
from booking.models import User
from tests.accounts_factories import assert_problem, make_network_admin, make_org_admin
from tests.factories import PASSWORD, make_organisation, make_user, token_for

NEW_PASSWORD = "a much longer secret"


def _new(organisation, **fields) -> dict:
    return {
        "email": "giulia.bianchi@example.org",
        "name": "Giulia Bianchi",
        "password": NEW_PASSWORD,
        "organisation_id": organisation.id,
    } | fields


def _reloaded(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# Listing


def test_users_need_a_token(client):
    assert_problem(client.get("/api/v1/users"), 401)


def test_a_network_admin_lists_every_account_by_name(client):
    admin = make_network_admin(name="Anna")
    bruno = make_user(name="Bruno")
    carla = make_user(name="Carla")
    headers = token_for(client, admin)

    body = client.get("/api/v1/users", headers=headers).get_json()

    assert [u["id"] for u in body["items"]] == [admin.id, bruno.id, carla.id]
    assert body["total"] == 3
    assert "password" not in body["items"][0] and "password_hash" not in body["items"][0]


def test_a_network_admin_filters_accounts_by_organisation(client):
    organisation = make_organisation()
    wanted = make_user(organisation)
    make_user()
    headers = token_for(client, make_network_admin())

    body = client.get(
        f"/api/v1/users?organisation_id={organisation.id}", headers=headers
    ).get_json()

    assert [u["id"] for u in body["items"]] == [wanted.id]


def test_accounts_are_searched_by_name_or_email(client):
    by_name = make_user(name="Marco Verdi")
    by_email = make_user(email="verdi.l@example.org", name="Luca")
    make_user(name="Paola Neri")
    headers = token_for(client, make_network_admin(name="Zed"))

    body = client.get("/api/v1/users?q=VERDI", headers=headers).get_json()

    assert {u["id"] for u in body["items"]} == {by_name.id, by_email.id}


def test_an_organisation_admin_lists_only_their_organisations_accounts(client):
    organisation = make_organisation()
    admin = make_org_admin(organisation, name="Admin")
    colleague = make_user(organisation, name="Colleague")
    make_user(name="Stranger")
    headers = token_for(client, admin)

    body = client.get("/api/v1/users", headers=headers).get_json()

    assert [u["id"] for u in body["items"]] == [admin.id, colleague.id]


def test_an_organisation_admin_may_not_list_another_organisations_accounts(client):
    other = make_organisation()
    headers = token_for(client, make_org_admin())
    assert_problem(client.get(f"/api/v1/users?organisation_id={other.id}", headers=headers), 403)


def test_a_member_may_not_list_accounts(client):
    headers = token_for(client, make_user())
    assert_problem(client.get("/api/v1/users", headers=headers), 403)


# Reading one


def test_a_member_reads_their_own_account(client):
    member = make_user()
    headers = token_for(client, member)
    assert client.get(f"/api/v1/users/{member.id}", headers=headers).get_json()["id"] == member.id


def test_a_member_may_not_read_a_colleagues_account(client):
    member = make_user()
    colleague = make_user(member.organisation)
    headers = token_for(client, member)
    assert_problem(client.get(f"/api/v1/users/{colleague.id}", headers=headers), 403)


def test_an_organisation_admin_reads_an_account_of_their_organisation(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    headers = token_for(client, admin)
    response = client.get(f"/api/v1/users/{colleague.id}", headers=headers)
    assert response.get_json()["email"] == colleague.email


def test_another_organisations_account_does_not_exist_for_an_organisation_admin(client):
    stranger = make_user()
    headers = token_for(client, make_org_admin())
    assert_problem(client.get(f"/api/v1/users/{stranger.id}", headers=headers), 404)


def test_a_network_admin_reads_any_account(client):
    stranger = make_user()
    headers = token_for(client, make_network_admin())
    assert client.get(f"/api/v1/users/{stranger.id}", headers=headers).status_code == 200


def test_an_unknown_account_is_404(client):
    headers = token_for(client, make_network_admin())
    assert_problem(client.get("/api/v1/users/999", headers=headers), 404)


# Creating


def test_a_network_admin_creates_an_account_in_any_organisation(client):
    organisation = make_organisation()
    headers = token_for(client, make_network_admin())

    response = client.post(
        "/api/v1/users",
        headers=headers,
        json=_new(organisation, roles=["org_admin"], locale="it"),
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["organisation_id"] == organisation.id
    assert body["roles"] == ["org_admin", "member"]
    assert (body["active"], body["locale"]) == (True, "it")
    assert "password" not in body and "password_hash" not in body


def test_a_new_account_logs_in_with_its_password(client):
    headers = token_for(client, make_network_admin())
    client.post("/api/v1/users", headers=headers, json=_new(make_organisation()))
    response = client.post(
        "/api/v1/tokens", json={"email": "giulia.bianchi@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 201


def test_a_new_accounts_email_is_kept_in_lower_case(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/users",
        headers=headers,
        json=_new(make_organisation(), email="  Giulia.Bianchi@Example.ORG "),
    )
    assert response.get_json()["email"] == "giulia.bianchi@example.org"


def test_an_email_already_used_in_another_case_is_a_conflict(client):
    make_user(email="giulia.bianchi@example.org")
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/users",
        headers=headers,
        json=_new(make_organisation(), email="GIULIA.Bianchi@example.org"),
    )
    assert_problem(response, 409)


def test_a_short_password_is_invalid(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/users", headers=headers, json=_new(make_organisation(), password="short")
    )
    assert set(assert_problem(response, 422)["errors"]) == {"password"}


def test_an_unknown_organisation_is_invalid(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/users", headers=headers, json=_new(make_organisation()) | {"organisation_id": 999}
    )
    assert set(assert_problem(response, 422)["errors"]) == {"organisation_id"}


def test_an_invalid_email_unknown_role_and_locale_are_listed_together(client):
    headers = token_for(client, make_network_admin())
    response = client.post(
        "/api/v1/users",
        headers=headers,
        json=_new(make_organisation(), email="not-an-email", roles=["king"], locale="fr"),
    )
    assert set(assert_problem(response, 422)["errors"]) == {"email", "roles", "locale"}


def test_missing_user_fields_are_listed_each(client):
    headers = token_for(client, make_network_admin())
    body = assert_problem(client.post("/api/v1/users", headers=headers, json={}), 422)
    assert set(body["errors"]) == {"email", "name", "password", "organisation_id"}


def test_an_organisation_admin_creates_an_account_in_their_organisation(client):
    admin = make_org_admin()
    headers = token_for(client, admin)
    response = client.post("/api/v1/users", headers=headers, json=_new(admin.organisation))
    assert response.status_code == 201


def test_an_organisation_admin_may_not_create_an_account_in_another_organisation(client):
    headers = token_for(client, make_org_admin())
    response = client.post("/api/v1/users", headers=headers, json=_new(make_organisation()))
    assert_problem(response, 403)


def test_an_organisation_admin_may_not_create_a_network_admin(client):
    admin = make_org_admin()
    headers = token_for(client, admin)
    response = client.post(
        "/api/v1/users", headers=headers, json=_new(admin.organisation, roles=["network_admin"])
    )
    assert_problem(response, 403)


def test_a_member_may_not_create_an_account(client):
    member = make_user()
    headers = token_for(client, member)
    assert_problem(
        client.post("/api/v1/users", headers=headers, json=_new(member.organisation)), 403
    )


# Changing


def test_a_network_admin_changes_roles_activity_and_organisation(client):
    user = make_user()
    elsewhere = make_organisation()
    headers = token_for(client, make_network_admin())

    response = client.patch(
        f"/api/v1/users/{user.id}",
        headers=headers,
        json={
            "roles": ["network_admin", "member"],
            "active": False,
            "organisation_id": elsewhere.id,
        },
    )

    body = response.get_json()
    assert body["roles"] == ["network_admin", "member"]
    assert (body["active"], body["organisation_id"]) == (False, elsewhere.id)


def test_a_changed_password_replaces_the_old_one(client):
    user = make_user()
    headers = token_for(client, make_network_admin())
    client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"password": NEW_PASSWORD})
    old = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    new = client.post("/api/v1/tokens", json={"email": user.email, "password": NEW_PASSWORD})
    assert (old.status_code, new.status_code) == (401, 201)


def test_a_deactivated_account_can_no_longer_get_a_token(client):
    user = make_user()
    headers = token_for(client, make_network_admin())
    client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"active": False})
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert_problem(response, 401)


def test_an_organisation_admin_changes_a_colleagues_name_and_roles(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    headers = token_for(client, admin)
    response = client.patch(
        f"/api/v1/users/{colleague.id}",
        headers=headers,
        json={"name": "Renamed", "roles": ["org_admin"]},
    )
    assert (response.get_json()["name"], response.get_json()["roles"]) == (
        "Renamed",
        ["org_admin", "member"],
    )


def test_an_organisation_admin_may_not_promote_anyone_to_network_admin(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    headers = token_for(client, admin)
    response = client.patch(
        f"/api/v1/users/{colleague.id}", headers=headers, json={"roles": ["network_admin"]}
    )
    assert_problem(response, 403)
    assert not _reloaded(colleague).is_network_admin


def test_an_organisation_admin_may_not_move_an_account_to_another_organisation(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    headers = token_for(client, admin)
    response = client.patch(
        f"/api/v1/users/{colleague.id}",
        headers=headers,
        json={"organisation_id": make_organisation().id},
    )
    assert_problem(response, 403)


def test_an_organisation_admin_may_not_change_another_organisations_account(client):
    stranger = make_user()
    headers = token_for(client, make_org_admin())
    response = client.patch(f"/api/v1/users/{stranger.id}", headers=headers, json={"name": "X"})
    assert_problem(response, 404)


def test_an_organisation_admin_may_not_change_a_network_admin_of_their_organisation(client):
    admin = make_org_admin()
    network_admin = make_network_admin(admin.organisation)
    headers = token_for(client, admin)
    response = client.patch(
        f"/api/v1/users/{network_admin.id}", headers=headers, json={"password": NEW_PASSWORD}
    )
    assert_problem(response, 403)


def test_a_member_may_not_change_even_their_own_account_here(client):
    member = make_user()
    headers = token_for(client, member)
    response = client.patch(f"/api/v1/users/{member.id}", headers=headers, json={"name": "X"})
    assert_problem(response, 403)


def test_nobody_deactivates_their_own_account(client):
    admin = make_network_admin()
    make_network_admin()
    headers = token_for(client, admin)
    response = client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"active": False})
    assert set(assert_problem(response, 422)["errors"]) == {"active"}


def test_the_last_network_admin_may_not_give_up_the_role(client):
    admin = make_network_admin()
    headers = token_for(client, admin)
    response = client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"roles": []})
    assert set(assert_problem(response, 422)["errors"]) == {"roles"}
    assert _reloaded(admin).is_network_admin


def test_a_network_admin_gives_up_the_role_while_another_remains(client):
    admin = make_network_admin()
    make_network_admin()
    headers = token_for(client, admin)
    response = client.patch(
        f"/api/v1/users/{admin.id}", headers=headers, json={"roles": ["member"]}
    )
    assert response.get_json()["roles"] == ["member"]


def test_an_inactive_network_admin_does_not_count_as_remaining(client):
    admin = make_network_admin()
    make_network_admin(active=False)
    headers = token_for(client, admin)
    response = client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"roles": []})
    assert_problem(response, 422)


def test_changing_the_email_to_one_in_use_in_another_case_is_a_conflict(client):
    make_user(email="taken@example.org")
    user = make_user()
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/users/{user.id}", headers=headers, json={"email": "TAKEN@example.org"}
    )
    assert_problem(response, 409)
    assert _reloaded(user).email != "taken@example.org"


def test_a_null_locale_follows_the_browser_again(client):
    user = make_user(locale="it")
    headers = token_for(client, make_network_admin())
    response = client.patch(f"/api/v1/users/{user.id}", headers=headers, json={"locale": None})
    assert response.get_json()["locale"] is None


def test_roles_that_are_not_a_list_are_invalid(client):
    user = make_user()
    headers = token_for(client, make_network_admin())
    response = client.patch(
        f"/api/v1/users/{user.id}", headers=headers, json={"roles": "network_admin"}
    )
    assert set(assert_problem(response, 422)["errors"]) == {"roles"}


def test_the_openapi_document_describes_the_user_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(document["paths"]["/users"])
    assert {"get", "patch"} <= set(document["paths"]["/users/{id}"])
    create = document["components"]["schemas"]["UserCreate"]
    assert create["properties"]["password"]["writeOnly"] is True
    assert "password" not in document["components"]["schemas"]["User"]["properties"]
