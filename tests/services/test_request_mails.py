"""Mails about trial and training requests: who gets which, in their language, queued in the
transaction of the change and delivered to a real SMTP server on loopback."""

from datetime import date, timedelta

import pytest
from sqlalchemy import event, select, update

from booking.extensions import db
from booking.models import OutboxMail, TrialRequest
from booking.services import qualifications as qualification_service
from booking.services import training, trials
from booking.services.errors import Conflict, InvalidInput
from booking.services.mailer import send_pending
from booking.services.notify import update_preferences
from tests import smtp
from tests.booking_factories import NOW
from tests.factories import make_organisation, make_resource, make_user
from tests.requests_factories import EARLIEST, make_pilot, make_training_request, make_trial
from tests.smtp import outbox

# The real SMTP server fixture, found by pytest under this name.
smtp_server = smtp.smtp_server

TRIAL_WINDOW = "Wednesday 2 December 2026 08:00 – Friday 4 December 2026 18:00 (Europe/Rome)"


@pytest.fixture
def owner(app):
    return make_organisation(name="Pilot Plant Consortium")


@pytest.fixture
def manager(owner):
    return make_user(owner, name="Marta Manager")


@pytest.fixture
def second_manager(owner):
    return make_user(owner, name="Second Manager")


@pytest.fixture
def pilot(owner, manager, second_manager):
    return make_pilot(
        organisation=owner,
        name="Extrusion line",
        city="Bologna",
        managers=[manager, second_manager],
    )


@pytest.fixture
def clean_room(owner, manager, second_manager):
    """A resource only trained people may book, with two managers."""
    return make_resource(
        owner,
        name="Clean room",
        city="Bologna",
        requires_qualification=True,
        managers=[manager, second_manager],
    )


@pytest.fixture
def rita(app):
    return make_user(make_organisation(name="Polymers Ltd", type="business"), name="Rita Requester")


def recipients(mails: list[OutboxMail]) -> list[tuple[str, str]]:
    return sorted((mail.kind, mail.recipient_email) for mail in mails)


def deliver(inbox) -> list[smtp.Received]:
    report = send_pending(NOW)
    assert report.failed == 0
    return inbox.received


def italian(user) -> None:
    user.locale = "it"
    db.session.commit()


# --- A new trial request ------------------------------------------------------------------------


def test_a_new_trial_request_mails_each_manager_and_not_the_requester(
    pilot, rita, manager, second_manager
):
    make_trial(rita, pilot)
    assert recipients(outbox()) == sorted(
        [("trial_request", manager.email), ("trial_request", second_manager.email)]
    )


def test_the_new_trial_request_arrives_with_who_asks_the_window_the_duration_and_a_link(
    pilot, rita, manager, smtp_server
):
    trial = make_trial(rita, pilot)
    deliver(smtp_server)
    (received,) = smtp_server.to(manager.email)
    assert received.message["Subject"] == "New trial request for Extrusion line: Extrusion trial"
    assert "Rita Requester (Polymers Ltd) asks for a trial on Extrusion line." in received.text
    assert f"Rita Requester (Polymers Ltd), {rita.email}" in received.text
    assert f"Window: {TRIAL_WINDOW}" in received.text
    assert "Duration: 4 h" in received.text
    assert "Two batches of recycled PET." in received.text
    assert f"http://localhost/trials/{trial.id}" in received.text
    assert f'href="http://localhost/trials/{trial.id}"' in received.html
    assert "Two batches of recycled PET." in received.html


def test_an_italian_manager_reads_the_new_trial_request_in_italian(
    pilot, rita, manager, smtp_server
):
    italian(manager)
    make_trial(rita, pilot)
    deliver(smtp_server)
    (received,) = smtp_server.to(manager.email)
    assert received.message["Subject"] == (
        "Nuova richiesta di prova per Extrusion line: Extrusion trial"
    )
    assert "Rita Requester (Polymers Ltd) chiede una prova su Extrusion line." in received.text
    assert (
        "Finestra: mercoledì 2 dicembre 2026 08:00 – venerdì 4 dicembre 2026 18:00 (Europe/Rome)"
        in received.text
    )
    assert "Durata: 4 h" in received.text
    assert '<html lang="it">' in received.html


def test_a_manager_asking_for_a_trial_on_their_own_installation_is_not_mailed_about_it(
    pilot, manager, second_manager
):
    make_trial(manager, pilot)
    assert recipients(outbox()) == [("trial_request", second_manager.email)]


def test_a_manager_who_turned_trial_requests_off_gets_none(pilot, rita, manager, second_manager):
    update_preferences(manager, {"trial_request": False})
    make_trial(rita, pilot)
    assert recipients(outbox()) == [("trial_request", second_manager.email)]


def test_a_refused_trial_request_queues_nothing(pilot, rita):
    with pytest.raises(InvalidInput):
        make_trial(rita, pilot, latest_end=EARLIEST + timedelta(hours=1))
    assert outbox() == []


def test_a_trial_request_whose_commit_fails_queues_nothing(pilot, rita):
    def database_fails(session):
        raise RuntimeError("the database went away")

    event.listen(db.session, "before_commit", database_fails)
    try:
        with pytest.raises(RuntimeError):
            make_trial(rita, pilot)
    finally:
        event.remove(db.session, "before_commit", database_fails)
    # The next transaction to commit does not carry the forgotten mails either.
    make_user(name="Someone Else")
    assert outbox() == []
    assert db.session.execute(select(TrialRequest)).first() is None


# --- Deciding and withdrawing a trial request ---------------------------------------------------


def test_declining_a_trial_mails_the_requester_alone(pilot, rita, manager):
    trial = make_trial(rita, pilot)
    trials.decline(manager, trial.id, "The line is being rebuilt", now=NOW)
    assert recipients(outbox("trial_declined")) == [("trial_declined", rita.email)]


def test_the_decline_arrives_with_the_reason_and_a_link(pilot, rita, manager, smtp_server):
    trial = make_trial(rita, pilot)
    trials.decline(manager, trial.id, "The line is being rebuilt", now=NOW)
    deliver(smtp_server)
    (received,) = smtp_server.to(rita.email)
    assert received.message["Subject"] == "Trial request declined: Extrusion trial (Extrusion line)"
    assert "Your trial request for Extrusion line has been declined." in received.text
    assert "Reason: The line is being rebuilt" in received.text
    assert "The line is being rebuilt" in received.html
    assert f"Window: {TRIAL_WINDOW}" in received.text
    assert f'href="http://localhost/trials/{trial.id}"' in received.html
    # The managers' details of the request are not repeated to the requester.
    assert rita.email not in received.text


def test_an_italian_requester_reads_the_decline_in_italian(pilot, rita, manager, smtp_server):
    italian(rita)
    trial = make_trial(rita, pilot)
    trials.decline(manager, trial.id, "La linea è in ricostruzione", now=NOW)
    deliver(smtp_server)
    (received,) = smtp_server.to(rita.email)
    assert received.message["Subject"] == (
        "Richiesta di prova rifiutata: Extrusion trial (Extrusion line)"
    )
    assert "La tua richiesta di prova per Extrusion line è stata rifiutata." in received.text
    assert "Motivo: La linea è in ricostruzione" in received.text


def test_a_manager_declining_their_own_trial_request_is_not_mailed(pilot, manager):
    trial = make_trial(manager, pilot)
    trials.decline(manager, trial.id, "Not needed after all", now=NOW)
    assert outbox("trial_declined") == []


def test_a_requester_who_turned_declines_off_gets_none(pilot, rita, manager):
    update_preferences(rita, {"trial_declined": False})
    trial = make_trial(rita, pilot)
    trials.decline(manager, trial.id, "The line is being rebuilt", now=NOW)
    assert outbox("trial_declined") == []


def test_a_decline_that_meets_a_withdrawal_queues_nothing(pilot, rita, manager, monkeypatch):
    trial = make_trial(rita, pilot)
    real_require_open = trials._require_open

    def open_then_withdrawn_meanwhile(checked):
        real_require_open(checked)
        db.session.execute(
            update(TrialRequest).where(TrialRequest.id == trial.id).values(status="withdrawn")
        )
        db.session.commit()

    monkeypatch.setattr(trials, "_require_open", open_then_withdrawn_meanwhile)
    with pytest.raises(Conflict):
        trials.decline(manager, trial.id, "The line is being rebuilt", now=NOW)
    assert outbox("trial_declined") == []


def test_a_trial_request_reaches_the_organisation_admins_when_no_manager_is_active(
    pilot, rita, manager, second_manager, owner
):
    admin = make_user(owner, is_org_admin=True)
    for former in (manager, second_manager):
        former.active = False
    db.session.commit()

    make_trial(rita, pilot)

    assert recipients(outbox("trial_request")) == [("trial_request", admin.email)]


def test_a_trial_title_on_two_lines_is_refused(pilot, rita):
    with pytest.raises(InvalidInput) as refused:
        make_trial(rita, pilot, title="Extrusion\nBcc: someone@example.org")

    assert refused.value.errors == {"title": "must be one line of text"}


def test_withdrawing_a_trial_mails_the_managers(pilot, rita, manager, second_manager):
    trial = make_trial(rita, pilot)
    trials.withdraw(rita, trial.id, now=NOW)
    assert recipients(outbox("trial_withdrawn")) == sorted(
        [("trial_withdrawn", manager.email), ("trial_withdrawn", second_manager.email)]
    )


def test_the_withdrawal_arrives_as_a_short_notice_with_a_link(pilot, rita, manager, smtp_server):
    trial = make_trial(rita, pilot)
    trials.withdraw(rita, trial.id, now=NOW)
    send_pending(NOW)
    received = [r for r in smtp_server.to(manager.email) if "withdrawn" in r.message["Subject"]]
    (withdrawal,) = received
    assert withdrawal.message["Subject"] == (
        "Trial request withdrawn: Extrusion trial (Extrusion line)"
    )
    assert (
        "Rita Requester (Polymers Ltd) withdrew a trial request for Extrusion line."
        in withdrawal.text
    )
    assert f"http://localhost/trials/{trial.id}" in withdrawal.text
    assert "Two batches of recycled PET." not in withdrawal.text


def test_an_italian_manager_reads_the_withdrawal_in_italian(pilot, rita, manager, smtp_server):
    italian(manager)
    trial = make_trial(rita, pilot)
    trials.withdraw(rita, trial.id, now=NOW)
    send_pending(NOW)
    (withdrawal,) = [r for r in smtp_server.to(manager.email) if "ritirata" in r.message["Subject"]]
    assert withdrawal.message["Subject"] == (
        "Richiesta di prova ritirata: Extrusion trial (Extrusion line)"
    )
    assert (
        "Rita Requester (Polymers Ltd) ha ritirato una richiesta di prova per Extrusion line."
        in withdrawal.text
    )


def test_a_manager_withdrawing_their_own_trial_request_mails_only_the_other_managers(
    pilot, manager, second_manager
):
    trial = make_trial(manager, pilot)
    trials.withdraw(manager, trial.id, now=NOW)
    assert recipients(outbox("trial_withdrawn")) == [("trial_withdrawn", second_manager.email)]


def test_scheduling_a_trial_mails_the_requester_only_the_bookings_confirmation(
    pilot, rita, manager, smtp_server
):
    trial = make_trial(rita, pilot)
    before = {mail.id for mail in outbox()}
    trials.schedule(manager, trial.id, EARLIEST, now=NOW)
    (mail,) = [mail for mail in outbox() if mail.id not in before]
    assert (mail.kind, mail.recipient_email) == ("confirmed", rita.email)
    assert mail.subject == "Booking confirmed: Extrusion trial (Extrusion line)"
    assert "Marta Manager booked Extrusion line for you: the booking is confirmed." in (
        mail.text_body
    )


# --- Training requests --------------------------------------------------------------------------


def test_asking_for_training_mails_each_manager(clean_room, rita, manager, second_manager):
    make_training_request(rita, clean_room)
    assert recipients(outbox()) == sorted(
        [("training_request", manager.email), ("training_request", second_manager.email)]
    )


def test_the_training_request_arrives_with_who_asks_their_message_and_a_link(
    clean_room, rita, manager, smtp_server
):
    make_training_request(rita, clean_room, "I run a similar room at our plant.")
    deliver(smtp_server)
    (received,) = smtp_server.to(manager.email)
    assert received.message["Subject"] == "Training request for Clean room: Rita Requester"
    assert "Rita Requester (Polymers Ltd) asks for training on Clean room." in received.text
    assert f"Rita Requester (Polymers Ltd), {rita.email}" in received.text
    assert "I run a similar room at our plant." in received.text
    assert "Grant or decline the request: http://localhost/manage/training" in received.text
    assert 'href="http://localhost/manage/training"' in received.html


def test_an_italian_manager_reads_the_training_request_in_italian(
    clean_room, rita, manager, smtp_server
):
    italian(manager)
    make_training_request(rita, clean_room)
    deliver(smtp_server)
    (received,) = smtp_server.to(manager.email)
    assert received.message["Subject"] == "Richiesta di formazione per Clean room: Rita Requester"
    assert "Rita Requester (Polymers Ltd) chiede la formazione su Clean room." in received.text


def test_a_refused_training_request_queues_nothing_more(clean_room, rita):
    make_training_request(rita, clean_room)
    with pytest.raises(Conflict):
        make_training_request(rita, clean_room)
    assert len(outbox("training_request")) == 2


def test_a_manager_who_turned_training_requests_off_gets_none(
    clean_room, rita, manager, second_manager
):
    update_preferences(second_manager, {"training_request": False})
    make_training_request(rita, clean_room)
    assert recipients(outbox()) == [("training_request", manager.email)]


def test_granting_training_mails_the_requester_alone(clean_room, rita, manager):
    request = make_training_request(rita, clean_room)
    training.grant(manager, request.id, now=NOW)
    assert recipients(outbox("training_granted")) == [("training_granted", rita.email)]


def test_the_grant_arrives_with_the_qualifications_validity(clean_room, rita, manager, smtp_server):
    request = make_training_request(rita, clean_room)
    training.grant(manager, request.id, date(2027, 6, 30), now=NOW)
    deliver(smtp_server)
    (received,) = smtp_server.to(rita.email)
    assert received.message["Subject"] == "Training granted: Clean room"
    assert "You are now qualified to book Clean room." in received.text
    assert (
        "Your qualification is valid up to and including Wednesday 30 June 2027." in received.text
    )
    assert f"http://localhost/resources/{clean_room.id}" in received.text
    assert "valid up to and including Wednesday 30 June 2027" in received.html


def test_a_grant_without_expiry_says_nothing_of_validity(clean_room, rita, manager):
    request = make_training_request(rita, clean_room)
    training.grant(manager, request.id, now=NOW)
    (mail,) = outbox("training_granted")
    assert "valid up to" not in mail.text_body
    assert "valid up to" not in mail.html_body


def test_an_italian_requester_reads_the_grant_in_italian(clean_room, rita, manager, smtp_server):
    italian(rita)
    request = make_training_request(rita, clean_room)
    training.grant(manager, request.id, date(2027, 6, 30), now=NOW)
    deliver(smtp_server)
    (received,) = smtp_server.to(rita.email)
    assert received.message["Subject"] == "Richiesta di formazione accolta: Clean room"
    assert "Ora sei abilitato/a a prenotare Clean room." in received.text
    assert "La tua abilitazione è valida fino a mercoledì 30 giugno 2027 compreso." in (
        received.text
    )


def test_a_grant_refused_for_an_expiry_in_the_past_queues_nothing(clean_room, rita, manager):
    request = make_training_request(rita, clean_room)
    with pytest.raises(InvalidInput):
        training.grant(manager, request.id, date(2026, 11, 1), now=NOW)
    assert outbox("training_granted") == []


def test_a_grant_that_meets_another_at_the_same_moment_mails_the_requester_once(
    clean_room, rita, manager, second_manager, monkeypatch
):
    request = make_training_request(rita, clean_room)
    # The other manager's qualification is committed just after this grant looked for one.
    qualification_service.grant_qualification(
        second_manager, clean_room.id, user_id=rita.id, now=NOW
    )
    monkeypatch.setattr(
        qualification_service,
        "qualification_of",
        _missing_once(qualification_service.qualification_of),
    )
    training.grant(manager, request.id, date(2027, 6, 30), now=NOW)
    (mail,) = outbox("training_granted")
    assert mail.recipient_email == rita.email
    assert "30 June 2027" in mail.text_body


def test_a_request_declined_while_another_manager_grants_it_is_not_granted(
    clean_room, rita, manager, second_manager, monkeypatch
):
    request = make_training_request(rita, clean_room)
    checked_as_open = training._open_for_manager

    def declined_right_after_the_check(user, request_id):
        found = checked_as_open(user, request_id)
        if user is manager:
            training.decline(second_manager, request_id, now=NOW)
        return found

    monkeypatch.setattr(training, "_open_for_manager", declined_right_after_the_check)

    with pytest.raises(Conflict):
        training.grant(manager, request.id, now=NOW)

    assert outbox("training_granted") == []
    assert recipients(outbox("training_declined")) == [("training_declined", rita.email)]
    assert qualification_service.list_qualifications(manager, clean_room.id) == []


def _missing_once(find):
    calls = []

    def find_after_the_first_call(*args):
        calls.append(args)
        return None if len(calls) == 1 else find(*args)

    return find_after_the_first_call


def test_declining_training_mails_the_requester(clean_room, rita, manager, smtp_server):
    request = make_training_request(rita, clean_room)
    training.decline(manager, request.id, now=NOW)
    deliver(smtp_server)
    (received,) = smtp_server.to(rita.email)
    assert received.message["Subject"] == "Training request declined: Clean room"
    assert "Your request for training on Clean room has been declined." in received.text
    assert f"The resource's page: http://localhost/resources/{clean_room.id}" in received.text


def test_an_italian_requester_reads_the_training_decline_in_italian(
    clean_room, rita, manager, smtp_server
):
    italian(rita)
    request = make_training_request(rita, clean_room)
    training.decline(manager, request.id, now=NOW)
    deliver(smtp_server)
    (received,) = smtp_server.to(rita.email)
    assert received.message["Subject"] == "Richiesta di formazione rifiutata: Clean room"
    assert "La tua richiesta di formazione su Clean room è stata rifiutata." in received.text


def test_a_requester_who_turned_training_decisions_off_gets_none(clean_room, rita, manager):
    update_preferences(rita, {"training_granted": False, "training_declined": False})
    first = make_training_request(rita, clean_room)
    training.decline(manager, first.id, now=NOW)
    second = make_training_request(rita, clean_room)
    training.grant(manager, second.id, now=NOW)
    assert outbox("training_granted") + outbox("training_declined") == []
