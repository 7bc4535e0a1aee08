"""Calendar export: feed secrets, the events of bookings, personal and resource feeds, and the
invitations that mails carry."""

import base64
import hashlib
import hmac
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, User
from booking.services import calendar
from booking.services.approvals import reject
from booking.services.booking import BookingChange, cancel_booking, update_booking
from booking.services.calendar import (
    invitation,
    personal_feed,
    replace_calendar_token,
    replace_resource_feed_token,
    resource_feed,
    resource_feed_token,
    single_event_calendar,
    user_for_calendar_token,
    user_for_resource_feed_token,
)
from booking.services.errors import NotFound
from booking.services.holiday_openings import open_on_holiday
from tests.booking_factories import NOW, book, rome
from tests.calendar_factories import (
    booking_events,
    bookings_by_uid,
    by_uid,
    holiday_events,
    statements,
    vevents,
)
from tests.factories import make_cluster, make_organisation, make_resource, make_user


def one(user, resource, day=2, hour=9, **fields):
    """One booking of an hour on a December 2026 day (after NOW), through the booking service."""
    outcome = book(
        user, resource, rome(2026, 12, day, hour), rome(2026, 12, day, hour + 1), **fields
    )
    return outcome.bookings[0]


@pytest.fixture
def lab(app):
    return make_organisation(name="Laboratorio Alfa", city="Bologna")


@pytest.fixture
def manager(lab):
    return make_user(lab, name="Maria Manager", email="maria@alfa.example")


@pytest.fixture
def resource(lab, manager):
    return make_resource(
        lab,
        name="Spettrometro",
        site="Tecnopolo",
        city="Bologna",
        approval="none",
        managers=[manager],
    )


@pytest.fixture
def member(lab):
    return make_user(lab, name="Mario Rossi")


# --- Feed secrets ---------------------------------------------------------------------------------


def test_a_feed_secret_carries_at_least_128_random_bits(member):
    secrets, stored = set(), set()
    for _ in range(20):
        secrets.add(replace_calendar_token(member))
        stored.add(member.calendar_token_hash)
    assert len(secrets) == len(stored) == 20
    # The random part is 32 bytes (64 hex digits); the secret adds a 128-bit MAC to it.
    assert all(len(bytes.fromhex(value)) == 32 for value in stored)
    assert all(len(secret) == 65 for secret in secrets)


def test_the_database_does_not_hold_the_feed_secret(member):
    secret = replace_calendar_token(member)
    stored = db.session.execute(
        select(User.calendar_token_hash).where(User.id == member.id)
    ).scalar_one()
    assert stored is not None
    assert secret not in stored and stored not in secret


def test_the_stored_value_alone_does_not_open_a_feed(app, member):
    secret = replace_calendar_token(member)
    app.config["SECRET_KEY"], key = "another-key", app.config["SECRET_KEY"]
    try:
        assert user_for_calendar_token(secret) is None
    finally:
        app.config["SECRET_KEY"] = key
    assert user_for_calendar_token(secret) == member


def test_a_feed_secret_finds_its_user(member):
    assert user_for_calendar_token(replace_calendar_token(member)) == member


def test_replacing_the_secret_forgets_the_old_one(member):
    old = replace_calendar_token(member)
    new = replace_calendar_token(member)
    assert user_for_calendar_token(old) is None
    assert user_for_calendar_token(new) == member


def test_a_forged_or_malformed_secret_finds_nobody(member):
    secret = replace_calendar_token(member)
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for candidate in (tampered, secret[:-1], secret + "x", "", "../" + secret[3:], "é" * 65):
        assert user_for_calendar_token(candidate) is None


def test_the_secret_of_a_deactivated_user_finds_nobody(member):
    secret = replace_calendar_token(member)
    member.active = False
    db.session.commit()
    assert user_for_calendar_token(secret) is None


def test_the_feed_address_is_none_until_a_secret_is_made(member):
    assert calendar.personal_feed_url(member) is None
    secret = replace_calendar_token(member)
    assert calendar.personal_feed_url(member) == f"http://localhost/calendar/{secret}.ics"
    assert calendar.webcal(calendar.personal_feed_url(member)).startswith("webcal://localhost/")


def test_personal_feed_addresses_made_before_resource_secrets_existed_still_work(app, member):
    # The personal secret is what it always was: the nonce, then HMAC(SECRET_KEY, purpose, nonce).
    nonce = bytes(range(32))
    member.calendar_token_hash = nonce.hex()
    db.session.commit()
    key = app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, b"calendar-feed\x00" + nonce, hashlib.sha256).digest()[:16]
    earlier = (base64.urlsafe_b64encode(nonce) + base64.urlsafe_b64encode(mac)).replace(b"=", b"")
    assert user_for_calendar_token(earlier.decode()) == member


# --- The secret of resource feed links -----------------------------------------------------------


def test_a_resource_feed_secret_finds_its_user(member):
    assert user_for_resource_feed_token(replace_resource_feed_token(member)) == member


def test_a_resource_feed_secret_is_as_strong_as_the_personal_one_and_not_stored(member):
    secret = replace_resource_feed_token(member)
    assert len(secret) == 65
    assert len(bytes.fromhex(member.resource_feed_nonce)) == 32
    assert secret not in member.resource_feed_nonce and member.resource_feed_nonce not in secret


def test_the_personal_secret_finds_nobody_as_a_resource_feed_secret(member):
    personal = replace_calendar_token(member)
    replace_resource_feed_token(member)
    assert user_for_resource_feed_token(personal) is None


def test_the_resource_feed_secret_finds_nobody_as_a_personal_secret(member):
    replace_calendar_token(member)
    assert user_for_calendar_token(replace_resource_feed_token(member)) is None


def test_a_resource_secret_made_from_the_personal_nonce_finds_nobody(member):
    # Even with the same nonce in both columns, the MAC's purpose tells the kinds apart.
    personal = replace_calendar_token(member)
    member.resource_feed_nonce = member.calendar_token_hash
    db.session.commit()
    assert user_for_resource_feed_token(personal) is None
    assert user_for_calendar_token(personal) == member


def test_replacing_the_resource_secret_forgets_the_old_one_and_keeps_the_personal_one(member):
    personal = replace_calendar_token(member)
    old = replace_resource_feed_token(member)
    new = replace_resource_feed_token(member)
    assert user_for_resource_feed_token(old) is None
    assert user_for_resource_feed_token(new) == member
    assert user_for_calendar_token(personal) == member


def test_replacing_the_personal_secret_keeps_the_resource_one(member):
    resource_secret = replace_resource_feed_token(member)
    replace_calendar_token(member)
    assert resource_feed_token(member) == resource_secret
    assert user_for_resource_feed_token(resource_secret) == member


def test_a_forged_or_malformed_resource_secret_finds_nobody(member):
    secret = replace_resource_feed_token(member)
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for candidate in (tampered, secret[:-1], secret + "x", "", "é" * 65):
        assert user_for_resource_feed_token(candidate) is None


def test_the_resource_secret_of_a_deactivated_user_finds_nobody(member):
    secret = replace_resource_feed_token(member)
    member.active = False
    db.session.commit()
    assert user_for_resource_feed_token(secret) is None


def test_a_resource_feed_address_carries_the_resource_secret(member, resource):
    replace_calendar_token(member)
    assert calendar.resource_feed_url(member, resource) is None
    secret = replace_resource_feed_token(member)
    assert calendar.resource_feed_url(member, resource) == (
        f"http://localhost/calendar/resources/{resource.id}.ics?token={secret}"
    )


# --- Events ---------------------------------------------------------------------------------------


def test_an_event_has_a_stable_uid_and_its_times_in_utc(member, resource):
    booking = one(member, resource)
    (event,) = vevents(personal_feed(member, NOW).body)
    assert str(event["UID"]) == f"booking-{booking.id}@booking.local"
    assert event.decoded("DTSTART") == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert event["DTSTART"].to_ical() == b"20261202T080000Z"


def test_no_time_zone_definitions_are_written(member, resource):
    one(member, resource)
    body = personal_feed(member, NOW).body
    assert b"TZID" not in body and b"VTIMEZONE" not in body


def test_the_uid_domain_comes_from_the_configuration(app, member, resource):
    booking = one(member, resource)
    app.config["CALENDAR_UID_DOMAIN"] = "booking.example.org"
    try:
        (event,) = vevents(personal_feed(member, NOW).body)
    finally:
        del app.config["CALENDAR_UID_DOMAIN"]
    assert str(event["UID"]) == f"booking-{booking.id}@booking.example.org"


def test_a_detailed_event_tells_title_resource_place_purpose_and_link(member, resource):
    booking = one(member, resource, title="Campioni", purpose="Analisi dei campioni di maggio")
    (event,) = vevents(personal_feed(member, NOW).body)
    assert str(event["SUMMARY"]) == "Campioni — Spettrometro"
    assert str(event["LOCATION"]) == "Spettrometro, Tecnopolo, Bologna"
    description = str(event["DESCRIPTION"])
    assert "Analisi dei campioni di maggio" in description
    assert "Resource: Spettrometro" in description
    assert "Status: Confirmed" in description
    assert "Requested by: Mario Rossi" in description
    assert str(event["URL"]) == f"http://localhost/bookings/{booking.id}"


def test_an_event_carries_its_stamps(member, resource):
    booking = one(member, resource)
    (event,) = vevents(personal_feed(member, NOW).body)
    assert event.decoded("CREATED") == booking.created_at.replace(microsecond=0)
    assert event.decoded("LAST-MODIFIED") == booking.updated_at.replace(microsecond=0)
    assert event.decoded("DTSTAMP") == booking.updated_at.replace(microsecond=0)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending", "TENTATIVE"),
        ("confirmed", "CONFIRMED"),
        ("cancelled", "CANCELLED"),
        ("rejected", "CANCELLED"),
        ("expired", "CANCELLED"),
    ],
)
def test_each_booking_status_has_its_icalendar_status(member, resource, status, expected):
    booking = one(member, resource)
    booking.status = status
    db.session.commit()
    (event,) = vevents(personal_feed(member, NOW).body)
    assert str(event["STATUS"]) == expected


def test_a_request_reads_as_awaiting_approval(member, lab):
    resource = make_resource(lab, name="Reattore", approval="always")
    booking = one(make_user(make_organisation()), resource)
    (event,) = vevents(personal_feed(booking.requester, NOW).body)
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(event["SUMMARY"]) == "Awaiting approval: Measurement — Reattore"


def test_a_cancelled_booking_no_longer_takes_the_time(member, resource):
    booking = one(member, resource)
    cancel_booking(member, booking.id, now=NOW)
    (event,) = vevents(personal_feed(member, NOW).body)
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["SUMMARY"]).startswith("Cancelled: ")


def test_the_sequence_grows_with_each_change(member, resource):
    booking = one(member, resource)

    def sequence():
        return int(
            by_uid(personal_feed(member, NOW).body)[calendar.booking_uid(booking)]["SEQUENCE"]
        )

    assert sequence() == 0
    update_booking(member, booking.id, BookingChange(title="Renamed"), now=NOW)
    assert sequence() == 1
    update_booking(
        member,
        booking.id,
        BookingChange(start=rome(2026, 12, 3, 9), end=rome(2026, 12, 3, 10)),
        now=NOW,
    )
    assert sequence() == 2
    cancel_booking(member, booking.id, now=NOW)
    assert sequence() == 3


def test_a_feed_reads_the_history_of_all_its_bookings_in_one_query(member, resource):
    def queries_for_feed() -> list[str]:
        db.session.expire_all()
        with statements() as seen:
            personal_feed(member, NOW)
        return seen

    for day in (2, 3):
        one(member, resource, day=day)
    with_two = queries_for_feed()
    # From 9 December: the 8th is a public holiday.
    for day in range(9, 17):
        one(member, resource, day=day)
    with_ten = queries_for_feed()

    assert len([s for s in with_ten if "booking_audit" in s]) == 1
    assert len(with_ten) == len(with_two)


# --- Personal feed --------------------------------------------------------------------------------


def test_the_personal_feed_keeps_90_days_of_past_bookings_and_their_cancellations(member, resource):
    summer = datetime(2026, 8, 1, 8, 0, tzinfo=UTC)
    too_old = book(member, resource, rome(2026, 8, 31, 9), rome(2026, 8, 31, 10), now=summer)
    recent = book(member, resource, rome(2026, 9, 15, 9), rome(2026, 9, 15, 10), now=summer)
    withdrawn = book(member, resource, rome(2026, 9, 16, 9), rome(2026, 9, 16, 10), now=summer)
    cancel_booking(member, withdrawn.bookings[0].id, now=summer)
    coming = one(member, resource)

    uids = set(by_uid(personal_feed(member, NOW).body))

    assert calendar.booking_uid(too_old.bookings[0]) not in uids
    assert {
        calendar.booking_uid(recent.bookings[0]),
        calendar.booking_uid(withdrawn.bookings[0]),
        calendar.booking_uid(coming),
    } == uids


def test_the_personal_feed_holds_rejected_requests(member, lab, manager):
    resource = make_resource(lab, approval="always", managers=[manager])
    outsider = make_user(make_organisation())
    booking = one(outsider, resource)
    reject(manager, booking.id, now=NOW, reason="Maintenance")
    (event,) = vevents(personal_feed(outsider, NOW).body)
    assert str(event["STATUS"]) == "CANCELLED"


def test_the_personal_feed_holds_only_the_users_own_bookings(member, resource, lab):
    colleague = make_user(lab)
    one(colleague, resource)
    mine = one(member, resource, day=3)
    assert set(by_uid(personal_feed(member, NOW).body)) == {calendar.booking_uid(mine)}


def test_the_personal_feed_is_named_and_asks_to_be_refreshed(member):
    body = personal_feed(member, NOW).body
    assert b"X-WR-CALNAME:My bookings" in body
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    assert b"X-PUBLISHED-TTL:PT1H" in body
    assert b"METHOD" not in body


def test_the_personal_feed_is_the_same_until_something_changes(member, resource):
    booking = one(member, resource)
    first = personal_feed(member, NOW)
    assert personal_feed(member, NOW + timedelta(minutes=5)) == first
    update_booking(member, booking.id, BookingChange(title="Renamed"), now=NOW + timedelta(hours=1))
    changed = personal_feed(member, NOW + timedelta(hours=1))
    assert changed.body != first.body
    assert changed.last_modified > first.last_modified


def test_a_booking_ageing_out_of_the_personal_feed_counts_as_a_change(member, resource):
    booking = one(member, resource)
    later = booking.end_at + timedelta(days=91)
    feed = personal_feed(member, later)
    assert vevents(feed.body) == []
    assert feed.last_modified == booking.end_at + timedelta(days=90)


def test_an_empty_feed_has_no_last_modified(member):
    assert personal_feed(member, NOW).last_modified is None


# --- Resource feed --------------------------------------------------------------------------------


def test_a_resource_feed_shows_other_organisations_bookings_only_as_busy(member, resource):
    outsider = make_user(make_organisation(), name="Olga Outsider")
    booking = one(outsider, resource, title="Secret project", purpose="Confidential")
    (event,) = booking_events(resource_feed(member, resource, NOW).body)
    assert str(event["SUMMARY"]) == "Busy"
    assert "DESCRIPTION" not in event
    body = resource_feed(member, resource, NOW).body
    assert b"Secret" not in body and b"Olga" not in body and b"Confidential" not in body
    assert str(event["URL"]) == f"http://localhost/resources/{resource.id}"
    assert event.decoded("DTSTART") == booking.start_at


def test_a_resource_feed_shows_the_requesters_own_bookings_in_full(resource):
    outsider = make_user(make_organisation())
    booking = one(outsider, resource, title="Our run")
    (event,) = booking_events(resource_feed(outsider, resource, NOW).body)
    assert str(event["SUMMARY"]) == "Our run — Spettrometro"
    assert str(event["URL"]) == f"http://localhost/bookings/{booking.id}"


def test_a_resource_feed_shows_colleagues_bookings_in_full(member, resource, lab):
    one(make_user(lab), resource, title="Colleague's run")
    (event,) = booking_events(resource_feed(member, resource, NOW).body)
    assert str(event["SUMMARY"]) == "Colleague's run — Spettrometro"
    # Colleagues may read it here but cannot open another's booking: the link is the resource's.
    assert str(event["URL"]) == f"http://localhost/resources/{resource.id}"


def test_a_resource_feed_shows_every_booking_in_full_to_its_managers(resource, manager):
    outsider = make_user(make_organisation())
    booking = one(outsider, resource, title="External run", purpose="Tests")
    (event,) = booking_events(resource_feed(manager, resource, NOW).body)
    assert str(event["SUMMARY"]) == "External run — Spettrometro"
    assert "Tests" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"http://localhost/bookings/{booking.id}"


def test_a_resource_feed_holds_pending_and_confirmed_bookings_only(member, lab, manager):
    resource = make_resource(lab, approval="external", managers=[manager])
    outsider = make_user(make_organisation())
    request = one(outsider, resource, day=2)
    confirmed = one(member, resource, day=3)
    cancelled = one(member, resource, day=4)
    cancel_booking(member, cancelled.id, now=NOW)
    events = bookings_by_uid(resource_feed(manager, resource, NOW).body)
    assert set(events) == {calendar.booking_uid(request), calendar.booking_uid(confirmed)}
    assert str(events[calendar.booking_uid(request)]["STATUS"]) == "TENTATIVE"


def test_a_resource_feed_reaches_30_days_back_and_up_to_the_horizon(member, lab, manager):
    resource = make_resource(lab, approval="none", horizon_days=60)
    earlier = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    old = book(member, resource, rome(2026, 10, 20, 9), rome(2026, 10, 20, 10), now=earlier)
    recent = book(member, resource, rome(2026, 11, 10, 9), rome(2026, 11, 10, 10), now=earlier)
    far = book(member, resource, rome(2027, 1, 20, 9), rome(2027, 1, 20, 10), now=NOW)
    resource.horizon_days = 30
    db.session.commit()
    uids = set(bookings_by_uid(resource_feed(member, resource, NOW).body))
    assert uids == {calendar.booking_uid(recent.bookings[0])}
    assert calendar.booking_uid(old.bookings[0]) not in uids
    assert calendar.booking_uid(far.bookings[0]) not in uids


def test_a_cancellation_changes_the_resource_feeds_last_modified(member, resource):
    kept = one(member, resource, day=2)
    gone = one(member, resource, day=3)
    before = resource_feed(member, resource, NOW)
    cancel_booking(member, gone.id, now=NOW + timedelta(hours=2))
    after = resource_feed(member, resource, NOW + timedelta(hours=2))
    assert set(bookings_by_uid(after.body)) == {calendar.booking_uid(kept)}
    assert after.last_modified > before.last_modified


def test_the_feed_of_a_resource_the_viewer_may_not_see_is_not_found(member):
    cluster = make_cluster()
    hidden = make_resource(make_organisation(), visibility="clusters", clusters=[cluster])
    with pytest.raises(NotFound):
        resource_feed(member, hidden, NOW)
    with pytest.raises(NotFound):
        resource_feed(member, None, NOW)


@pytest.fixture
def unchanged_resource(lab, manager):
    """A resource last changed a day before NOW, so that its feed's Last-Modified shows what
    changes it later."""
    before = NOW - timedelta(days=1)
    return make_resource(
        lab, city="Bologna", managers=[manager], created_at=before, updated_at=before
    )


def test_a_resource_feed_shows_the_public_holidays_that_close_it(member, resource):
    holidays = holiday_events(resource_feed(member, resource, NOW).body)
    assert {"20261208", "20261225", "20261226", "20270101", "20271004"} <= set(holidays)
    christmas = holidays["20261225"]
    assert str(christmas["SUMMARY"]) == "Closed: Christmas Day"
    assert christmas.decoded("DTSTART") == datetime(2026, 12, 24, 23, tzinfo=UTC)
    assert christmas.decoded("DTEND") == datetime(2026, 12, 25, 23, tzinfo=UTC)
    assert str(christmas["TRANSP"]) == "OPAQUE"


def test_a_resource_feed_shows_the_patron_day_of_the_resources_municipality(member, lab):
    modena = make_resource(lab, city="Modena")
    holidays = holiday_events(resource_feed(member, modena, NOW).body)
    assert str(holidays["20270131"]["SUMMARY"]) == "Closed: St Geminianus, patron saint of Modena"


def test_a_resource_feed_names_the_holidays_in_the_readers_language(member, resource, app):
    with app.test_request_context(), force_locale("it"):
        holidays = holiday_events(resource_feed(member, resource, NOW).body)
    assert str(holidays["20261225"]["SUMMARY"]) == "Chiuso: Natale"


def test_a_holiday_the_resource_is_opened_on_is_not_in_its_feed(member, resource, manager):
    open_on_holiday(manager, resource.id, date(2026, 12, 26), now=NOW)
    holidays = holiday_events(resource_feed(member, resource, NOW).body)
    assert "20261225" in holidays and "20261226" not in holidays


def test_opening_a_resource_on_a_holiday_changes_its_feeds_last_modified(
    member, unchanged_resource, manager
):
    before = resource_feed(member, unchanged_resource, NOW)
    opened = NOW + timedelta(hours=1)
    open_on_holiday(manager, unchanged_resource.id, date(2026, 12, 26), now=opened)
    after = resource_feed(member, unchanged_resource, opened)
    assert after.body != before.body
    assert after.last_modified == opened > before.last_modified


def test_a_holiday_ageing_out_of_the_resource_feed_counts_as_a_change(member, unchanged_resource):
    later = datetime(2027, 1, 28, 8, tzinfo=UTC)
    feed = resource_feed(member, unchanged_resource, later)
    assert "20261226" not in holiday_events(feed.body)
    # St Stephen's Day ended at 23:00 UTC on 26 December and left the 30 days after it.
    assert feed.last_modified == datetime(2026, 12, 26, 23, tzinfo=UTC) + timedelta(days=30)


# --- One booking ----------------------------------------------------------------------------------


def test_one_booking_as_a_file_for_its_requester(member, resource):
    booking = one(member, resource)
    body = single_event_calendar(member, booking)
    (event,) = vevents(body)
    assert str(event["UID"]) == calendar.booking_uid(booking)
    assert b"METHOD" not in body and b"ORGANIZER" not in body


def test_one_booking_as_a_file_for_a_manager(member, resource, manager):
    booking = one(member, resource)
    assert len(vevents(single_event_calendar(manager, booking))) == 1


def test_one_booking_as_a_file_is_not_found_for_anyone_else(member, resource, lab):
    booking = one(member, resource)
    for stranger in (make_user(lab), make_user(make_organisation())):
        with pytest.raises(NotFound):
            single_event_calendar(stranger, booking)


def test_an_invitation_requests_with_organizer_and_attendee(member, resource):
    booking = one(member, resource)
    body = invitation(booking, "REQUEST")
    assert b"METHOD:REQUEST" in body
    (event,) = vevents(body)
    assert str(event["ORGANIZER"]) == "mailto:maria@alfa.example"
    assert event["ORGANIZER"].params["CN"] == "Maria Manager"
    assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
    assert event["ATTENDEE"].params["CN"] == "Mario Rossi"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_cancellation_invitation_says_cancelled(member, resource):
    booking = one(member, resource)
    cancelled = cancel_booking(member, booking.id, now=NOW)
    body = invitation(cancelled, "CANCEL")
    assert b"METHOD:CANCEL" in body
    (event,) = vevents(body)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == calendar.booking_uid(booking)
    assert int(event["SEQUENCE"]) == 1
    assert "ORGANIZER" in event and "ATTENDEE" in event


def test_an_invitation_for_a_resource_without_managers_comes_from_no_reply(app, member, lab):
    resource = make_resource(lab, name="Forno", approval="none")
    booking = one(member, resource)
    (event,) = vevents(invitation(booking, "REQUEST"))
    assert str(event["ORGANIZER"]) == "mailto:no-reply@booking.local"
    app.config["CALENDAR_ORGANIZER_EMAIL"] = "prenotazioni@example.org"
    try:
        (event,) = vevents(invitation(booking, "REQUEST"))
    finally:
        del app.config["CALENDAR_ORGANIZER_EMAIL"]
    assert str(event["ORGANIZER"]) == "mailto:prenotazioni@example.org"


def test_invitations_for_a_series_read_the_history_once(member, resource):
    def queries_for(count: int) -> tuple[list[str], list[bytes]]:
        # Twenty days from 7 January 2027 meet no public holiday in Bologna.
        start = rome(2026, 12, 2, 9) if count == 2 else rome(2027, 1, 7, 9)
        series = book(
            member, resource, start, start + timedelta(hours=1), rrule=f"FREQ=DAILY;COUNT={count}"
        ).series
        db.session.expire_all()
        bookings = db.session.execute(
            select(Booking)
            .where(Booking.series_id == series.id)
            .options(selectinload(Booking.resource), selectinload(Booking.requester))
        ).scalars()
        with statements() as seen:
            bookings = list(bookings)
            numbers = calendar.sequences(b.id for b in bookings)
            bodies = [invitation(b, "REQUEST", numbers[b.id]) for b in bookings]
        return seen, bodies

    few, _ = queries_for(2)
    many, bodies = queries_for(20)
    assert len(many) == len(few)
    assert len([s for s in many if "booking_audit" in s]) == 1
    assert len(bodies) == 20
    assert all(b"METHOD:REQUEST" in body and b"SEQUENCE:0" in body for body in bodies)


def test_an_invitation_refuses_an_unknown_method(member, resource):
    booking = one(member, resource)
    with pytest.raises(ValueError):
        invitation(booking, "PUBLISH")


def test_events_are_written_in_the_active_language(member, resource, app):
    outsider = make_user(make_organisation())
    one(outsider, resource)
    with app.test_request_context(), force_locale("it"):
        (event,) = booking_events(resource_feed(member, resource, NOW).body)
    assert str(event["SUMMARY"]) == "Occupato"
