"""Behind a TLS proxy (TRUSTED_PROXIES): the client's address, and https:// in links to feeds and
in mails; without the setting, X-Forwarded-* are ignored."""

import re

import pytest
from flask import request

from booking.proxies import trusted_proxies
from booking.services import calendar
from tests.accounts_factories import log_in
from tests.apps import app_with, production_app
from tests.booking_factories import book, rome
from tests.calendar_factories import booking_events
from tests.factories import make_resource, make_user, set_opening_hours, token_for
from tests.requests_factories import pilot_with_requester
from tests.smtp import outbox

BEHIND_TLS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
LINK = re.compile(r"(?:https?|webcal)://[^\s\"'<>]+")


@pytest.fixture
def proxied(app):
    """The app as configured behind one proxy."""
    with app_with(app, TRUSTED_PROXIES="1") as behind_one:
        yield behind_one


def links(text: str) -> list[str]:
    return LINK.findall(text)


def remote_address(app, headers: dict) -> str:
    """The address a request of the test client (127.0.0.1) comes from, as the app sees it."""
    app.add_url_rule("/remote-address", "remote_address", lambda: request.remote_addr or "")
    return app.test_client().get("/remote-address", headers=headers).get_data(as_text=True)


# --- The setting -----------------------------------------------------------------------------------


def test_the_setting_is_a_number_of_proxies():
    assert trusted_proxies("0") == 0
    assert trusted_proxies(" 2 ") == 2
    assert trusted_proxies(1) == 1


@pytest.mark.parametrize("value", ["-1", "yes", "", "1.5", None])
def test_a_setting_that_is_not_a_number_of_proxies_stops_the_start(value):
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        trusted_proxies(value)


# --- The client's address ----------------------------------------------------------------------


def test_behind_a_trusted_proxy_the_clients_address_is_the_forwarded_one(proxied):
    assert remote_address(proxied, BEHIND_TLS) == "203.0.113.7"


def test_without_trusted_proxies_the_forwarded_address_is_ignored(app):
    with app_with(app) as direct:
        assert remote_address(direct, BEHIND_TLS) == "127.0.0.1"


def test_only_the_hops_of_the_trusted_proxies_are_believed(app):
    # A client that sends its own X-Forwarded-For gets the proxy's entry appended after it.
    with app_with(app, TRUSTED_PROXIES="1") as behind_one:
        forged = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        assert remote_address(behind_one, forged) == "203.0.113.7"


# --- Feed links --------------------------------------------------------------------------------


def test_behind_a_tls_proxy_the_profile_shows_https_and_webcal_feed_links(proxied):
    user = make_user()
    secret = calendar.replace_calendar_token(user)
    client = proxied.test_client()
    log_in(client, user)
    page = client.get("/profile", headers=BEHIND_TLS).get_data(as_text=True)
    assert f'value="https://localhost/calendar/{secret}.ics"' in page
    assert f'href="webcal://localhost/calendar/{secret}.ics"' in page
    assert not [link for link in links(page) if link.startswith("http://")]


def test_without_trusted_proxies_the_forwarded_scheme_is_ignored(client):
    user = make_user()
    secret = calendar.replace_calendar_token(user)
    log_in(client, user)
    page = client.get("/profile", headers=BEHIND_TLS).get_data(as_text=True)
    assert f'value="http://localhost/calendar/{secret}.ics"' in page


def test_behind_a_tls_proxy_the_api_gives_an_https_calendar_address(proxied):
    user = make_user()
    client = proxied.test_client()
    headers = token_for(client, user) | BEHIND_TLS
    made = client.post("/api/v1/me/calendar-token", headers=headers).get_json()
    assert made["calendar_url"].startswith("https://localhost/calendar/")
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["calendar_url"] == made["calendar_url"]


def test_behind_a_tls_proxy_a_feeds_events_link_to_https_pages(proxied, frozen_now):
    user = make_user()
    resource = make_resource(user.organisation, approval="none")
    set_opening_hours(resource, {2: [("08:00", "18:00")]})
    book(user, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    secret = calendar.replace_calendar_token(user)
    response = proxied.test_client().get(f"/calendar/{secret}.ics", headers=BEHIND_TLS)
    (event,) = booking_events(response.data)
    assert str(event["URL"]).startswith("https://localhost/bookings/")


# --- Links in mails ----------------------------------------------------------------------------


def trial_mail_links(client, headers: dict) -> list[str]:
    """The links of the mail that a trial request made through the API sends its manager (a
    mail rendered in the request)."""
    pilot = pilot_with_requester()
    response = client.post(
        "/api/v1/trial-requests",
        json={
            "resource_id": pilot.resource.id,
            "earliest_start": "2026-12-02T08:00:00+01:00",
            "latest_end": "2026-12-04T18:00:00+01:00",
            "duration_minutes": 240,
            "title": "Extrusion trial",
            "description": "Two batches of recycled PET.",
        },
        headers=token_for(client, pilot.requester) | headers,
    )
    assert response.status_code == 201, response.get_json()
    (mail,) = outbox("trial_request")
    return links(mail.html_body) + links(mail.text_body)


def test_behind_a_tls_proxy_a_mail_rendered_in_the_request_links_to_https(proxied, frozen_now):
    found = trial_mail_links(proxied.test_client(), BEHIND_TLS)
    assert found
    assert all(link.startswith("https://localhost/") for link in found)


def test_without_trusted_proxies_a_mail_rendered_in_the_request_ignores_the_forwarded_scheme(
    client, frozen_now
):
    found = trial_mail_links(client, BEHIND_TLS)
    assert found
    assert all(link.startswith("http://localhost/") for link in found)


def test_a_booking_mail_rendered_by_the_sender_links_to_https_in_production(
    app, monkeypatch, frozen_now
):
    # Booking mails are rendered by the sender, outside any request: their links take
    # SERVER_NAME and PREFERRED_URL_SCHEME (https in production), whatever the booking's request.
    user = make_user()
    resource = make_resource(user.organisation, approval="none")
    set_opening_hours(resource, {2: [("08:00", "18:00")]})
    with production_app(app, monkeypatch, TRUSTED_PROXIES="1") as production:
        client = production.test_client()
        response = client.post(
            "/api/v1/bookings",
            json={
                "resource_id": resource.id,
                "start": "2026-12-02T09:00:00+01:00",
                "end": "2026-12-02T10:00:00+01:00",
                "title": "Measurement",
            },
            headers=token_for(client, user),
        )
        assert response.status_code == 201, response.get_json()
        with production.app_context():
            (mail,) = outbox("confirmed")
    found = links(mail.html_body) + links(mail.text_body)
    assert found
    assert all(link.startswith("https://localhost/") for link in found)
