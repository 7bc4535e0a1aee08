"""The daily digest of requests awaiting a decision: one mail per manager, once a day."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.jobs.digest import send_digests
from booking.models import JobRun
from booking.services.mailer import send_pending
from booking.services.notify import update_preferences
from tests.booking_factories import NOW, book, rome
from tests.concurrency import at_once
from tests.factories import make_organisation, make_resource, make_user
from tests.smtp import outbox

# 08:00 UTC is 09:00 in Rome: after the digest hour (07:00 local).
MORNING = NOW
WED = (2026, 12, 2)


@pytest.fixture
def manager(app):
    return make_user(name="Marta Manager")


def requests_on(resource, count: int) -> list[int]:
    requester = make_user(make_organisation(), name="Rita Requester")
    return [
        book(requester, resource, rome(*WED, 9 + n), rome(*WED, 10 + n)).bookings[0].id
        for n in range(count)
    ]


def digests() -> list:
    return outbox("digest")


def test_each_manager_gets_one_digest_of_their_pending_requests(manager):
    other_manager = make_user(name="Otto Manager")
    mine = make_resource(manager.organisation, name="Lathe", approval="always", managers=[manager])
    theirs = make_resource(
        other_manager.organisation, name="Press", approval="always", managers=[other_manager]
    )
    requests_on(mine, 2)
    requests_on(theirs, 1)
    assert send_digests(MORNING) == 2
    by_recipient = {mail.recipient_id: mail for mail in digests()}
    assert set(by_recipient) == {manager.id, other_manager.id}
    assert by_recipient[manager.id].subject == "2 requests await your decision"
    assert "Lathe" in by_recipient[manager.id].text_body
    assert "Press" not in by_recipient[manager.id].text_body
    assert by_recipient[other_manager.id].subject == "1 request awaits your decision"


def test_the_digest_run_twice_the_same_day_sends_once(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    requests_on(resource, 1)
    assert send_digests(MORNING) == 1
    assert send_digests(MORNING + timedelta(hours=3)) == 0
    assert len(digests()) == 1


def test_the_next_day_brings_a_new_digest(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    requests_on(resource, 1)
    send_digests(MORNING - timedelta(days=1))
    send_digests(MORNING)
    assert len(digests()) == 2


def test_no_digest_before_the_digest_hour_and_the_day_is_not_used_up(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    requests_on(resource, 1)
    early = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)  # 06:30 in Rome
    assert send_digests(early) == 0
    assert db.session.execute(select(JobRun)).first() is None
    assert send_digests(MORNING) == 1


def test_managers_without_pending_requests_get_no_digest(manager):
    resource = make_resource(manager.organisation, approval="none", managers=[manager])
    book(make_user(), resource, rome(*WED, 9), rome(*WED, 10))
    assert send_digests(MORNING) == 0
    assert digests() == []


def test_requests_that_have_started_are_left_out(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    requests_on(resource, 1)
    assert send_digests(rome(*WED, 9, 30)) == 0


def test_a_manager_who_turned_the_digest_off_gets_none(manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    requests_on(resource, 1)
    update_preferences(manager, {"digest": False})
    assert send_digests(MORNING) == 0


def test_two_schedulers_racing_for_the_digest_send_it_once(app, manager):
    resource = make_resource(manager.organisation, approval="always", managers=[manager])
    requests_on(resource, 2)
    db.session.remove()
    counts = at_once(app, *[lambda: send_digests(MORNING)] * 4)
    assert sorted(counts) == [0, 0, 0, 1]
    assert len(digests()) == 1


def test_the_digest_arrives_in_the_managers_language_with_links(manager, smtp_server):
    manager.locale = "it"
    db.session.commit()
    resource = make_resource(
        manager.organisation, name="Tornio", approval="always", managers=[manager]
    )
    (request_id,) = requests_on(resource, 1)
    send_digests(MORNING)
    send_pending(MORNING)
    # The manager also got the request's own mail when it came in.
    (received,) = [r for r in smtp_server.to(manager.email) if not r.calendars]
    assert received.message["Subject"] == "1 richiesta attende la tua decisione"
    assert "Rita Requester" in received.text
    assert "mercoledì 2 dicembre 2026, 09:00–10:00 (Europe/Rome)" in received.text
    assert f'href="http://localhost/bookings/{request_id}"' in received.html
