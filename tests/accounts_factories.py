"""Factories and helpers for the accounts, organisations and administration tests."""

from booking.models import Organisation, User
from tests.factories import PASSWORD, make_user


def make_network_admin(organisation: Organisation | None = None, **fields) -> User:
    return make_user(organisation, is_network_admin=True, **fields)


def make_org_admin(organisation: Organisation | None = None, **fields) -> User:
    return make_user(organisation, is_org_admin=True, **fields)


def log_in(client, user: User, password: str = PASSWORD) -> None:
    """Log `user` in through the login page, as a browser would."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def assert_problem(response, status: int) -> dict:
    """The response is problem+json with `status`; returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    return body
