from datetime import date

from tests.factories import make_qualification, make_resource, make_user, token_for


def _url(resource) -> str:
    return f"/api/v1/resources/{resource.id}/qualifications"


def test_a_manager_grants_a_qualification(client, frozen_now):
    manager, trainee = make_user(), make_user()
    resource = make_resource(managers=[manager])
    response = client.post(
        _url(resource),
        json={"user_id": trainee.id, "expires_on": "2027-06-30"},
        headers=token_for(client, manager),
    )
    assert response.status_code == 201
    body = response.json
    assert (body["resource_id"], body["user_id"], body["expires_on"]) == (
        resource.id,
        trainee.id,
        "2027-06-30",
    )


def test_granting_again_updates_the_expiry(client, frozen_now):
    manager, trainee = make_user(), make_user()
    resource = make_resource(managers=[manager])
    existing = make_qualification(resource, trainee, expires_on=date(2027, 1, 1))
    response = client.post(
        _url(resource),
        json={"user_id": trainee.id, "expires_on": None},
        headers=token_for(client, manager),
    )
    assert response.status_code == 200
    assert (response.json["id"], response.json["expires_on"]) == (existing.id, None)


def test_a_manager_lists_the_qualifications(client):
    manager, trainee = make_user(), make_user(name="Anna")
    resource = make_resource(managers=[manager])
    make_qualification(resource, trainee)
    body = client.get(_url(resource), headers=token_for(client, manager)).json
    assert body["total"] == 1
    assert body["items"][0]["user_id"] == trainee.id
    assert body["items"][0]["user"]["name"] == "Anna"


def test_invalid_fields_are_422_listing_each(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.post(
        _url(resource),
        json={"user_id": "me", "expires_on": "next year"},
        headers=token_for(client, manager),
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"user_id", "expires_on"}


def test_an_unknown_user_is_422(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    response = client.post(
        _url(resource), json={"user_id": 999}, headers=token_for(client, manager)
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"user_id"}


def test_a_member_may_not_grant_a_qualification(client):
    resource = make_resource()
    user = make_user()
    response = client.post(
        _url(resource), json={"user_id": user.id}, headers=token_for(client, user)
    )
    assert response.status_code == 403


def test_a_member_may_not_list_the_qualifications(client):
    resource = make_resource()
    assert client.get(_url(resource), headers=token_for(client, make_user())).status_code == 403


def test_qualifications_of_an_invisible_resource_are_404(client):
    resource = make_resource(visibility="organisation")
    user = make_user()
    headers = token_for(client, user)
    assert client.get(_url(resource), headers=headers).status_code == 404
    response = client.post(_url(resource), json={"user_id": user.id}, headers=headers)
    assert response.status_code == 404


def test_a_manager_revokes_a_qualification(client):
    manager = make_user()
    resource = make_resource(managers=[manager])
    qualification = make_qualification(resource, make_user())
    headers = token_for(client, manager)
    url = f"/api/v1/qualifications/{qualification.id}"
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(_url(resource), headers=headers).json["total"] == 0


def test_a_member_may_not_revoke_a_qualification(client):
    qualification = make_qualification(make_resource(), make_user())
    response = client.delete(
        f"/api/v1/qualifications/{qualification.id}", headers=token_for(client, make_user())
    )
    assert response.status_code == 403


def test_an_unknown_qualification_is_404(client):
    response = client.delete("/api/v1/qualifications/999", headers=token_for(client, make_user()))
    assert response.status_code == 404
