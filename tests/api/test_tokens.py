from datetime import timedelta

from tests.factories import PASSWORD, make_user


def test_a_token_is_issued_for_correct_credentials(client):
    user = make_user()
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["token"]) >= 40
    assert body["expires_at"].endswith("Z")


def test_the_email_is_matched_without_regard_to_case(client):
    make_user(email="anna.rossi@example.org")
    response = client.post(
        "/api/v1/tokens", json={"email": "Anna.Rossi@EXAMPLE.org", "password": PASSWORD}
    )
    assert response.status_code == 201


def test_wrong_credentials_get_401_problem(client):
    user = make_user()
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": "nope"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401


def test_malformed_json_gets_400(client):
    response = client.post(
        "/api/v1/tokens", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


def test_missing_fields_get_422_listing_each(client):
    response = client.post("/api/v1/tokens", json={})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email", "password"}


def test_me_requires_a_token(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_me_answers_the_token_holder(client):
    user = make_user(is_org_admin=True)
    headers = {"Authorization": f"Bearer {_token(client, user)}"}
    body = client.get("/api/v1/me", headers=headers).get_json()
    assert body["id"] == user.id
    assert body["roles"] == ["org_admin", "member"]
    assert body["organisation"]["id"] == user.organisation_id


def test_a_revoked_token_no_longer_works(client):
    user = make_user()
    headers = {"Authorization": f"Bearer {_token(client, user)}"}
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_expired_token_no_longer_works(app, client, frozen_now):
    user = make_user()
    headers = {"Authorization": f"Bearer {_token(client, user)}"}
    frozen_now(frozen_now.current() + timedelta(hours=app.config["API_TOKEN_LIFETIME_HOURS"]))
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(client):
    from sqlalchemy import select

    from booking.extensions import db
    from booking.models import ApiToken

    user = make_user()
    secret = _token(client, user)
    stored = db.session.execute(select(ApiToken.token_hash)).scalar_one()
    assert secret not in stored and len(stored) == 64


def test_an_unknown_api_path_answers_problem_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def _token(client, user) -> str:
    return client.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD}
    ).get_json()["token"]


def test_me_gives_the_calendar_feed_once_it_exists(client):
    headers = {"Authorization": f"Bearer {_token(client, make_user())}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["calendar_url"] is None
    made = client.post("/api/v1/me/calendar-token", headers=headers).get_json()
    assert (
        client.get("/api/v1/me", headers=headers).get_json()["calendar_url"] == made["calendar_url"]
    )
