"""Reminders before confirmed bookings: once each, whoever runs the job and whenever it comes back."""

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest

from booking.extensions import db
from booking.jobs.reminders import send_reminders
from booking.models import Booking
from booking.services.booking import cancel_booking
from booking.services.mailer import send_pending
from booking.services.notify import update_preferences
from tests.booking_factories import NOW, book, rome
from tests.concurrency import at_once
from tests.factories import make_organisation, make_resource, make_user
from tests.jobs.worker import run_job
from tests.smtp import methods, outbox

# Thursday 3 December 2026, 09:00–10:00 in Rome (08:00 UTC): reminders are due from Wednesday
# 08:00 UTC with the default lead of 24 hours.
START, END = rome(2026, 12, 3, 9), rome(2026, 12, 3, 10)
DUE = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def resource(app):
    return make_resource(approval="none", name="Spectrometer")


def booking_of(resource, start=START, end=END, now=NOW, **fields) -> Booking:
    user = fields.pop("user", None) or make_user(make_organisation())
    return book(user, resource, start, end, now=now, **fields).bookings[0]


def reminders() -> list:
    return outbox("reminder")


def test_a_reminder_is_queued_once_the_booking_starts_within_the_lead(resource):
    booking = booking_of(resource)
    assert send_reminders(DUE + timedelta(minutes=1)) == [booking.id]
    (mail,) = reminders()
    assert mail.recipient_id == booking.requester_id
    db.session.refresh(booking)
    assert booking.reminder_sent_at == DUE + timedelta(minutes=1)


def test_no_reminder_before_the_lead(resource):
    booking_of(resource)
    assert send_reminders(DUE - timedelta(minutes=1)) == []
    assert reminders() == []


def test_a_second_run_sends_no_second_reminder(resource):
    booking_of(resource)
    send_reminders(DUE)
    assert send_reminders(DUE + timedelta(minutes=1)) == []
    assert len(reminders()) == 1


def test_a_reminder_due_while_the_scheduler_was_down_is_sent_once_when_it_returns(resource):
    booking = booking_of(resource)
    back = START - timedelta(hours=1)
    assert send_reminders(back) == [booking.id]
    assert send_reminders(back + timedelta(minutes=1)) == []
    assert len(reminders()) == 1


def test_no_reminder_for_a_booking_that_has_started(resource):
    booking_of(resource)
    assert send_reminders(START + timedelta(minutes=1)) == []
    assert reminders() == []


def test_no_reminder_for_requests_or_cancelled_bookings(app):
    waiting = make_resource(approval="always")
    booking_of(waiting)
    open_resource = make_resource(approval="none")
    cancelled = booking_of(open_resource)
    cancel_booking(cancelled.requester, cancelled.id, now=NOW)
    assert send_reminders(DUE) == []


def test_a_booking_confirmed_after_its_reminder_was_due_gets_none(resource):
    # Its confirmation mail has just told the requester.
    late = DUE + timedelta(hours=2)
    booking_of(resource, now=late)
    assert send_reminders(late + timedelta(minutes=1)) == []


def test_the_lead_is_configurable(app, resource):
    booking = booking_of(resource)
    app.config["REMINDER_LEAD_HOURS"] = 48
    try:
        assert send_reminders(NOW + timedelta(hours=1)) == [booking.id]
    finally:
        app.config.pop("REMINDER_LEAD_HOURS")


def test_a_requester_who_turned_reminders_off_gets_none(resource):
    booking = booking_of(resource)
    update_preferences(booking.requester, {"reminder": False})
    send_reminders(DUE)
    send_reminders(DUE + timedelta(minutes=1))
    assert reminders() == []


def test_the_reminder_arrives_with_the_invitation(resource, smtp_server):
    booking = booking_of(resource)
    send_reminders(DUE)
    send_pending(DUE)
    (received,) = smtp_server.to(booking.requester.email)[-1:]
    assert received.message["Subject"] == (
        "Reminder: Measurement (Spectrometer), Thursday 3 December 2026, 09:00–10:00 (Europe/Rome)"
    )
    assert "Your booking of Spectrometer starts soon." in received.text
    assert "starts soon" in received.html
    assert methods(received) == ["REQUEST"]


def test_an_italian_requester_is_reminded_in_italian(resource, smtp_server):
    user = make_user(make_organisation(), locale="it")
    booking_of(resource, user=user)
    send_reminders(DUE)
    send_pending(DUE)
    received = smtp_server.to(user.email)[-1]
    assert received.message["Subject"].startswith("Promemoria: Measurement (Spectrometer), giovedì")
    assert "La tua prenotazione di Spectrometer inizia a breve." in received.text


def _bookings(resource, count: int) -> list[int]:
    return [
        booking_of(resource, START + timedelta(hours=n), END + timedelta(hours=n)).id
        for n in range(count)
    ]


def _reminded_once(ids: list[int]) -> bool:
    return sorted(mail.recipient_id for mail in reminders()) == sorted(
        db.session.get(Booking, booking_id).requester_id for booking_id in ids
    )


def test_two_schedulers_in_threads_remind_each_booking_once(app, resource):
    ids = _bookings(resource, 6)
    db.session.remove()
    claims = at_once(app, *[lambda: send_reminders(DUE + timedelta(hours=6))] * 2)
    claimed = [booking_id for claim in claims for booking_id in claim]
    assert sorted(claimed) == ids
    assert len(reminders()) == 6
    assert _reminded_once(ids)


def test_two_scheduler_processes_remind_each_booking_once(app, resource):
    ids = _bookings(resource, 6)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    workers = [
        context.Process(
            target=run_job,
            args=(url, "reminders", (DUE + timedelta(hours=6)).isoformat(), 0, barrier, results),
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(counts) == 6, counts
    assert len(reminders()) == 6
    assert _reminded_once(ids)
