"""The trial request pages: asking in local time, following one's requests, and the managers'
request page with its one-click slots, a typed start, and declining."""

import re

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, TrialRequest
from booking.services import trials
from tests.booking_factories import NOW, book, rome
from tests.catalogue_factories import log_in
from tests.factories import make_resource, make_user
from tests.requests_factories import make_pilot, make_trial, pilot_with_requester


@pytest.fixture
def pilot(app, frozen_now):
    return pilot_with_requester()


def form_data(**fields) -> dict:
    data = {
        "earliest": "2026-12-02T08:00",
        "latest": "2026-12-04T18:00",
        "hours": "4",
        "minutes": "0",
        "title": "Extrusion trial",
        "description": "Two batches of recycled PET.",
        "materials": "20 kg of flakes",
        "safety_notes": "Fumes",
        "attachments": "https://example.org/spec.pdf\nhttps://example.org/sds.pdf",
    }
    data.update(fields)
    return data


def stored_trials() -> list[TrialRequest]:
    return list(db.session.execute(select(TrialRequest).order_by(TrialRequest.id)).scalars())


def text_of(response) -> str:
    return response.get_data(as_text=True)


def errors_of(html: str, field_id: str) -> str:
    match = re.search(rf'<div id="{field_id}-errors">(.*?)</div>', html, re.S)
    return match.group(1) if match else ""


# --- Asking -------------------------------------------------------------------------------------


def test_the_form_proposes_a_window_from_tomorrow(client, pilot):
    log_in(client, pilot.requester)
    html = text_of(client.get(f"/resources/{pilot.resource.id}/trial"))
    assert 'value="2026-12-02T08:00"' in html
    assert 'value="2026-12-08T18:00"' in html
    assert "Europe/Rome" in html


def test_a_request_is_sent_in_the_resources_local_time(client, pilot):
    log_in(client, pilot.requester)
    response = client.post(f"/resources/{pilot.resource.id}/trial", data=form_data())
    (trial,) = stored_trials()
    assert response.status_code == 302
    assert response.location == f"/trials/{trial.id}"
    assert (trial.earliest_start, trial.latest_end) == (rome(2026, 12, 2, 8), rome(2026, 12, 4, 18))
    assert trial.duration_minutes == 240
    assert trial.attachments == ["https://example.org/spec.pdf", "https://example.org/sds.pdf"]


def test_the_requester_lands_on_the_request_with_a_confirmation(client, pilot):
    log_in(client, pilot.requester)
    response = client.post(
        f"/resources/{pilot.resource.id}/trial", data=form_data(), follow_redirects=True
    )
    html = text_of(response)
    assert "Your trial request has been sent to the managers." in html
    assert "Open: awaiting the managers" in html


def test_an_instrument_page_explains_that_trials_are_for_pilot_installations(client, pilot):
    instrument = make_resource(pilot.owner)
    log_in(client, pilot.requester)
    html = text_of(client.get(f"/resources/{instrument.id}/trial"))
    assert "Trial requests are for pilot installations only" in html
    assert 'name="earliest"' not in html


def test_posting_a_trial_for_an_instrument_is_refused(client, pilot):
    instrument = make_resource(pilot.owner)
    log_in(client, pilot.requester)
    response = client.post(f"/resources/{instrument.id}/trial", data=form_data())
    assert response.status_code == 422
    assert stored_trials() == []


def test_a_window_too_short_for_the_duration_is_shown_at_the_duration(client, pilot):
    log_in(client, pilot.requester)
    response = client.post(
        f"/resources/{pilot.resource.id}/trial", data=form_data(latest="2026-12-02T10:00")
    )
    assert response.status_code == 422
    assert "does not fit in the window" in errors_of(text_of(response), "hours")


def test_a_duration_of_zero_is_refused(client, pilot):
    log_in(client, pilot.requester)
    response = client.post(
        f"/resources/{pilot.resource.id}/trial", data=form_data(hours="0", minutes="0")
    )
    assert response.status_code == 422
    assert "longer than zero" in errors_of(text_of(response), "minutes")


def test_a_time_skipped_by_summer_time_is_refused(client, pilot):
    log_in(client, pilot.requester)
    response = client.post(
        f"/resources/{pilot.resource.id}/trial",
        data=form_data(earliest="2027-03-28T02:30", latest="2027-03-30T18:00"),
    )
    assert response.status_code == 422
    assert "clocks move forward" in errors_of(text_of(response), "earliest")


def test_a_link_that_is_not_a_web_address_is_shown_at_the_links(client, pilot):
    log_in(client, pilot.requester)
    response = client.post(
        f"/resources/{pilot.resource.id}/trial", data=form_data(attachments="file:///etc/passwd")
    )
    assert response.status_code == 422
    assert "http or https" in errors_of(text_of(response), "attachments")


def test_asking_needs_a_login(client, pilot):
    response = client.get(f"/resources/{pilot.resource.id}/trial")
    assert response.status_code == 302
    assert "/login" in response.location


def test_an_invisible_installation_has_no_trial_form(client, pilot):
    hidden = make_pilot(organisation=pilot.owner, visibility="organisation")
    log_in(client, pilot.requester)
    assert client.get(f"/resources/{hidden.id}/trial").status_code == 404


# --- Following ----------------------------------------------------------------------------------


def test_my_requests_show_each_state_in_words(client, pilot):
    open_one = make_trial(pilot.requester, pilot.resource, title="Open trial")
    scheduled = make_trial(pilot.requester, pilot.resource, title="Scheduled trial")
    declined = make_trial(pilot.requester, pilot.resource, title="Declined trial")
    trials.schedule(pilot.manager, scheduled.id, rome(2026, 12, 3, 9), now=NOW)
    trials.decline(pilot.manager, declined.id, "The line is down", now=NOW)
    log_in(client, pilot.requester)
    html = text_of(client.get("/trials"))
    assert "Open trial" in html and "Open: awaiting the managers" in html
    assert "Thu 3 Dec 2026, 09:00–13:00" in html
    assert "Reason: The line is down" in html
    assert open_one.title in html


def test_my_requests_do_not_show_other_peoples(client, pilot):
    make_trial(make_user(), pilot.resource, title="Another person's trial")
    make_trial(pilot.requester, pilot.resource, title="My own trial")
    log_in(client, pilot.requester)
    html = text_of(client.get("/trials"))
    assert "My own trial" in html
    assert "Another person" not in html


def test_managers_list_the_requests_of_their_installations(client, pilot):
    make_trial(pilot.requester, pilot.resource, title="Extrusion trial")
    log_in(client, pilot.manager)
    html = text_of(client.get("/manage/trials"))
    assert "Extrusion trial" in html
    assert pilot.requester.organisation.name in html


def test_members_who_manage_nothing_see_an_empty_managers_list(client, pilot):
    make_trial(pilot.requester, pilot.resource, title="Extrusion trial")
    log_in(client, make_user())
    html = text_of(client.get("/manage/trials"))
    assert "Extrusion trial" not in html
    assert "No trial requests for the resources you manage." in html


# --- The request page ---------------------------------------------------------------------------


def test_managers_see_everything_and_the_free_slots_as_buttons(client, pilot):
    book(pilot.manager, pilot.resource, rome(2026, 12, 2, 8), rome(2026, 12, 2, 10))
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    html = text_of(client.get(f"/trials/{trial.id}"))
    assert "20 kg of flakes" in html and "https://example.org/spec.pdf" in html
    assert "Wed 2 Dec 2026, 10:00–14:00" in html
    assert html.count("Schedule here") >= 3
    assert 'name="reason"' in html


def test_the_requester_sees_the_request_without_the_managers_tools(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.requester)
    html = text_of(client.get(f"/trials/{trial.id}"))
    assert "Withdraw the request" in html
    assert "Schedule here" not in html and 'name="reason"' not in html


def test_strangers_do_not_find_the_request_page(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, make_user())
    assert client.get(f"/trials/{trial.id}").status_code == 404


def test_one_click_on_a_slot_books_it_for_the_requester(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    response = client.post(
        f"/trials/{trial.id}/schedule", data={"slot": rome(2026, 12, 2, 8).isoformat()}
    )
    assert response.status_code == 302
    (booking,) = db.session.execute(select(Booking)).scalars()
    assert (booking.requester_id, booking.status, booking.start_at) == (
        pilot.requester.id,
        "confirmed",
        rome(2026, 12, 2, 8),
    )
    html = text_of(client.get(response.location))
    assert "The trial is scheduled and booked for the requester." in html


def test_a_typed_start_is_read_in_local_time(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    client.post(f"/trials/{trial.id}/schedule", data={"date": "2026-12-03", "start": "11:00"})
    (booking,) = db.session.execute(select(Booking)).scalars()
    assert (booking.start_at, booking.end_at) == (rome(2026, 12, 3, 11), rome(2026, 12, 3, 15))


def test_a_typed_start_needs_a_date_and_a_time(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    response = client.post(f"/trials/{trial.id}/schedule", data={"date": "2026-12-03"})
    assert response.status_code == 422
    assert "Choose a date and a start time." in text_of(response)


def test_a_busy_start_is_refused_with_the_reason_in_words(client, pilot):
    book(pilot.manager, pilot.resource, rome(2026, 12, 3, 12), rome(2026, 12, 3, 13))
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    response = client.post(
        f"/trials/{trial.id}/schedule", data={"date": "2026-12-03", "start": "11:00"}
    )
    assert response.status_code == 409
    assert "The resource is already booked then." in text_of(response)
    assert trials.get_trial(pilot.manager, trial.id).status == "open"


def test_a_start_outside_the_window_is_shown_at_the_date(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    response = client.post(
        f"/trials/{trial.id}/schedule", data={"date": "2026-12-07", "start": "09:00"}
    )
    assert response.status_code == 422
    assert "inside the requested window" in errors_of(text_of(response), "date")


def test_the_requester_may_not_schedule(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.requester)
    response = client.post(
        f"/trials/{trial.id}/schedule", data={"slot": rome(2026, 12, 2, 8).isoformat()}
    )
    assert response.status_code == 403


def test_declining_with_a_reason(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    response = client.post(f"/trials/{trial.id}/decline", data={"reason": "Line down"})
    assert response.status_code == 302
    seen = trials.get_trial(pilot.requester, trial.id)
    assert (seen.status, seen.decision_reason) == ("declined", "Line down")


def test_declining_without_a_reason_is_shown_at_the_reason(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    response = client.post(f"/trials/{trial.id}/decline", data={"reason": ""})
    assert response.status_code == 422
    assert "Tell the requester why." in errors_of(text_of(response), "reason")


def test_the_requester_withdraws_from_the_request_page(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.requester)
    response = client.post(f"/trials/{trial.id}/withdraw", follow_redirects=True)
    assert "You have withdrawn the trial request." in text_of(response)
    assert trials.get_trial(pilot.requester, trial.id).status == "withdrawn"


def test_withdrawing_a_decided_request_is_explained(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    trials.decline(pilot.manager, trial.id, "No", now=NOW)
    log_in(client, pilot.requester)
    response = client.post(f"/trials/{trial.id}/withdraw", follow_redirects=True)
    assert "This request has already been declined." in text_of(response)


def test_the_request_page_is_in_italian_for_an_italian_browser(client, pilot):
    trial = make_trial(pilot.requester, pilot.resource)
    log_in(client, pilot.manager)
    html = text_of(client.get(f"/trials/{trial.id}", headers={"Accept-Language": "it"}))
    assert "Pianificala" in html and "Rifiuta" in html


# --- On the resource page -----------------------------------------------------------------------


def test_the_resource_panel_offers_a_trial_on_a_pilot_installation(app, pilot):
    with app.test_request_context():
        login_user(pilot.requester)
        html = render_template("requests/_resource_panel.html", resource=pilot.resource)
    assert f'href="/resources/{pilot.resource.id}/trial"' in html
    assert "Request a trial" in html


def test_the_resource_panel_is_empty_for_an_instrument_without_training(app, pilot):
    with app.test_request_context():
        login_user(pilot.requester)
        html = render_template("requests/_resource_panel.html", resource=make_resource())
    assert html.strip() == ""
