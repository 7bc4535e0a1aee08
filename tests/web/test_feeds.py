"""Calendar feeds over HTTP: secret addresses, conditional GET, redaction, "add to calendar", and
times read right by parsers other than the one the feeds are written with."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.extensions import db
from booking.services.booking import BookingChange, cancel_booking, update_booking
from booking.services.calendar import (
    booking_uid,
    calendar_token,
    invitation,
    replace_calendar_token,
    replace_resource_feed_token,
    resource_feed_token,
)
from tests.accounts_factories import log_in
from tests.booking_factories import NOW, book, rome
from tests.calendar_factories import (
    booking_events,
    by_uid,
    holiday_events,
    read_with_ical_js,
    read_with_vobject,
    vevents,
)
from tests.factories import make_cluster, make_organisation, make_resource, make_user

ROME = ZoneInfo("Europe/Rome")
OCTOBER = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def lab(app):
    return make_organisation(name="Laboratorio Alfa")


@pytest.fixture
def resource(lab):
    return make_resource(lab, name="Spettrometro", approval="none")


@pytest.fixture
def member(lab):
    return make_user(lab, name="Mario Rossi")


def one(user, resource, day=2, **fields):
    return book(user, resource, rome(2026, 12, day, 9), rome(2026, 12, day, 10), **fields).bookings[
        0
    ]


def feed_path(user) -> str:
    return f"/calendar/{calendar_token(user) or replace_calendar_token(user)}.ics"


# --- Personal feed and its secret -----------------------------------------------------------------


def test_the_personal_feed_answers_with_the_users_bookings_as_text_calendar(
    client, frozen_now, member, resource
):
    booking = one(member, resource)
    response = client.get(feed_path(member))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert set(by_uid(response.data)) == {booking_uid(booking)}


def test_an_unknown_feed_address_is_not_found(client, member):
    replace_calendar_token(member)
    assert client.get("/calendar/" + "A" * 65 + ".ics").status_code == 404
    assert client.get("/calendar/nothing.ics").status_code == 404


def test_the_feeds_are_not_kept_by_shared_caches(client, frozen_now, member):
    response = client.get(feed_path(member))
    assert response.cache_control.private
    assert response.cache_control.no_cache


def test_replacing_the_address_from_the_profile_makes_the_old_one_not_found(client, member):
    old = feed_path(member)
    log_in(client, member)
    response = client.post("/calendar/token")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile#calendar")
    assert client.get(old).status_code == 404
    assert client.get(feed_path(member)).status_code == 200
    assert feed_path(member) != old


def test_replacing_the_address_shows_the_new_one(client, member):
    log_in(client, member)
    page = client.post("/calendar/token", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(member)
    assert f"http://localhost/calendar/{calendar_token(member)}.ics" in page


def test_replacing_the_address_needs_a_login(client, member):
    response = client.post("/calendar/token")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    db.session.refresh(member)
    assert member.calendar_token_hash is None


def test_replacing_the_address_needs_the_forms_csrf_token(app, client, member):
    log_in(client, member)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/calendar/token")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.refresh(member)
    assert member.calendar_token_hash is None


def test_the_feed_of_a_deactivated_user_is_not_found(client, member):
    path = feed_path(member)
    member.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


# --- Conditional GET ------------------------------------------------------------------------------


def test_an_unchanged_feed_answers_304_to_its_etag(client, frozen_now, member, resource):
    one(member, resource)
    first = client.get(feed_path(member))
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(feed_path(member), headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


def test_an_unchanged_feed_answers_304_to_its_last_modified(client, frozen_now, member, resource):
    one(member, resource)
    first = client.get(feed_path(member))
    assert first.headers["Last-Modified"]
    again = client.get(
        feed_path(member), headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert again.status_code == 304


def test_a_changed_booking_gives_a_new_etag_and_a_higher_sequence(
    client, frozen_now, member, resource
):
    booking = one(member, resource)
    first = client.get(feed_path(member))
    frozen_now(NOW + timedelta(hours=1))
    update_booking(member, booking.id, BookingChange(title="Renamed"), now=frozen_now.current())

    second = client.get(feed_path(member), headers={"If-None-Match": first.headers["ETag"]})

    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    before = int(by_uid(first.data)[booking_uid(booking)]["SEQUENCE"])
    after = int(by_uid(second.data)[booking_uid(booking)]["SEQUENCE"])
    assert after > before
    changed = client.get(
        feed_path(member), headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert changed.status_code == 200


# --- Resource feeds -------------------------------------------------------------------------------


def resource_path(user, resource) -> str:
    token = resource_feed_token(user) or replace_resource_feed_token(user)
    return f"/calendar/resources/{resource.id}.ics?token={token}"


def test_a_resource_feed_shows_other_organisations_bookings_as_busy(
    client, frozen_now, member, resource
):
    one(make_user(make_organisation()), resource, title="Secret project")
    response = client.get(resource_path(member, resource))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    (event,) = booking_events(response.data)
    assert str(event["SUMMARY"]) == "Busy"
    assert b"Secret project" not in response.data


def test_a_resource_feed_is_written_in_the_users_language(client, frozen_now, resource):
    italian = make_user(make_organisation(), locale="it")
    one(make_user(make_organisation()), resource)
    (event,) = booking_events(client.get(resource_path(italian, resource)).data)
    assert str(event["SUMMARY"]) == "Occupato"


def test_a_resource_feed_names_the_holidays_in_the_users_language(client, frozen_now, resource):
    italian = make_user(make_organisation(), locale="it")
    english = make_user(make_organisation(), locale="en")
    in_italian = holiday_events(client.get(resource_path(italian, resource)).data)
    in_english = holiday_events(client.get(resource_path(english, resource)).data)
    assert str(in_italian["20261225"]["SUMMARY"]) == "Chiuso: Natale"
    assert str(in_english["20261225"]["SUMMARY"]) == "Closed: Christmas Day"


def test_a_resource_feed_answers_304_to_its_etag(client, frozen_now, member, resource):
    one(member, resource)
    first = client.get(resource_path(member, resource))
    again = client.get(
        resource_path(member, resource), headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_resource_feed_with_a_wrong_or_missing_secret_is_not_found(client, member, resource):
    replace_resource_feed_token(member)
    assert client.get(f"/calendar/resources/{resource.id}.ics").status_code == 404
    assert client.get(f"/calendar/resources/{resource.id}.ics?token=nope").status_code == 404


def test_the_feed_of_an_invisible_or_unknown_resource_is_not_found(client, member):
    hidden = make_resource(make_organisation(), visibility="clusters", clusters=[make_cluster()])
    assert client.get(resource_path(member, hidden)).status_code == 404
    token = resource_feed_token(member)
    assert client.get(f"/calendar/resources/999999.ics?token={token}").status_code == 404
    assert client.get(f"/calendar/resources/99999999999.ics?token={token}").status_code == 404


def test_the_personal_secret_does_not_open_a_resource_feed(client, member, resource):
    personal = replace_calendar_token(member)
    replace_resource_feed_token(member)
    assert client.get(f"/calendar/resources/{resource.id}.ics?token={personal}").status_code == 404


def test_the_resource_secret_does_not_open_the_personal_feed(client, member):
    replace_calendar_token(member)
    resource_secret = replace_resource_feed_token(member)
    assert client.get(f"/calendar/{resource_secret}.ics").status_code == 404


def test_the_resource_secret_opens_the_feed_of_any_resource_the_user_may_see(
    client, frozen_now, member, resource
):
    elsewhere = make_resource(make_organisation(), name="Diffrattometro")
    one(make_user(make_organisation()), elsewhere, title="Their project")
    response = client.get(resource_path(member, elsewhere))
    assert response.status_code == 200
    (event,) = booking_events(response.data)
    assert str(event["SUMMARY"]) == "Busy"


def test_a_resource_link_never_shows_the_users_own_bookings_of_other_resources(
    client, frozen_now, member, resource
):
    mine = one(member, resource, title="My own measurement")
    elsewhere = make_resource(make_organisation(), name="Diffrattometro")
    body = client.get(resource_path(member, elsewhere)).data
    assert booking_uid(mine) not in set(by_uid(body))
    assert b"My own measurement" not in body


def test_the_resource_feed_of_a_deactivated_user_is_not_found(client, member, resource):
    path = resource_path(member, resource)
    member.active = False
    db.session.commit()
    assert client.get(path).status_code == 404


def test_a_new_resource_secret_from_the_profile_ends_the_old_resource_links(
    client, member, resource
):
    old = resource_path(member, resource)
    log_in(client, member)
    response = client.post("/calendar/resource-token")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile#resource-calendars")
    assert client.get(old).status_code == 404
    assert client.get(resource_path(member, resource)).status_code == 200


def test_a_new_resource_secret_leaves_the_personal_feed_working(client, member):
    personal = feed_path(member)
    log_in(client, member)
    client.post("/calendar/resource-token")
    assert client.get(personal).status_code == 200


def test_a_new_personal_address_leaves_the_resource_links_working(client, member, resource):
    path = resource_path(member, resource)
    log_in(client, member)
    client.post("/calendar/token")
    assert client.get(path).status_code == 200


def test_a_new_resource_secret_needs_a_login(client, member):
    assert client.post("/calendar/resource-token").status_code == 302
    db.session.refresh(member)
    assert member.resource_feed_nonce is None


def test_a_new_resource_secret_needs_the_forms_csrf_token(app, client, member):
    log_in(client, member)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/calendar/resource-token")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.refresh(member)
    assert member.resource_feed_nonce is None


# --- The profile's calendar block and the resource page's -----------------------------------------


def test_the_profile_shows_both_secrets_each_with_its_own_button(client, member):
    personal = replace_calendar_token(member)
    resource_secret = replace_resource_feed_token(member)
    log_in(client, member)
    page = client.get("/profile").get_data(as_text=True)
    assert f'value="http://localhost/calendar/{personal}.ics"' in page
    assert f'value="{resource_secret}"' in page
    assert 'action="/calendar/token"' in page
    assert 'action="/calendar/resource-token"' in page


def test_the_profile_offers_to_create_the_resource_links_until_they_exist(client, member):
    log_in(client, member)
    page = client.get("/profile").get_data(as_text=True)
    assert "Create my resource links" in page
    assert 'id="resource-feed-token"' not in page


def test_the_resource_page_subscribes_with_the_resource_secret(client, member, resource):
    personal = replace_calendar_token(member)
    resource_secret = replace_resource_feed_token(member)
    log_in(client, member)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert (
        f'href="webcal://localhost/calendar/resources/{resource.id}.ics?token={resource_secret}"'
        in page
    )
    assert personal not in page


def test_the_resource_page_sends_to_the_profile_until_the_resource_links_exist(
    client, member, resource
):
    replace_calendar_token(member)
    log_in(client, member)
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "/calendar/resources/" not in page
    assert 'href="/profile#resource-calendars"' in page


def test_the_profile_block_is_in_italian(client, member):
    member.locale = "it"
    db.session.commit()
    replace_resource_feed_token(member)
    log_in(client, member)
    page = client.get("/profile").get_data(as_text=True)
    assert "Calendari delle risorse" in page
    assert "Crea nuovi link alle risorse" in page


# --- "Add to calendar" ----------------------------------------------------------------------------


def test_a_booking_downloads_as_a_calendar_file_for_its_requester(
    client, frozen_now, member, resource
):
    booking = one(member, resource)
    log_in(client, member)
    response = client.get(f"/calendar/bookings/{booking.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="booking-{booking.id}.ics"'
    )
    assert [str(e["UID"]) for e in vevents(response.data)] == [booking_uid(booking)]


def test_a_booking_download_is_not_found_for_someone_else(client, frozen_now, member, resource):
    booking = one(member, resource)
    log_in(client, make_user(make_organisation()))
    assert client.get(f"/calendar/bookings/{booking.id}.ics").status_code == 404
    assert client.get("/calendar/bookings/999999.ics").status_code == 404


def test_a_booking_download_needs_a_login(client, frozen_now, member, resource):
    booking = one(member, resource)
    response = client.get(f"/calendar/bookings/{booking.id}.ics")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- Read right by independent parsers, across summer-time changes --------------------------------

# Weekly 09:00–10:00 in Rome, across the end (25 Oct 2026) and the start (28 Mar 2027) of summer time.
EXPECTED = [
    ("2026-10-20T07:00:00Z", "2026-10-20 09:00", "2026-10-20 10:00"),
    ("2026-10-27T08:00:00Z", "2026-10-27 09:00", "2026-10-27 10:00"),
    ("2027-03-23T08:00:00Z", "2027-03-23 09:00", "2027-03-23 10:00"),
    ("2027-03-30T07:00:00Z", "2027-03-30 09:00", "2027-03-30 10:00"),
]


@pytest.fixture
def series_feed(client, frozen_now, member, resource) -> bytes:
    """The member's feed with two weekly series, each across a change of summer time."""
    frozen_now(OCTOBER)
    for first in (rome(2026, 10, 20, 9), rome(2027, 3, 23, 9)):
        outcome = book(
            member,
            resource,
            first,
            first + timedelta(hours=1),
            now=OCTOBER,
            rrule="FREQ=WEEKLY;COUNT=2",
        )
        assert len(outcome.bookings) == 2
    response = client.get(feed_path(member))
    assert response.status_code == 200
    return response.data


def test_vobject_reads_the_booked_local_times_across_summer_time_changes(series_feed):
    read = sorted(
        (
            event.dtstart.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            event.dtstart.value.astimezone(ROME).strftime("%Y-%m-%d %H:%M"),
            event.dtend.value.astimezone(ROME).strftime("%Y-%m-%d %H:%M"),
        )
        for event in read_with_vobject(series_feed)
    )
    assert read == EXPECTED


def test_ical_js_reads_the_booked_local_times_across_summer_time_changes(series_feed):
    events = read_with_ical_js(series_feed)["events"]
    read = sorted(
        (re.sub(r"\.000Z$", "Z", e["start"]), e["local_start"], e["local_end"]) for e in events
    )
    assert read == EXPECTED
    assert {e["start_zone"] for e in events} == {"UTC"}
    assert {e["status"] for e in events} == {"CONFIRMED"}


def test_ical_js_reads_an_invitation_and_its_cancellation(client, frozen_now, member, resource):
    booking = one(member, resource)
    request = read_with_ical_js(invitation(booking, "REQUEST"))
    cancel_booking(member, booking.id, now=NOW)
    cancel = read_with_ical_js(invitation(booking, "CANCEL"))
    assert (request["method"], cancel["method"]) == ("REQUEST", "CANCEL")
    assert request["events"][0]["uid"] == cancel["events"][0]["uid"] == booking_uid(booking)
    assert cancel["events"][0]["status"] == "CANCELLED"
    assert cancel["events"][0]["sequence"] > request["events"][0]["sequence"]
