"""The monthly statements mail to organisation admins: last month's, once a month."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from booking.extensions import db
from booking.jobs.statements import send_statements
from booking.services.mailer import send_pending
from tests.booking_factories import book, rome
from tests.factories import make_organisation, make_resource, make_user
from tests.smtp import outbox

# Booked on 2 November for 4 November; the statements of November go out from 1 December.
BOOKED_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
DECEMBER_FIRST = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 December in Rome


@pytest.fixture
def network(app):
    """An owner with a priced resource and its admin; a client organisation with its admin and
    a member who booked the resource in November."""
    owner = make_organisation(name="Owner Lab")
    owner_admin = make_user(owner, name="Olga Owner", is_org_admin=True)
    resource = make_resource(owner, name="Rheometer", approval="none", rate_network=Decimal(40))
    client = make_organisation(name="Client Company")
    client_admin = make_user(client, name="Carlo Client", is_org_admin=True)
    member = make_user(client)
    book(member, resource, rome(2026, 11, 4, 9), rome(2026, 11, 4, 11), now=BOOKED_AT)
    return {
        "owner": owner,
        "owner_admin": owner_admin,
        "resource": resource,
        "client": client,
        "client_admin": client_admin,
    }


def statements() -> dict[int, str]:
    return {mail.recipient_id: mail.text_body for mail in outbox("statement")}


def test_each_organisation_admin_gets_last_months_statements(network):
    assert send_statements(DECEMBER_FIRST) == 2
    mails = statements()
    client_mail = mails[network["client_admin"].id]
    owner_mail = mails[network["owner_admin"].id]
    assert "Bookings made by Client Company" in client_mail
    assert "Bookings of Rheometer" not in client_mail
    assert "Bookings of Rheometer" in owner_mail
    assert "Bookings made by Owner Lab" not in owner_mail
    assert "1 booking, 2 hours" in owner_mail


def test_the_statements_go_out_once_a_month(network):
    send_statements(DECEMBER_FIRST)
    assert send_statements(DECEMBER_FIRST + timedelta(days=3)) == 0
    assert len(outbox("statement")) == 2


def test_a_month_without_bookings_sends_nothing(network):
    assert send_statements(datetime(2027, 1, 1, 8, tzinfo=UTC)) == 0
    assert outbox("statement") == []


def test_plain_members_get_no_statement(network):
    send_statements(DECEMBER_FIRST)
    assert set(statements()) == {network["client_admin"].id, network["owner_admin"].id}


def test_the_statement_arrives_with_links_to_the_csv(network, smtp_server):
    admin = network["client_admin"]
    admin.locale = "it"
    db.session.commit()
    send_statements(DECEMBER_FIRST)
    send_pending(DECEMBER_FIRST)
    (received,) = [r for r in smtp_server.received if admin.email in r.recipients]
    assert received.message["Subject"] == "Rendiconti di novembre 2026"
    client_id = network["client"].id
    assert (
        f"http://localhost/manage/statements/organisations/{client_id}.csv?month=2026-11"
        in received.text
    )
    assert "Prenotazioni fatte da Client Company" in received.html
    assert "2 ore" in received.text
