"""The password policy behind every page that sets a password, with its message in both
languages; the API and create-admin are in their own tests."""

import pytest

from booking.services.accounts import authenticate
from tests.accounts_factories import log_in, make_org_admin
from tests.factories import PASSWORD, make_user

REFUSED = ["password", "12345678", " " * 8, "password123"]
TOO_SHORT = "The password must be at least 10 characters long."
TOO_COMMON = "This password is too common or too easy to guess"


def _change_password(client, new: str, **headers):
    return client.post(
        "/profile/password",
        data={
            "password-current_password": PASSWORD,
            "password-new_password": new,
            "password-confirm_password": new,
        },
        headers=headers,
    )


@pytest.mark.parametrize("password", REFUSED)
def test_the_profile_refuses_a_weak_password_saying_why(client, password):
    user = make_user()
    log_in(client, user)
    page = _change_password(client, password).get_data(as_text=True)
    assert TOO_SHORT in page or TOO_COMMON in page
    assert authenticate(user.email, PASSWORD) is not None


def test_the_profile_says_why_in_italian(client):
    log_in(client, make_user(locale="it"))
    page = _change_password(client, "password123").get_data(as_text=True)
    assert "Questa password è troppo comune o troppo facile da indovinare" in page
    page = _change_password(client, " " * 8).get_data(as_text=True)
    assert "La password deve avere almeno 10 caratteri." in page


@pytest.mark.parametrize("password", REFUSED)
def test_the_admin_form_refuses_a_weak_password_for_a_new_account(client, password):
    admin = make_org_admin()
    log_in(client, admin)
    page = client.post(
        "/admin/users/new",
        data={
            "email": "new@example.org",
            "name": "New",
            "password": password,
            "active": "y",
            "locale": "",
        },
    ).get_data(as_text=True)
    assert TOO_SHORT in page or TOO_COMMON in page
    assert authenticate("new@example.org", password) is None


def test_the_admin_form_refuses_a_weak_new_password_for_an_account(client):
    admin = make_org_admin()
    user = make_user(admin.organisation)
    log_in(client, admin)
    page = client.post(
        f"/admin/users/{user.id}",
        data={
            "email": user.email,
            "name": user.name,
            "password": "password123",
            "active": "y",
            "locale": "",
        },
    ).get_data(as_text=True)
    assert TOO_COMMON in page
    assert authenticate(user.email, PASSWORD) is not None
