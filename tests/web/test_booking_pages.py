"""Booking from the pages: the form, refusals shown next to their fields, my bookings, a booking's
page, and the free-slot search."""

import re
from datetime import UTC, date, datetime

from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking
from tests.accounts_factories import log_in
from tests.booking_factories import book, make_worked_example_resource, rome
from tests.factories import (
    make_organisation,
    make_qualification,
    make_resource,
    make_user,
)

WEDNESDAY = "2026-12-02"


def form_data(**fields) -> dict:
    data = {"date": WEDNESDAY, "start": "09:00", "end": "10:00", "title": "Measurement"}
    data.update(fields)
    return data


def problems(html: str, block: str) -> str:
    """The text of a block of problems of the booking form (when, quantity, repeat, general)."""
    ids = {
        "when": "when-errors",
        "quantity": "quantity-problems",
        "repeat": "repeat-problems",
        "general": "general-errors",
    }
    match = re.search(
        rf'<div class="[^"]*" (?:role="alert" )?id="{ids[block]}"[^>]*>(.*?)</div>', html, re.S
    )
    return match.group(1) if match else ""


def bookings_of(resource) -> list[Booking]:
    return list(
        db.session.execute(
            select(Booking).where(Booking.resource_id == resource.id).order_by(Booking.start_at)
        ).scalars()
    )


def member_logged_in(client, resource):
    user = make_user(resource.organisation)
    log_in(client, user)
    return user


# --- Booking -------------------------------------------------------------------------------------


def test_the_form_books_and_redirects_to_the_booking(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data())
    (booking,) = bookings_of(r)
    assert response.status_code == 302
    assert response.location == f"/bookings/{booking.id}"
    assert (booking.start_at, booking.end_at) == (rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    assert booking.status == "confirmed"
    page = client.get(response.location).get_data(as_text=True)
    assert "Booked: Measurement, Wed 2 Dec 2026, 09:00–10:00." in page


def test_a_request_that_needs_approval_is_flashed_as_awaiting_approval(client, frozen_now):
    r = make_worked_example_resource(approval="always")
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data(), follow_redirects=True)
    assert "Requested: awaiting approval." in response.get_data(as_text=True)
    assert bookings_of(r)[0].status == "pending"


def test_a_saturday_is_refused_as_closed_next_to_the_times_keeping_the_input(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book",
        data=form_data(date="2026-12-05", title="Weekend run", purpose="Spectra of sample 7"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The resource is closed at some time in this interval." in problems(html, "when")
    assert "Sat 5 Dec 2026, 09:00–10:00" in problems(html, "when")
    assert 'value="2026-12-05"' in html and 'value="Weekend run"' in html
    assert "Spectra of sample 7</textarea>" in html
    assert bookings_of(r) == []


def test_a_time_off_the_slot_grid_is_refused_as_misaligned_next_to_the_times(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data(start="09:15"))
    assert response.status_code == 409
    assert "Start and end must fall on the 30-minute grid of this resource." in problems(
        response.get_data(as_text=True), "when"
    )
    assert 'value="09:15"' in response.get_data(as_text=True)


def test_the_italian_page_shows_the_violation_in_italian(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book",
        data=form_data(date="2026-12-05"),
        headers={"Accept-Language": "it"},
    )
    when = problems(response.get_data(as_text=True), "when")
    assert "La risorsa è chiusa in almeno una parte di questo intervallo." in when
    assert "sab 5 dic 2026, 09:00–10:00" in when


def test_a_time_skipped_by_summer_time_is_refused_with_its_message(client, frozen_now):
    r = make_resource(slot_minutes=30, min_duration_minutes=30, approval="none")
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book", data=form_data(date="2027-03-28", start="02:30", end="03:30")
    )
    assert response.status_code == 409
    assert (
        "2027-03-28 02:30 does not exist on that day: the clocks move forward for summer time."
        in problems(response.get_data(as_text=True), "when")
    )


def test_a_time_that_happens_twice_is_refused_with_its_message(client, frozen_now):
    r = make_resource(slot_minutes=30, min_duration_minutes=30, approval="none")
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book", data=form_data(date="2027-10-31", start="02:00", end="02:30")
    )
    assert response.status_code == 409
    assert "2027-10-31 02:00 happens twice on that day" in problems(
        response.get_data(as_text=True), "when"
    )


def test_missing_fields_are_marked_and_nothing_is_booked(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data(date="", title=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="date-errors"' in html and "Choose a date." in html
    assert 'id="title-errors"' in html and "Give the booking a title." in html
    assert bookings_of(r) == []


def test_a_date_beyond_the_calendar_is_refused_as_input(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data(date="9999-12-31"))
    assert response.status_code == 422
    assert "Choose a date from 1900 to 2999." in response.get_data(as_text=True)


def test_an_end_at_midnight_ends_the_day(client, frozen_now):
    r = make_resource(slot_minutes=60, min_duration_minutes=60, approval="none")
    member_logged_in(client, r)
    client.post(f"/resources/{r.id}/book", data=form_data(start="22:00", end="00:00"))
    assert bookings_of(r)[0].end_at == rome(2026, 12, 3, 0)


def test_the_quantity_is_asked_only_of_resources_with_capacity(client, frozen_now):
    single = make_worked_example_resource()
    shared = make_worked_example_resource(capacity=4)
    member_logged_in(client, single)
    assert 'name="quantity"' not in client.get(f"/resources/{single.id}/book").get_data(
        as_text=True
    )
    assert 'name="quantity"' in client.get(f"/resources/{shared.id}/book").get_data(as_text=True)


def test_missing_capacity_is_shown_next_to_the_quantity(client, frozen_now):
    r = make_worked_example_resource(capacity=2, buffer_after_minutes=0)
    book(make_user(r.organisation), r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), quantity=2)
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data(quantity="1"))
    assert response.status_code == 409
    assert "Not enough capacity left: 0 of 2 units are free then." in problems(
        response.get_data(as_text=True), "quantity"
    )


def test_problems_of_no_single_field_are_listed_above_the_form(client, frozen_now):
    r = make_worked_example_resource(requires_qualification=True)
    member_logged_in(client, r)
    response = client.post(f"/resources/{r.id}/book", data=form_data())
    assert response.status_code == 409
    assert "you hold no valid qualification" in problems(response.get_data(as_text=True), "general")


def test_the_booking_panel_says_until_when_the_qualification_lets_one_book(client, frozen_now):
    resource = make_resource(requires_qualification=True)
    user = member_logged_in(client, resource)
    make_qualification(resource, user, expires_on=date(2027, 1, 20))
    page = client.get(f"/resources/{resource.id}").get_data(as_text=True)
    assert "valid up to and including January 20, 2027: you may book until that day" in page


def test_the_booking_panel_says_nothing_of_a_qualification_without_expiry(client, frozen_now):
    resource = make_resource(requires_qualification=True)
    user = member_logged_in(client, resource)
    make_qualification(resource, user)
    assert "you may book until" not in client.get(f"/resources/{resource.id}").get_data(
        as_text=True
    )


def test_a_weekly_series_books_the_chosen_weekdays(client, frozen_now):
    r = make_worked_example_resource()
    user = member_logged_in(client, r)
    make_qualification(r, user)
    response = client.post(
        f"/resources/{r.id}/book",
        data=form_data(repeat="weekly", weekdays=["MO", "WE"], ends="count", count="4"),
    )
    assert response.status_code == 302 and response.location == "/bookings"
    booked = bookings_of(r)
    assert [b.start_at for b in booked] == [rome(2026, 12, day, 9) for day in (2, 7, 9, 14)]
    assert booked[0].series.rrule == "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"
    assert "Booked: 4 occurrences." in client.get("/bookings").get_data(as_text=True)


def test_a_daily_series_runs_until_the_last_day(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    client.post(
        f"/resources/{r.id}/book",
        data=form_data(repeat="daily", ends="until", until="2026-12-04"),
    )
    assert [b.start_at for b in bookings_of(r)] == [rome(2026, 12, d, 9) for d in (2, 3, 4)]


def test_a_conflicting_series_is_refused_next_to_the_repeat_fields(client, frozen_now):
    r = make_worked_example_resource()
    book(make_user(r.organisation), r, rome(2026, 12, 9, 9), rome(2026, 12, 9, 10))
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book",
        data=form_data(repeat="weekly", ends="count", count="3"),
    )
    repeat = problems(response.get_data(as_text=True), "repeat")
    assert response.status_code == 409
    assert "The resource is already booked then." in repeat
    assert "Wed 9 Dec 2026, 09:00–10:00" in repeat
    assert len(bookings_of(r)) == 1


def test_a_series_off_the_slot_grid_is_refused_once_next_to_the_times(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book",
        data=form_data(start="09:15", repeat="weekly", ends="count", count="3"),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert problems(html, "when").count("30-minute grid") == 1
    assert "30-minute grid" not in problems(html, "repeat")


def test_skipping_conflicts_books_the_others_and_lists_the_skipped(client, frozen_now):
    r = make_worked_example_resource()
    book(make_user(r.organisation), r, rome(2026, 12, 9, 9), rome(2026, 12, 9, 10))
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book",
        data=form_data(repeat="weekly", ends="count", count="3", on_conflict="skip"),
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Booked: 2 occurrences." in html
    assert "1 occurrence was skipped: Wed 9 Dec 2026, 09:00–10:00" in html
    assert len(bookings_of(r)) == 3


def test_a_series_needs_to_know_when_it_ends(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = client.post(
        f"/resources/{r.id}/book", data=form_data(repeat="daily", ends="count", count="")
    )
    assert response.status_code == 422
    assert "Say how many times." in response.get_data(as_text=True)
    assert bookings_of(r) == []


def test_recording_past_use_is_offered_only_to_managers(client, frozen_now):
    member = make_user()
    r = make_worked_example_resource(organisation=member.organisation)
    log_in(client, member)
    assert "record_past_use" not in client.get(f"/resources/{r.id}/book").get_data(as_text=True)


def test_a_manager_records_past_use(client, frozen_now):
    manager = make_user()
    r = make_worked_example_resource(organisation=manager.organisation, managers=[manager])
    log_in(client, manager)
    response = client.post(
        f"/resources/{r.id}/book", data=form_data(date="2026-11-30", record_past_use="y")
    )
    assert response.status_code == 302
    assert bookings_of(r)[0].start_at == rome(2026, 11, 30, 9)


def test_the_form_is_prefilled_from_a_link(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    html = client.get(f"/resources/{r.id}/book?date=2026-12-03&start=11:00&end=12:30").get_data(
        as_text=True
    )
    assert 'id="date" name="date" required type="date" value="2026-12-03"' in html
    assert 'id="start" name="start" required type="time" value="11:00"' in html
    assert 'id="end" name="end" required type="time" value="12:30"' in html


def test_the_resource_page_offers_the_form_in_the_resource_time_zone(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    html = client.get(f"/resources/{r.id}").get_data(as_text=True)
    assert f'action="/resources/{r.id}/book"' in html
    assert "Times in Europe/Rome" in html


def test_anonymous_visitors_get_a_link_to_log_in_on_the_resource_page(client, frozen_now):
    r = make_worked_example_resource()
    html = client.get(f"/resources/{r.id}").get_data(as_text=True)
    assert "Log in to book" in html
    assert f'action="/resources/{r.id}/book"' not in html


def test_anonymous_visitors_are_sent_to_log_in_to_book(client, frozen_now):
    r = make_worked_example_resource()
    response = client.post(f"/resources/{r.id}/book", data=form_data())
    assert response.status_code == 302 and response.location.startswith("/login")
    assert bookings_of(r) == []


def test_an_invisible_resource_cannot_be_booked(client, frozen_now):
    r = make_worked_example_resource(visibility="organisation")
    log_in(client, make_user(make_organisation()))
    assert client.post(f"/resources/{r.id}/book", data=form_data()).status_code == 404
    assert bookings_of(r) == []


# --- My bookings ---------------------------------------------------------------------------------


def test_my_bookings_lists_only_mine(client, frozen_now):
    r = make_worked_example_resource()
    me, colleague = make_user(r.organisation), make_user(r.organisation)
    book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), title="My run")
    book(colleague, r, rome(2026, 12, 3, 9), rome(2026, 12, 3, 10), title="Their run")
    log_in(client, me)
    html = client.get("/bookings").get_data(as_text=True)
    assert "My run" in html and "Wed 2 Dec 2026, 09:00–10:00" in html
    assert "Their run" not in html


def test_my_upcoming_bookings_come_fifty_a_page(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    weekdays = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;COUNT=52"
    # From 11 January 2027 the 52 weekdays meet no public holiday.
    book(me, r, rome(2027, 1, 11, 9), rome(2027, 1, 11, 10), title="Daily run", rrule=weekdays)
    log_in(client, me)

    first = client.get("/bookings").get_data(as_text=True).split('id="past"')[0]
    second = client.get("/bookings?upcoming_page=2").get_data(as_text=True).split('id="past"')[0]

    assert first.count("Daily run") == 50 and second.count("Daily run") == 2
    assert "upcoming_page=2" in first and 'rel="prev"' in second


def test_bookings_that_have_ended_are_listed_as_past(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10), title="Yesterday's run")
    frozen_now(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    log_in(client, me)
    html = client.get("/bookings").get_data(as_text=True)
    upcoming, past = html.split('id="past"')
    assert "Yesterday" not in upcoming and "Yesterday" in past
    assert "/cancel" not in past


def test_statuses_are_shown_in_the_page_language(client, frozen_now):
    r = make_worked_example_resource(approval="always")
    me = make_user(r.organisation)
    book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    log_in(client, me)
    html = client.get("/bookings", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "In attesa di approvazione" in html


def test_cancelling_from_my_bookings(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    booking = book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    log_in(client, me)
    response = client.post(f"/bookings/{booking.id}/cancel", data={"back": "mine"})
    assert response.status_code == 302 and response.location == "/bookings"
    db.session.refresh(booking)
    assert booking.status == "cancelled"


def test_a_stranger_cannot_cancel_someone_elses_booking(client, frozen_now):
    r = make_worked_example_resource()
    booking = book(make_user(r.organisation), r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    booking = booking.bookings[0]
    log_in(client, make_user())
    assert client.post(f"/bookings/{booking.id}/cancel").status_code == 404
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_a_booking_that_has_ended_cannot_be_cancelled(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    booking = book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    frozen_now(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))
    log_in(client, me)
    response = client.post(f"/bookings/{booking.id}/cancel", follow_redirects=True)
    assert "A booking that has ended cannot be cancelled." in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_anonymous_visitors_are_sent_to_log_in_for_my_bookings(client):
    response = client.get("/bookings")
    assert response.status_code == 302 and response.location.startswith("/login")


# --- A booking's page ----------------------------------------------------------------------------


def test_a_booking_page_is_not_found_for_strangers(client, frozen_now):
    r = make_worked_example_resource()
    booking = book(make_user(r.organisation), r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    log_in(client, make_user(r.organisation))
    assert client.get(f"/bookings/{booking.bookings[0].id}").status_code == 404


def test_a_booking_id_beyond_the_database_integers_is_not_found(client, frozen_now):
    log_in(client, make_user())
    assert client.get("/bookings/99999999999").status_code == 404
    assert client.post("/bookings/99999999999/cancel").status_code == 404


def test_the_resource_managers_see_a_booking_and_who_made_it(client, frozen_now):
    manager = make_user()
    r = make_worked_example_resource(organisation=manager.organisation, managers=[manager])
    requester = make_user(name="Ada Requester")
    booking = book(requester, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    log_in(client, manager)
    response = client.get(f"/bookings/{booking.id}")
    assert response.status_code == 200
    assert "Ada Requester" in response.get_data(as_text=True)


def test_moving_a_booking_from_its_page(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    booking = book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    log_in(client, me)
    response = client.post(
        f"/bookings/{booking.id}", data=form_data(start="14:00", end="15:30"), follow_redirects=True
    )
    assert "Saved." in response.get_data(as_text=True)
    db.session.refresh(booking)
    assert (booking.start_at, booking.end_at) == (rome(2026, 12, 2, 14), rome(2026, 12, 2, 15, 30))


def test_a_refused_move_shows_the_violation_next_to_the_times(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    booking = book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    log_in(client, me)
    response = client.post(f"/bookings/{booking.id}", data=form_data(date="2026-12-05"))
    assert response.status_code == 409
    assert "The resource is closed" in problems(response.get_data(as_text=True), "when")
    db.session.refresh(booking)
    assert booking.start_at == rome(2026, 12, 2, 9)


def test_renaming_a_booking_under_way_does_not_recheck_its_time(client, frozen_now):
    r = make_worked_example_resource()
    me = make_user(r.organisation)
    booking = book(me, r, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    frozen_now(rome(2026, 12, 2, 9, 30))
    log_in(client, me)
    response = client.post(f"/bookings/{booking.id}", data=form_data(title="Renamed"))
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.title == "Renamed"


# --- Finding a free slot -------------------------------------------------------------------------


def find(client, **args):
    query = {"start_date": WEDNESDAY, "end_date": WEDNESDAY, "hours": "1", "minutes": "0"}
    query.update(args)
    return client.get("/find", query_string=query)


def test_the_search_lists_free_slots_that_open_the_prefilled_form(client, frozen_now):
    r = make_worked_example_resource(name="Confocal microscope")
    member_logged_in(client, r)
    html = find(client).get_data(as_text=True)
    assert "Confocal microscope" in html
    link = f'href="/resources/{r.id}/book?date=2026-12-02&amp;start=08:00&amp;end=09:00"'
    assert link in html
    assert "Wed 2 Dec 2026, 08:00–09:00" in html


def test_the_search_applies_the_catalogue_filters(client, frozen_now):
    microscope = make_worked_example_resource(name="Microscope")
    plant = make_worked_example_resource(name="Pilot plant", kind="pilot_installation")
    member_logged_in(client, microscope)
    html = find(client, kind="pilot_installation").get_data(as_text=True)
    assert plant.name in html and microscope.name not in html


def test_the_search_shows_its_results_a_page_at_a_time(client, frozen_now):
    first = make_worked_example_resource(name="Resource 00")
    for number in range(1, 23):
        make_worked_example_resource(organisation=first.organisation, name=f"Resource {number:02}")
    member_logged_in(client, first)

    page_one = find(client).get_data(as_text=True)
    page_two = find(client, page="2").get_data(as_text=True)

    assert "23 resources have a free slot" in page_one
    assert page_one.count('class="card find-result"') == 20
    assert page_two.count('class="card find-result"') == 3
    assert "Resource 19" in page_one and "Resource 20" in page_two
    assert 'rel="next"' in page_one and "page=2" in page_one


def test_a_page_past_the_last_shows_the_last(client, frozen_now):
    r = make_worked_example_resource(name="Only one")
    member_logged_in(client, r)

    html = find(client, page="9").get_data(as_text=True)

    assert "Only one" in html


def test_the_search_spans_at_most_31_days(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = find(client, end_date="2027-01-05")
    assert response.status_code == 422
    assert "Search at most 31 days at a time." in response.get_data(as_text=True)


def test_the_search_needs_a_duration(client, frozen_now):
    r = make_worked_example_resource()
    member_logged_in(client, r)
    response = find(client, hours="0", minutes="0")
    assert response.status_code == 422
    assert "The duration must be longer than zero." in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in_to_search(client):
    response = client.get("/find")
    assert response.status_code == 302 and response.location.startswith("/login")
