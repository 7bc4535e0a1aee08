"""Forgotten passwords: a signed, single-use, expiring link by mail (through the outbox, to a real
SMTP server), the same answer for every address, and a new password under the policy."""

import re
from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import User
from booking.services import password_reset
from booking.services.accounts import authenticate
from booking.services.mailer import send_pending
from tests import smtp
from tests.accounts_factories import fresh_requests, log_in
from tests.conftest import FROZEN_NOW
from tests.factories import PASSWORD, make_user, token_for
from tests.smtp import queued

smtp_server = smtp.smtp_server

NEW_PASSWORD = "a much longer secret"
SAME_ANSWER = "If an active account has this address, a mail with a link"
LINK = re.compile(r"http://localhost/reset-password/[\w.\-]+")


@pytest.fixture(autouse=True)
def each_request_as_new(app):
    """Several clients take turns in these tests."""
    yield from fresh_requests(app)


def _ask(client, email: str, **headers):
    return client.post(
        "/forgot-password", data={"email": email}, headers=headers, follow_redirects=True
    )


def _delivered_link(inbox, user: User) -> str:
    assert send_pending(FROZEN_NOW).failed == 0
    (received,) = inbox.to(user.email)
    (link,) = set(LINK.findall(received.text))
    assert link in received.html
    return link.removeprefix("http://localhost")


def _reset(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        path, data={"new_password": password, "confirm_password": confirm or password}
    )


def test_the_login_page_links_to_the_forgotten_password_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/forgot-password"' in page and "Forgot your password?" in page


def test_a_reset_link_arrives_by_mail_and_sets_a_new_password(client, smtp_server):
    user = make_user()
    assert SAME_ANSWER in _ask(client, user.email.upper()).get_data(as_text=True)

    link = _delivered_link(smtp_server, user)
    assert client.get(link).status_code == 200
    response = _reset(client, link)

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert authenticate(user.email, NEW_PASSWORD) is not None
    assert authenticate(user.email, PASSWORD) is None


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_server):
    make_user(email="someone@example.org")
    answer = _ask(client, "nobody@example.org")
    assert answer.status_code == 200 and SAME_ANSWER in answer.get_data(as_text=True)
    assert queued() == []


def test_a_deactivated_account_gets_the_same_answer_and_no_mail(client):
    user = make_user(active=False)
    assert SAME_ANSWER in _ask(client, user.email).get_data(as_text=True)
    assert queued() == []


def test_the_mail_is_in_the_users_language(client, smtp_server):
    user = make_user(locale="it")
    _ask(client, user.email)
    assert send_pending(FROZEN_NOW).failed == 0
    (received,) = smtp_server.to(user.email)
    assert received.message["Subject"] == "Scegli una nuova password"
    assert "Il link funziona una volta sola, entro 60 minuti." in received.text


def test_the_page_and_its_answer_are_in_italian_for_italians(client):
    page = client.get("/forgot-password", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Password dimenticata?" in page
    answer = _ask(client, "nobody@example.org", **{"Accept-Language": "it"})
    assert "Se un account attivo ha questo indirizzo" in answer.get_data(as_text=True)


def test_a_reset_link_works_only_once(client, smtp_server):
    user = make_user()
    _ask(client, user.email)
    link = _delivered_link(smtp_server, user)
    _reset(client, link)

    again = _reset(client, link, password="yet another long phrase")

    assert again.status_code == 302 and again.headers["Location"].endswith("/forgot-password")
    assert authenticate(user.email, NEW_PASSWORD) is not None


def test_a_reset_link_expires_after_an_hour(client, smtp_server, frozen_now):
    user = make_user()
    _ask(client, user.email)
    link = _delivered_link(smtp_server, user)

    frozen_now(FROZEN_NOW + timedelta(minutes=61))
    response = client.get(link, follow_redirects=True)

    assert "This link is invalid or has expired" in response.get_data(as_text=True)
    assert _reset(client, link).headers["Location"].endswith("/forgot-password")
    assert authenticate(user.email, PASSWORD) is not None


def test_the_expiry_is_a_setting(app, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_LINK_MINUTES", 10)
    user = make_user()
    token = password_reset.make_token(user, now=FROZEN_NOW)
    assert password_reset.user_for_token(token, now=FROZEN_NOW + timedelta(minutes=9)) == user
    with pytest.raises(password_reset.InvalidResetLink):
        password_reset.user_for_token(token, now=FROZEN_NOW + timedelta(minutes=11))


def test_a_tampered_link_is_refused(client):
    user = make_user()
    token = password_reset.make_token(user, now=FROZEN_NOW)
    response = client.get(f"/reset-password/{token[:-2]}xx", follow_redirects=True)
    assert "This link is invalid or has expired" in response.get_data(as_text=True)


def test_the_new_password_follows_the_policy_in_both_languages(client):
    user = make_user()
    token = password_reset.make_token(user, now=FROZEN_NOW)

    english = _reset(client, f"/reset-password/{token}", password="password123")
    italian = client.post(
        f"/reset-password/{token}",
        data={"new_password": "password123", "confirm_password": "password123"},
        headers={"Accept-Language": "it"},
    )

    assert "This password is too common or too easy to guess" in english.get_data(as_text=True)
    assert "Questa password è troppo comune o troppo facile da indovinare" in italian.get_data(
        as_text=True
    )
    assert authenticate(user.email, PASSWORD) is not None


def test_a_reset_ends_every_login_and_revokes_the_api_tokens(app, client, smtp_server):
    user = make_user()
    laptop = app.test_client()
    laptop.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    headers = token_for(client, user)
    _ask(client, user.email)

    _reset(client, _delivered_link(smtp_server, user))

    laptop.delete_cookie("session")
    assert laptop.get("/profile").status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_logout_elsewhere_ends_the_links_already_sent(client, smtp_server):
    user = make_user()
    _ask(client, user.email)
    link = _delivered_link(smtp_server, user)
    log_in(client, user)
    client.post("/logout")

    assert _reset(client, link).headers["Location"].endswith("/forgot-password")


def test_no_more_than_three_links_go_to_one_account_within_the_window(client):
    user = make_user()
    for _ in range(5):
        assert SAME_ANSWER in _ask(client, user.email).get_data(as_text=True)
    db.session.rollback()
    assert len([m for m in queued() if m.kind == "password_reset"]) == 3


def test_the_link_carries_neither_the_login_secret_nor_the_password_hash(app):
    user = make_user()
    token = password_reset.make_token(user, now=FROZEN_NOW)
    payload = password_reset._serializer(FROZEN_NOW).loads(token)
    assert user.login_secret not in str(payload) and user.password_hash not in str(payload)
