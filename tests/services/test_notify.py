"""Mails about bookings: who gets which, in their language, with text, HTML and an invitation,
queued in the booking's transaction and delivered to a real SMTP server on loopback."""

import pytest
from flask import template_rendered
from icalendar import Calendar
from sqlalchemy import select

from booking.extensions import db
from booking.models import BookingAudit, OutboxMail, Resource, User
from booking.services import booking as booking_service
from booking.services.approvals import approve, reject
from booking.services.booking import BookingChange, cancel_booking, update_booking
from booking.services.errors import InvalidInput
from booking.services.mailer import send_pending
from booking.services.notify import MAIL_KINDS, update_preferences
from booking.services.transaction import writing
from tests import smtp
from tests.booking_factories import NOW, book, rome
from tests.factories import make_organisation, make_resource, make_user
from tests.smtp import calendar_of, methods, outbox, queued

# The real SMTP server fixture, found by pytest under this name.
smtp_server = smtp.smtp_server

WED = (2026, 12, 2)


@pytest.fixture
def manager(app):
    return make_user(name="Marta Manager")


@pytest.fixture
def second_manager(manager):
    return make_user(manager.organisation, name="Second Manager")


@pytest.fixture
def resource(manager, second_manager):
    """Every booking of it waits for approval; two managers decide."""
    return make_resource(
        manager.organisation,
        name="Electron microscope",
        approval="always",
        managers=[manager, second_manager],
    )


@pytest.fixture
def open_resource(manager):
    """Confirmed at once for everyone."""
    return make_resource(
        manager.organisation, name="Spectrometer", approval="none", managers=[manager]
    )


def requester(**fields) -> User:
    """A member of an organisation of their own, named after them ("Lab of Rita Requester")."""
    fields.setdefault("name", "Rita Requester")
    return make_user(make_organisation(name=f"Lab of {fields['name']}"), **fields)


def recipients(mails: list[OutboxMail]) -> list[tuple[str, str]]:
    return sorted((mail.kind, mail.recipient_email) for mail in mails)


def event_of(ics: str):
    (event,) = Calendar.from_ical(ics).walk("VEVENT")
    return event


def deliver(inbox):
    report = send_pending(NOW)
    assert report.failed == 0
    return inbox.received


# --- Who gets which mail ------------------------------------------------------------------------


def test_a_new_request_mails_each_manager_and_not_the_requester(resource, manager, second_manager):
    rita = requester()
    book(rita, resource, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == sorted(
        [("request", manager.email), ("request", second_manager.email)]
    )


def test_a_booking_confirmed_at_once_mails_its_requester(open_resource):
    rita = requester()
    book(rita, open_resource, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == [("confirmed", rita.email)]


def test_an_approval_mails_the_requester_a_confirmation(resource, manager):
    rita = requester()
    booking = book(rita, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    approve(manager, booking.id, now=NOW)
    assert recipients(outbox("confirmed")) == [("confirmed", rita.email)]


def test_a_rejection_mails_the_requester_with_the_reason(resource, manager):
    rita = requester()
    booking = book(rita, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    reject(manager, booking.id, now=NOW, reason="The instrument is being calibrated")
    (mail,) = outbox("rejected")
    assert mail.recipient_email == rita.email
    assert "The instrument is being calibrated" in mail.text_body
    assert "The instrument is being calibrated" in mail.html_body


def test_approving_one_request_mails_the_turned_away_competitor_slot_taken(resource, manager):
    winner, loser = requester(), requester(name="Luca Loser")
    first = book(winner, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    book(loser, resource, rome(*WED, 9, 30), rome(*WED, 10, 30))
    approve(manager, first.id, now=NOW)
    assert recipients(outbox("slot_taken")) == [("slot_taken", loser.email)]
    assert recipients(outbox("confirmed")) == [("confirmed", winner.email)]


def test_a_manager_cancelling_mails_the_requester_and_the_other_managers(open_resource, manager):
    colleague = make_user(manager.organisation)
    open_resource.managers.append(colleague)
    db.session.commit()
    rita = requester()
    booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancel_booking(manager, booking.id, now=NOW, reason="Power cut")
    mails = outbox("cancelled") + outbox("cancellation")
    assert recipients(mails) == sorted(
        [("cancelled", rita.email), ("cancellation", colleague.email)]
    )
    assert all("Power cut" in mail.text_body for mail in mails)


def test_a_requester_withdrawing_a_request_mails_the_managers(resource, manager, second_manager):
    rita = requester()
    booking = book(rita, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancel_booking(rita, booking.id, now=NOW)
    assert recipients(outbox("cancellation")) == sorted(
        [("cancellation", manager.email), ("cancellation", second_manager.email)]
    )
    assert "withdrew" in outbox("cancellation")[0].text_body
    assert outbox("cancelled") == []


def test_a_requester_cancelling_a_confirmed_booking_gets_the_cancellation_for_their_calendar(
    open_resource, manager
):
    rita = requester()
    booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancel_booking(rita, booking.id, now=NOW)
    assert recipients(outbox("cancellation")) == [("cancellation", manager.email)]
    (mail,) = outbox("cancelled")
    assert "You cancelled your booking of Spectrometer." in mail.text_body
    assert "METHOD:CANCEL" in mail.ics


def test_a_manager_acting_on_their_own_booking_gets_only_the_requesters_mails(
    open_resource, manager
):
    booking = book(manager, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancel_booking(manager, booking.id, now=NOW)
    assert recipients(outbox()) == [("cancelled", manager.email), ("confirmed", manager.email)]


def test_a_move_sends_the_requester_the_updated_invitation(open_resource):
    rita = requester()
    booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    update_booking(
        rita, booking.id, BookingChange(start=rome(*WED, 11), end=rome(*WED, 12)), now=NOW
    )
    _, moved = outbox("confirmed")
    event = event_of(moved.ics)
    assert (event["SEQUENCE"], event.decoded("DTSTART")) == (1, rome(*WED, 11))
    assert "moved" in moved.text_body


def test_a_move_that_needs_a_new_decision_asks_the_managers(resource, manager):
    rita = requester()
    booking = book(rita, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    update_booking(
        rita, booking.id, BookingChange(start=rome(*WED, 11), end=rome(*WED, 12)), now=NOW
    )
    moved = [mail for mail in outbox("request") if mail.recipient_email == manager.email][-1]
    assert "moved a request" in moved.text_body


def test_a_resource_without_managers_mails_its_organisation_admins(app):
    owner = make_organisation()
    admin = make_user(owner, is_org_admin=True)
    make_user(owner)  # a plain member: not told
    unmanaged = make_resource(owner, approval="always")
    book(requester(), unmanaged, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == [("request", admin.email)]


def test_a_resource_whose_managers_all_left_mails_its_organisation_admins(resource, manager):
    admin = make_user(manager.organisation, is_org_admin=True)
    for former in resource.managers:
        former.active = False
    db.session.commit()
    book(requester(), resource, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == [("request", admin.email)]


def test_a_name_with_a_line_break_still_makes_a_one_line_subject(manager, smtp_server):
    odd = make_resource(manager.organisation, name="Spectro\nmeter", approval="none")
    book(requester(), odd, rome(*WED, 9), rome(*WED, 10))
    (received,) = deliver(smtp_server)
    assert received.message["Subject"] == "Booking confirmed: Measurement (Spectro meter)"


def test_a_series_makes_one_mail_with_an_invitation_per_occurrence(open_resource):
    rita = requester()
    outcome = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10), rrule="FREQ=WEEKLY;COUNT=3")
    (mail,) = outbox()
    assert mail.ics.count("BEGIN:VCALENDAR") == 3
    assert "Your 3 bookings of Spectrometer are confirmed." in mail.text_body
    for booking in outcome.bookings:
        assert f"/bookings/{booking.id}" in mail.text_body


def test_a_mail_rendered_outside_a_request_without_server_name_links_to_the_development_site(
    app, open_resource
):
    rita_id, resource_id = requester().id, open_resource.id
    app.config["SERVER_NAME"] = None
    try:
        with app.app_context():
            rita = db.session.get(User, rita_id)
            resource = db.session.get(Resource, resource_id)
            booking = book(rita, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
            booking_id = booking.id
            (mail,) = outbox()
            db.session.remove()
    finally:
        app.config["SERVER_NAME"] = "localhost"
    assert f"http://127.0.0.1:5000/bookings/{booking_id}" in mail.text_body
    assert f"URL:http://127.0.0.1:5000/bookings/{booking_id}" in mail.ics


# --- Transactions and preferences ---------------------------------------------------------------


def test_the_booking_transaction_queues_the_mail_without_rendering_it(app, open_resource):
    rendered = []

    def note_template(sender, template, context, **extra):
        rendered.append(template.name)

    rita = requester()
    with template_rendered.connected_to(note_template, app):
        booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    assert rendered == []
    (mail,) = queued()
    assert (mail.subject, mail.text_body, mail.html_body, mail.ics) == (None, None, "", None)
    (entry,) = db.session.execute(select(BookingAudit)).scalars()
    assert (mail.kind, mail.recipient_email, mail.booking_change) == (
        "confirmed",
        rita.email,
        {
            "action": "created",
            "actor_id": rita.id,
            "reason": "",
            "bookings": [{"id": booking.id, "audit_id": entry.id}],
        },
    )


def test_a_rolled_back_booking_queues_nothing(open_resource):
    rita = requester()
    with pytest.raises(RuntimeError), writing():
        book(rita, open_resource, rome(*WED, 9), rome(*WED, 10))
        raise RuntimeError("the unit of work that holds the booking fails after it")
    # The next transaction to commit does not carry the forgotten mails either.
    requester(name="Someone Else")
    assert outbox() == []


def test_a_refused_booking_queues_nothing(open_resource):
    book(requester(), open_resource, rome(*WED, 9), rome(*WED, 10))
    with pytest.raises(booking_service.BookingRefused):
        book(requester(name="Late Comer"), open_resource, rome(*WED, 9), rome(*WED, 10))
    assert len(outbox()) == 1


def test_a_kind_turned_off_is_not_queued(resource, manager, second_manager):
    update_preferences(manager, {"request": False})
    book(requester(), resource, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == [("request", second_manager.email)]


def test_turning_one_kind_off_keeps_the_others(open_resource):
    rita = requester()
    update_preferences(rita, {"reminder": False})
    book(rita, open_resource, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == [("confirmed", rita.email)]


def test_inactive_accounts_get_no_mail(resource, manager, second_manager):
    second_manager.active = False
    db.session.commit()
    book(requester(), resource, rome(*WED, 9), rome(*WED, 10))
    assert recipients(outbox()) == [("request", manager.email)]


def test_preferences_refuse_unknown_kinds_and_non_booleans(app):
    rita = requester()
    with pytest.raises(InvalidInput) as refusal:
        update_preferences(rita, {"newsletter": False, "reminder": "no"})
    assert set(refusal.value.errors) == {"newsletter", "reminder"}


def test_every_kind_of_mail_can_be_turned_off(app):
    rita = requester()
    assert update_preferences(rita, dict.fromkeys(MAIL_KINDS, False)) == dict.fromkeys(
        MAIL_KINDS, False
    )


# --- What arrives -------------------------------------------------------------------------------


def test_a_confirmation_arrives_with_text_html_and_a_request_invitation(open_resource, smtp_server):
    rita = requester()
    booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    (received,) = deliver(smtp_server)
    assert received.recipients == [rita.email]
    assert received.message["Subject"] == "Booking confirmed: Measurement (Spectrometer)"
    assert received.message["From"] == "booking@example.org"
    assert "Your booking of Spectrometer is confirmed." in received.text
    assert "Wednesday 2 December 2026, 09:00–10:00 (Europe/Rome)" in received.text
    assert f"http://localhost/bookings/{booking.id}" in received.text
    assert f'href="http://localhost/bookings/{booking.id}"' in received.html
    assert methods(received) == ["REQUEST"]
    (event,) = calendar_of(received.calendars[0]).walk("VEVENT")
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (rome(*WED, 9), rome(*WED, 10))
    assert str(event["STATUS"]) == "CONFIRMED"


def test_a_new_request_arrives_at_the_managers_with_who_asks_and_why(resource, smtp_server):
    rita = requester()
    book(rita, resource, rome(*WED, 9), rome(*WED, 10), purpose="Grain boundaries of steel")
    received = deliver(smtp_server)
    assert len(received) == 2
    for mail in received:
        assert mail.message["Subject"] == "New request for Electron microscope: Measurement"
        assert (
            "Rita Requester (Lab of Rita Requester) asks to book Electron microscope." in mail.text
        )
        assert "Grain boundaries of steel" in mail.html
        assert methods(mail) == ["REQUEST"]


@pytest.mark.parametrize("decision", ["reject", "slot_taken", "cancel"])
def test_a_decision_against_the_requester_arrives_with_a_cancel(
    resource, manager, smtp_server, decision
):
    rita = requester()
    booking = book(rita, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    other_requester = requester(name="Otto Other")
    if decision == "reject":
        reject(manager, booking.id, now=NOW, reason="Closed for maintenance")
    elif decision == "slot_taken":
        other = book(other_requester, resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
        approve(manager, other.id, now=NOW)
    else:
        approve(manager, booking.id, now=NOW)
        cancel_booking(manager, booking.id, now=NOW, reason="Closed for maintenance")
    send_pending(NOW)
    (received,) = [r for r in smtp_server.to(rita.email) if methods(r) == ["CANCEL"]]
    (event,) = calendar_of(received.calendars[0]).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"
    assert received.html and received.text


def test_mails_describe_the_booking_as_each_change_left_it_whatever_happened_since(
    open_resource, smtp_server
):
    rita = requester()
    booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    cancel_booking(rita, booking.id, now=NOW)
    deliver(smtp_server)
    confirmed, cancelled = smtp_server.to(rita.email)
    assert confirmed.message["Subject"] == "Booking confirmed: Measurement (Spectrometer)"
    assert "Your booking of Spectrometer is confirmed." in confirmed.text
    assert "adds the event to your calendar" in confirmed.text
    assert cancelled.message["Subject"] == "Booking cancelled: Measurement (Spectrometer)"
    assert "You cancelled your booking of Spectrometer." in cancelled.text
    assert "removes the event from your calendar" in cancelled.text
    assert (methods(confirmed), methods(cancelled)) == (["REQUEST"], ["CANCEL"])
    first = calendar_of(confirmed.calendars[0]).walk("VEVENT")[0]
    second = calendar_of(cancelled.calendars[0]).walk("VEVENT")[0]
    assert (first["SEQUENCE"], str(first["STATUS"])) == (0, "CONFIRMED")
    assert (second["SEQUENCE"], str(second["STATUS"])) == (1, "CANCELLED")
    assert str(first["UID"]) == str(second["UID"])


def test_a_moved_and_renamed_booking_keeps_its_first_invitation_as_it_was(
    open_resource, smtp_server
):
    rita = requester()
    booking = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10)).bookings[0]
    update_booking(
        rita,
        booking.id,
        BookingChange(start=rome(*WED, 11), end=rome(*WED, 12), title="Calibration"),
        now=NOW,
    )
    update_booking(rita, booking.id, BookingChange(title="Final run"), now=NOW)
    deliver(smtp_server)
    created, moved = smtp_server.to(rita.email)
    assert created.message["Subject"] == "Booking confirmed: Measurement (Spectrometer)"
    assert "Wednesday 2 December 2026, 09:00–10:00 (Europe/Rome)" in created.text
    assert moved.message["Subject"] == "Booking confirmed: Calibration (Spectrometer)"
    assert "Wednesday 2 December 2026, 11:00–12:00 (Europe/Rome)" in moved.text
    events = [calendar_of(r.calendars[0]).walk("VEVENT")[0] for r in (created, moved)]
    assert [(e["SEQUENCE"], e.decoded("DTSTART")) for e in events] == [
        (0, rome(*WED, 9)),
        (1, rome(*WED, 11)),
    ]
    assert [str(e["SUMMARY"]) for e in events] == [
        "Measurement — Spectrometer",
        "Calibration — Spectrometer",
    ]


def test_an_italian_requester_gets_the_mail_in_italian(open_resource, smtp_server):
    rita = requester(locale="it")
    book(rita, open_resource, rome(*WED, 9), rome(*WED, 10))
    (received,) = deliver(smtp_server)
    assert received.message["Subject"] == "Prenotazione confermata: Measurement (Spectrometer)"
    assert "La tua prenotazione di Spectrometer è confermata." in received.text
    assert "mercoledì 2 dicembre 2026, 09:00–10:00 (Europe/Rome)" in received.text
    assert "Gentile Rita Requester," in received.html
    assert '<html lang="it">' in received.html


def test_each_recipient_reads_their_own_language(resource, manager, second_manager, smtp_server):
    second_manager.locale = "it"
    db.session.commit()
    book(requester(), resource, rome(*WED, 9), rome(*WED, 10))
    deliver(smtp_server)
    (english,) = smtp_server.to(manager.email)
    (italian,) = smtp_server.to(second_manager.email)
    assert english.message["Subject"].startswith("New request for")
    assert italian.message["Subject"].startswith("Nuova richiesta per")


def test_times_are_the_resources_wall_clock(manager, smtp_server):
    lisbon = make_resource(manager.organisation, approval="none", timezone="Europe/Lisbon")
    rita = requester()
    # 09:00 in Rome is 08:00 in Lisbon.
    book(rita, lisbon, rome(*WED, 9), rome(*WED, 10))
    (received,) = deliver(smtp_server)
    assert "Wednesday 2 December 2026, 08:00–09:00 (Europe/Lisbon)" in received.text


def test_user_text_is_escaped_in_the_html_part(open_resource, smtp_server):
    rita = requester(name="<b>Rita</b>")
    book(rita, open_resource, rome(*WED, 9), rome(*WED, 10), title="<script>x</script>")
    (received,) = deliver(smtp_server)
    assert "<script>" not in received.html
    assert "&lt;script&gt;x&lt;/script&gt;" in received.html
    assert "&lt;b&gt;Rita&lt;/b&gt;" in received.html


def test_a_series_arrives_as_one_mail_with_one_invitation_per_occurrence(
    open_resource, manager, smtp_server
):
    rita = requester()
    outcome = book(rita, open_resource, rome(*WED, 9), rome(*WED, 10), rrule="FREQ=WEEKLY;COUNT=3")
    (received,) = deliver(smtp_server)
    assert methods(received) == ["REQUEST"] * 3
    events = [calendar_of(part).walk("VEVENT")[0] for part in received.calendars]
    assert [event.decoded("DTSTART") for event in events] == [
        booking.start_at for booking in outcome.bookings
    ]
    assert [str(event["UID"]) for event in events] == [
        f"booking-{booking.id}@booking.local" for booking in outcome.bookings
    ]
    for event in events:
        assert str(event["ORGANIZER"]) == f"mailto:{manager.email}"
        assert str(event["ATTENDEE"]) == f"mailto:{rita.email}"
        assert str(event["STATUS"]) == "CONFIRMED"
