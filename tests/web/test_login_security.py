"""The doors of logging in: throttled pages and API (429 with Retry-After, also under a real
threaded server), the admins' list of failed logins, and logins that end when they should."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from booking.extensions import db
from booking.models import User
from config import Config
from tests.accounts_factories import fresh_requests, log_in, make_network_admin, make_org_admin
from tests.apps import production_app
from tests.conftest import FROZEN_NOW
from tests.factories import PASSWORD, make_organisation, make_user, token_for
from tests.packaging import ROOT

NEW_PASSWORD = "a much longer secret"


def _wrong_logins(client, email: str, times: int = 10) -> None:
    for _ in range(times):
        response = client.post("/login", data={"email": email, "password": "wrong guess"})
        assert response.status_code == 200


@pytest.fixture(autouse=True)
def each_request_as_new(app):
    """Several clients take turns in these tests."""
    yield from fresh_requests(app)


# Throttling


def test_the_login_page_answers_429_with_retry_after_after_ten_failures(client):
    user = make_user()
    _wrong_logins(client, user.email)

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(15 * 60)
    assert "Too many failed logins: try again in 15 minutes." in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_the_throttled_login_page_speaks_italian_to_italians(client):
    user = make_user()
    _wrong_logins(client, user.email)
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        headers={"Accept-Language": "it"},
    )
    assert "Troppi accessi non riusciti: riprova tra 15 minuti." in response.get_data(as_text=True)


def test_the_login_page_lets_the_right_password_in_once_the_window_has_passed(client, frozen_now):
    user = make_user()
    _wrong_logins(client, user.email)
    frozen_now(FROZEN_NOW + timedelta(minutes=15))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_token_endpoint_answers_429_with_retry_after_after_ten_failures(client):
    user = make_user()
    for _ in range(10):
        wrong = client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong one"})
        assert wrong.status_code == 401

    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429
    assert response.headers["Retry-After"] == str(15 * 60)


def test_failures_on_the_page_and_in_the_api_count_together(client):
    user = make_user()
    _wrong_logins(client, user.email, times=5)
    for _ in range(5):
        client.post("/api/v1/tokens", json={"email": user.email, "password": "wrong one"})
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def _post_json(url: str, body: dict) -> tuple[int, dict]:
    request = Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers)
    except HTTPError as error:
        return error.code, dict(error.headers)


def test_concurrent_guesses_over_a_real_server_get_no_more_than_ten_tries(live_server):
    email = make_user().email
    db.session.rollback()
    url = f"{live_server}/api/v1/tokens"
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(
                lambda n: _post_json(url, {"email": email, "password": f"guess {n}"}), range(24)
            )
        )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [401] * 10 + [429] * 14
    assert all(headers["Retry-After"] == "900" for status, headers in answers if status == 429)
    assert _post_json(url, {"email": email, "password": PASSWORD})[0] == 429


# The admins' list of failed logins


def test_network_admins_see_the_failed_logins(client):
    user = make_user(name="Guessed Person")
    client.post("/login", data={"email": user.email, "password": "wrong guess"})
    client.post("/login", data={"email": "nobody@example.org", "password": "wrong guess"})
    log_in(client, make_network_admin())

    page = client.get("/admin/failed-logins").get_data(as_text=True)

    assert user.email in page and "Guessed Person" in page and "nobody@example.org" in page
    assert "127.0.0.1" in page


def test_organisation_admins_see_only_the_failed_logins_of_their_accounts(client):
    admin = make_org_admin()
    colleague = make_user(admin.organisation)
    stranger = make_user(make_organisation())
    for email in (colleague.email, stranger.email, "nobody@example.org"):
        client.post("/login", data={"email": email, "password": "wrong guess"})
    log_in(client, admin)

    page = client.get("/admin/failed-logins").get_data(as_text=True)

    assert colleague.email in page
    assert stranger.email not in page and "nobody@example.org" not in page


def test_members_may_not_see_the_failed_logins(client):
    log_in(client, make_user())
    assert client.get("/admin/failed-logins").status_code == 403


def test_the_failed_logins_page_speaks_italian(client):
    log_in(client, make_network_admin(locale="it"))
    page = client.get("/admin/failed-logins").get_data(as_text=True)
    assert "Accessi non riusciti" in page


# Logins that end


def _cookies(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def _restore(client, cookies: dict[str, str]) -> None:
    for key, value in cookies.items():
        client.set_cookie(key, value)


def test_after_logout_the_old_session_cookie_no_longer_opens_the_profile(client):
    log_in(client, make_user())
    stolen = _cookies(client)

    client.post("/logout")
    _restore(client, stolen)

    assert client.get("/profile").status_code == 302


def test_after_logout_the_remember_me_cookie_no_longer_logs_in(client):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remembered = _cookies(client)["remember_token"]

    client.post("/logout")
    client.delete_cookie("session")
    client.set_cookie("remember_token", remembered)

    assert client.get("/profile").status_code == 302


def test_logging_out_ends_the_logins_on_other_devices(app, client):
    user = make_user()
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    log_in(client, user)

    client.post("/logout")
    laptop.delete_cookie("session")

    assert laptop.get("/profile").status_code == 302


def test_a_password_change_ends_a_remembered_login_on_another_device(app, client):
    user = make_user()
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    log_in(client, user)

    client.post(
        "/profile/password",
        data={
            "password-current_password": PASSWORD,
            "password-new_password": NEW_PASSWORD,
            "password-confirm_password": NEW_PASSWORD,
        },
    )
    laptop.delete_cookie("session")

    assert laptop.get("/profile").status_code == 302


def _admin_sets(client, admin: User, user: User, **fields):
    log_in(client, admin)
    data = {
        "email": user.email,
        "name": user.name,
        "active": "y" if user.active else "",
        "locale": "",
        "password": "",
    } | fields
    return client.post(f"/admin/users/{user.id}", data={k: v for k, v in data.items() if v})


def test_an_admins_password_reset_on_the_page_ends_the_users_logins_and_tokens(app, client):
    admin = make_org_admin()
    user = make_user(admin.organisation)
    browser = app.test_client()
    log_in(browser, user)
    headers = token_for(client, user)

    response = _admin_sets(client, admin, user, password=NEW_PASSWORD)

    assert response.status_code == 302
    assert browser.get("/profile").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_admins_password_reset_through_the_api_ends_the_users_logins_and_tokens(app, client):
    admin = make_network_admin()
    user = make_user()
    browser = app.test_client()
    log_in(browser, user)
    user_headers = token_for(client, user)

    response = client.patch(
        f"/api/v1/users/{user.id}",
        headers=token_for(client, admin),
        json={"password": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert client.get("/api/v1/me", headers=user_headers).status_code == 401
    assert browser.get("/profile").status_code == 302


def test_an_admin_changing_only_the_name_leaves_the_users_logins_alone(app, client):
    admin = make_org_admin()
    user = make_user(admin.organisation)
    browser = app.test_client()
    log_in(browser, user)

    _admin_sets(client, admin, user, name="Renamed Person")

    assert browser.get("/profile").status_code == 200


def test_deactivation_ends_the_users_logins_and_tokens(app, client):
    admin = make_org_admin()
    user = make_user(admin.organisation)
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    headers = token_for(client, user)

    _admin_sets(client, admin, user, active="")
    db.session.expire_all()
    db.session.get(User, user.id).active = True
    db.session.commit()

    browser.delete_cookie("session")
    assert browser.get("/profile").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


# The remember-me cookie


def test_the_remember_me_cookie_is_http_only_and_same_site_lax(client):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    (remember,) = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    ]
    flags = {part.strip().split("=")[0].lower() for part in remember.split(";")}
    assert {"httponly", "samesite"} <= flags
    assert "SameSite=Lax" in remember


def test_production_sends_the_remember_me_cookie_only_over_https(app, monkeypatch):
    user = make_user()
    with production_app(app, monkeypatch) as production:
        response = production.test_client().post(
            "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
        )
    (remember,) = [
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")
    ]
    assert "Secure" in remember.split("; ")


def test_the_remember_me_lifetime_is_read_from_the_environment():
    # A process of its own: the configuration is read once, when config.py is imported.
    read = subprocess.run(
        [sys.executable, "-c", "import config; print(config.Config.REMEMBER_COOKIE_DURATION)"],
        env={**os.environ, "REMEMBER_COOKIE_DURATION_DAYS": "7"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert read.stdout.strip() == str(timedelta(days=7))
    assert timedelta(days=14) == Config.REMEMBER_COOKIE_DURATION
