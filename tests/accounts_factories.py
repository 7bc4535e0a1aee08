"""Factories and helpers for the accounts, organisations and administration tests."""

from flask import g
from flask_babel import refresh

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


def fresh_requests(app):
    """Each request of the test reads its own cookies and language, as in a new process: the
    tests' application context outlives requests, and Flask-Login (the user) and Flask-Babel
    (the locale) keep what they found in it. For tests where several clients take turns: a
    fixture yields from it."""

    def forget_the_last_request():
        g.pop("_login_user", None)
        refresh()

    app.before_request_funcs.setdefault(None, []).insert(0, forget_the_last_request)
    yield
    app.before_request_funcs[None].remove(forget_the_last_request)
