"""Sending the outbox: each mail once, retried after a failure, never twice by two senders."""

import logging
import multiprocessing
from datetime import timedelta

from sqlalchemy import select, text

from booking.extensions import db
from booking.models import OutboxMail
from booking.services import notify
from booking.services.mailer import MAX_ATTEMPTS, RETRY_AFTER, send_pending
from tests.booking_factories import NOW, book, rome
from tests.concurrency import at_once
from tests.factories import make_organisation, make_resource, make_user
from tests.jobs.worker import run_job
from tests.smtp import free_port, outbox


def queue(count: int = 1, **fields) -> list[int]:
    """Mails queued at NOW, as notify would queue them."""
    user = make_user()
    mails = [
        OutboxMail(
            **{
                "kind": "confirmed",
                "recipient_id": user.id,
                "recipient_email": f"person{n}@example.org",
                "subject": f"Mail {n}",
                "text_body": f"Text {n}",
                "html_body": f"<p>HTML {n}</p>",
                "headers": {},
                "created_at": NOW,
                **fields,
            }
        )
        for n in range(count)
    ]
    db.session.add_all(mails)
    db.session.commit()
    return [mail.id for mail in mails]


def mail(mail_id: int) -> OutboxMail:
    db.session.rollback()
    return db.session.get(OutboxMail, mail_id)


def test_a_queued_mail_is_delivered_and_stamped_sent(smtp_server):
    (mail_id,) = queue()
    report = send_pending(NOW)
    assert (report.sent, report.failed) == (1, 0)
    (received,) = smtp_server.received
    assert (received.recipients, received.message["Subject"]) == (["person0@example.org"], "Mail 0")
    assert received.message["Auto-Submitted"] == "auto-generated"
    sent = mail(mail_id)
    assert (sent.sent_at, sent.attempts, sent.last_error) == (NOW, 1, "")


def test_a_sent_mail_is_not_sent_again(smtp_server):
    queue()
    send_pending(NOW)
    assert send_pending(NOW + timedelta(hours=1)).sent == 0
    assert len(smtp_server.received) == 1


def test_a_mail_without_html_is_plain_text(smtp_server):
    queue(html_body="")
    send_pending(NOW)
    (received,) = smtp_server.received
    assert received.message.get_content_type() == "text/plain"


def test_the_limit_bounds_one_run(smtp_server):
    queue(3)
    assert send_pending(NOW, limit=2).sent == 2
    assert send_pending(NOW, limit=2).sent == 1


def test_without_a_mail_server_the_mail_is_written_to_the_log(app, caplog, monkeypatch):
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    (mail_id,) = queue()
    with caplog.at_level(logging.INFO, logger="booking.mail"):
        assert send_pending(NOW).sent == 1
    assert "person0@example.org: Mail 0" in caplog.text
    assert "Text 0" in caplog.text
    assert mail(mail_id).sent_at == NOW


def test_a_temporary_refusal_leaves_the_mail_unsent_and_it_goes_out_on_a_later_run(smtp_server):
    (mail_id,) = queue()
    smtp_server.refuse_next(1, "451 4.3.0 Try again later")
    report = send_pending(NOW)
    assert (report.sent, report.failed) == (0, 1)
    failed = mail(mail_id)
    assert (failed.sent_at, failed.attempts) == (None, 1)
    assert "451" in failed.last_error
    # Not before its retry is due; then it goes out.
    assert send_pending(NOW + RETRY_AFTER[1] - timedelta(seconds=1)).sent == 0
    assert send_pending(NOW + RETRY_AFTER[1]).sent == 1
    sent = mail(mail_id)
    assert (sent.sent_at, sent.attempts, sent.last_error) == (NOW + RETRY_AFTER[1], 2, "")
    assert len(smtp_server.received) == 1


def test_a_refused_mail_does_not_hold_up_the_others(smtp_server):
    first, second = queue(2)
    smtp_server.refuse_next(1, "451 4.3.0 Try again later")
    report = send_pending(NOW)
    assert (report.sent, report.failed) == (1, 1)
    assert mail(first).sent_at is None
    assert mail(second).sent_at == NOW


def test_an_unreachable_server_ends_the_run_and_spends_one_attempt(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    try:
        first, second = queue(2)
        report = send_pending(NOW)
    finally:
        app.config.pop("MAIL_SERVER")
        app.config.pop("MAIL_PORT")
    assert (report.sent, report.failed) == (0, 1)
    assert (mail(first).attempts, mail(second).attempts) == (1, 0)
    assert "ConnectionRefusedError" in mail(first).last_error


def test_mails_held_up_by_an_unreachable_server_go_out_once_it_is_back(app, smtp_server):
    port = smtp_server.port
    app.config["MAIL_PORT"] = free_port()
    ids = queue(2)
    send_pending(NOW)
    app.config["MAIL_PORT"] = port
    assert send_pending(NOW + RETRY_AFTER[1]).sent == 2
    assert all(mail(mail_id).sent_at is not None for mail_id in ids)


def test_a_permanent_refusal_is_not_tried_again(smtp_server):
    (mail_id,) = queue()
    smtp_server.refuse_next(1, "550 5.1.1 No such mailbox")
    send_pending(NOW)
    given_up = mail(mail_id)
    assert (given_up.sent_at, given_up.attempts) == (None, MAX_ATTEMPTS)
    assert send_pending(NOW + timedelta(days=30)).sent == 0


def test_a_mail_is_given_up_after_its_last_retry(smtp_server):
    (mail_id,) = queue()
    for step in RETRY_AFTER:
        smtp_server.refuse_next(1, "451 4.3.0 Try again later")
        send_pending(NOW + step)
    assert mail(mail_id).attempts == MAX_ATTEMPTS
    assert send_pending(NOW + timedelta(days=30)).sent == 0
    assert smtp_server.received == []


# --- Mails rendered by the sender ---------------------------------------------------------------


def test_a_booking_mail_is_rendered_once_and_a_retry_sends_the_same_mail(smtp_server):
    resource = make_resource(name="Spectrometer", approval="none")
    rita = make_user(make_organisation())
    book(rita, resource, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10))
    smtp_server.refuse_next(1, "451 4.3.0 Try again later")
    send_pending(NOW)
    (refused,) = outbox()
    assert refused.subject == "Booking confirmed: Measurement (Spectrometer)"
    resource.name = "Renamed spectrometer"
    db.session.commit()
    assert send_pending(NOW + RETRY_AFTER[1]).sent == 1
    (received,) = smtp_server.received
    assert received.message["Subject"] == "Booking confirmed: Measurement (Spectrometer)"
    assert "Renamed" not in received.text


UNRENDERED = {"subject": None, "text_body": None, "html_body": ""}


def test_a_mail_whose_rendering_fails_is_a_failed_attempt_and_the_sender_goes_on(smtp_server):
    gone = {
        "action": "created",
        "actor_id": None,
        "reason": "",
        "bookings": [{"id": 1, "audit_id": 999999}],
    }
    (broken,) = queue(**UNRENDERED, booking_change=gone)
    (plain,) = queue()
    report = send_pending(NOW)
    assert (report.sent, report.failed) == (1, 1)
    failed = mail(broken)
    assert (failed.sent_at, failed.subject) == (None, None)
    assert failed.last_error.startswith("Not rendered: LookupError: history entries [999999]")
    assert mail(plain).sent_at == NOW
    assert [r.message["Subject"] for r in smtp_server.received] == ["Mail 0"]
    # What it was about is gone: it is given up at once, not tried again for two days.
    assert failed.attempts == MAX_ATTEMPTS
    assert send_pending(NOW + RETRY_AFTER[-1]).failed == 0


def test_a_query_failing_while_rendering_fails_only_that_mail(smtp_server, monkeypatch):
    render_pending = notify.render_pending

    def render_with_a_broken_query(mail):
        if mail.subject is None:
            db.session.execute(text("SELECT no_such_column FROM outbox_mails"))
        render_pending(mail)

    monkeypatch.setattr(notify, "render_pending", render_with_a_broken_query)
    (broken,) = queue(**UNRENDERED, booking_change={"action": "created"})
    (plain,) = queue()
    report = send_pending(NOW)
    assert (report.sent, report.failed) == (1, 1)
    failed = mail(broken)
    assert (failed.sent_at, failed.attempts) == (None, 1)
    assert failed.last_error.startswith("Not rendered: ")
    assert "no_such_column" in failed.last_error
    assert mail(plain).sent_at == NOW
    # Perhaps a passing fault: tried again on the schedule, like a refused mail.
    assert send_pending(NOW + RETRY_AFTER[1]).failed == 1
    assert mail(broken).attempts == 2


def _sent_ids() -> list[int]:
    db.session.rollback()
    return list(
        db.session.execute(select(OutboxMail.id).where(OutboxMail.sent_at.is_not(None))).scalars()
    )


def test_two_senders_at_once_deliver_each_mail_once(app, smtp_server):
    ids = queue(20)
    db.session.remove()
    counts = at_once(app, *[lambda: send_pending(NOW).sent] * 2)
    assert sum(counts) == 20
    assert sorted(r.message["Subject"] for r in smtp_server.received) == sorted(
        f"Mail {n}" for n in range(20)
    )
    assert sorted(_sent_ids()) == ids


def test_two_sender_processes_at_once_deliver_each_mail_once(app, smtp_server):
    ids = queue(20)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    workers = [
        context.Process(
            target=run_job,
            args=(url, "outbox", NOW.isoformat(), smtp_server.port, barrier, results),
        )
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    sent = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(sent) == 20, sent
    assert len(smtp_server.received) == 20
    assert len({r.message["Subject"] for r in smtp_server.received}) == 20
    assert sorted(_sent_ids()) == ids
    assert len(outbox()) == 20
