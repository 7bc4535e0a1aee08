"""The managers' approval queue: pending requests in start order with their conflicts and
competitors, decided in one click, every outcome said in words."""

import html
import re
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_login import login_user

from booking.extensions import db
from booking.services.approvals import approve, reject
from booking.services.booking import BookingChange, update_booking
from tests.accounts_factories import log_in, make_network_admin, make_org_admin
from tests.approvals_factories import (
    WED,
    managed_resource,
    outsider,
    pending_request,
    status_of,
)
from tests.booking_factories import NOW, book, rome
from tests.factories import make_blackout, make_organisation, make_resource, make_user


@pytest.fixture
def manager(app, frozen_now):
    return make_user(name="Marta Manager")


@pytest.fixture
def resource(manager):
    return managed_resource(manager, name="Rheometer", rate_industry=Decimal("40"))


def requester(name: str, organisation: str):
    return make_user(make_organisation(name=organisation, type="business"), name=name)


def page(client, user=None) -> str:
    if user is not None:
        log_in(client, user)
    response = client.get("/manage/approvals")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def decide(client, booking, action, **form):
    response = client.post(
        f"/manage/approvals/{booking.id}/{action}", data=form, follow_redirects=True
    )
    return response.status_code, html.unescape(response.get_data(as_text=True))


# -- the list -----------------------------------------------------------------------------------


def test_the_queue_needs_a_login(client, resource):
    response = client.get("/manage/approvals")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_pending_requests_are_listed_in_start_order_with_what_a_manager_needs(
    client, manager, resource
):
    pending_request(
        resource,
        rome(*WED, 14),
        rome(*WED, 15),
        requester=requester("Bruno", "Acme Srl"),
        title="Afternoon run",
    )
    pending_request(
        resource,
        rome(*WED, 9),
        rome(*WED, 10, 30),
        requester=requester("Carla", "Beta Spa"),
        title="Morning run",
        purpose="Viscosity of a new polymer",
    )

    text = page(client, manager)

    assert text.index("Morning run") < text.index("Afternoon run")
    for expected in (
        "Carla · Beta Spa",
        "Rheometer",
        "09:00–10:30",
        "Europe/Rome",
        "Viscosity of a new polymer",
        "€60.00",
        "None: every rule allows it now.",
        'name="csrf_token"',
        'name="reason"',
    ):
        assert expected in text, expected


def test_a_request_shows_what_would_refuse_its_approval(client, manager, resource):
    pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    make_blackout(resource, rome(*WED, 0), rome(*WED, 23), reason="Flood")

    text = page(client, manager)

    assert "Approving it now would break these rules:" in text
    assert "The resource is unavailable then: Flood." in text


def test_a_request_shows_the_competing_requests_that_overlap_it(client, manager, resource):
    pending_request(resource, rome(*WED, 9), rome(*WED, 10), requester=requester("Ugo", "Uno"))
    pending_request(resource, rome(*WED, 9, 30), rome(*WED, 11), requester=requester("Dea", "Due"))
    pending_request(resource, rome(*WED, 15), rome(*WED, 16), requester=requester("Teo", "Tre"))

    text = page(client, manager)

    first, second, third = text.split('class="card approval"')[1:]
    assert "Dea · Due" in first and "Teo" not in first
    assert "Ugo · Uno" in second
    assert "Competing requests" in third and "Ugo" not in third and "Dea" not in third


def test_a_competitor_on_a_joint_lab_the_manager_does_not_manage_stays_anonymous(client, manager):
    lab = make_resource(kind="joint_lab", approval="always", managers=[make_user()])
    instrument = managed_resource(manager, parent_id=lab.id)
    pending_request(instrument, rome(*WED, 9), rome(*WED, 10))
    pending_request(lab, rome(*WED, 8), rome(*WED, 12), requester=requester("Zeno", "Zeta"))

    text = page(client, manager)

    assert "Another request" in text
    assert "Zeno" not in text


def test_requests_on_other_resources_are_not_in_the_queue(client, manager, resource):
    elsewhere = make_resource(approval="always")
    pending_request(elsewhere, rome(*WED, 9), rome(*WED, 10), title="Not yours")

    text = page(client, manager)

    assert "Not yours" not in text
    assert "No request awaits your decision." in text


def test_decided_and_ended_requests_are_not_in_the_queue(client, manager, resource, frozen_now):
    decided = pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="Decided")
    pending_request(resource, rome(*WED, 11), rome(*WED, 12), title="Ended run")
    pending_request(resource, rome(*WED, 13), rome(*WED, 14), title="Still open")
    log_in(client, manager)
    decide(client, decided, "reject")
    frozen_now(rome(*WED, 12, 30))

    text = page(client)

    assert "Decided" not in text and "Ended run" not in text
    assert "Still open" in text


def test_the_organisations_admin_sees_its_resources_requests(client, resource):
    pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="For the admin")
    assert "For the admin" in page(client, make_org_admin(resource.organisation))


def test_a_network_admin_sees_every_request(client, resource):
    pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="For the network")
    assert "For the network" in page(client, make_network_admin())


def test_a_member_who_manages_nothing_has_no_queue(client, resource):
    log_in(client, make_user(resource.organisation))
    assert client.get("/manage/approvals").status_code == 403


def test_the_queue_speaks_italian(client, manager, resource):
    manager.locale = "it"
    db.session.commit()
    pending_request(resource, rome(*WED, 9), rome(*WED, 10))

    text = page(client, manager)

    assert "Richieste in attesa di approvazione" in text
    assert ">Approva</button>" in text and ">Rifiuta</button>" in text
    assert "Nessuna richiesta concorrente." in text


# -- deciding -----------------------------------------------------------------------------------


def test_approving_confirms_and_names_the_requests_turned_away(client, manager, resource):
    chosen = pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="Chosen")
    loser = pending_request(
        resource, rome(*WED, 9, 30), rome(*WED, 10, 30), requester=requester("Lena", "Elle")
    )
    log_in(client, manager)

    status, text = decide(client, chosen, "approve")

    assert status == 200
    assert "Approved: Chosen, Wed 2 Dec 2026, 09:00–10:00" in text
    assert (
        "1 competing request no longer fits and was rejected as the slot is taken: "
        "Lena (Wed 2 Dec 2026, 09:30–10:30)." in text
    )
    assert status_of(chosen.id) == ("confirmed", "")
    assert status_of(loser.id) == ("rejected", "slot_taken")


def test_rejecting_keeps_the_reason_typed_next_to_the_button(client, manager, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="Too long")
    log_in(client, manager)

    _, text = decide(client, booking, "reject", reason="Reserved for a course")

    assert "Rejected: Too long, Wed 2 Dec 2026, 09:00–10:00" in text
    assert status_of(booking.id) == ("rejected", "Reserved for a course")


def test_an_approval_the_rules_refuse_is_explained(client, manager, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="Flooded")
    make_blackout(resource, rome(*WED, 0), rome(*WED, 23), reason="Flood")
    log_in(client, manager)

    _, text = decide(client, booking, "approve")

    assert "Flooded (Wed 2 Dec 2026, 09:00–10:00, requested by" in text
    assert "cannot be approved: The resource is unavailable then: Flood." in text
    assert status_of(booking.id) == ("pending", "")


def test_deciding_a_request_already_decided_says_so(client, manager, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10), title="Twice")
    log_in(client, manager)
    decide(client, booking, "approve")

    _, text = decide(client, booking, "reject")

    assert "has already been decided; it is no longer in the queue." in text
    assert status_of(booking.id) == ("confirmed", "")


def test_a_reason_too_long_is_refused_with_a_message(client, manager, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    log_in(client, manager)

    _, text = decide(client, booking, "reject", reason="x" * 501)

    assert "The reason is too long: at most 500 characters." in text
    assert status_of(booking.id) == ("pending", "")


def test_the_requester_may_not_decide_their_own_request(client, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    log_in(client, booking.requester)
    assert decide(client, booking, "approve")[0] == 403
    assert decide(client, booking, "reject")[0] == 403
    assert status_of(booking.id) == ("pending", "")


def test_a_manager_of_another_resource_cannot_find_the_request(client, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    other_manager = make_user()
    managed_resource(other_manager)
    log_in(client, other_manager)
    assert decide(client, booking, "approve")[0] == 404
    assert decide(client, booking, "reject")[0] == 404


def test_a_stranger_cannot_find_the_request(client, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    log_in(client, outsider())
    assert decide(client, booking, "approve")[0] == 404


# -- pieces that other pages include ------------------------------------------------------------


def render_piece(app, user, template: str, **context) -> str:
    """The text of a partial as a page that includes it shows it to the logged-in `user`."""
    with app.test_request_context():
        login_user(user)
        markup = render_template_string(f'{{% include "{template}" %}}', **context)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_a_bookings_history_reads_as_what_happened(app, manager, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    update_booking(
        booking.requester,
        booking.id,
        BookingChange(start=rome(*WED, 11), end=rome(*WED, 12)),
        now=NOW,
    )
    reject(manager, booking.id, now=NOW, reason="Reserved for a course")

    text = render_piece(app, booking.requester, "approvals/_history.html", booking=booking)

    assert "Created · Tue 1 Dec 2026, 09:00" in text
    assert "Moved · Tue 1 Dec 2026, 09:00" in text
    assert "from Wed 2 Dec 2026, 09:00–10:00 to Wed 2 Dec 2026, 11:00–12:00" in text
    assert "Rejected · Tue 1 Dec 2026, 09:00 · Marta Manager" in text
    assert "Reason: Reserved for a course" in text


def test_a_request_turned_away_says_why_without_a_code(app, manager, resource):
    loser = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    approve(manager, pending_request(resource, rome(*WED, 9), rome(*WED, 10)).id, now=NOW)

    text = render_piece(app, loser.requester, "approvals/_history.html", booking=loser)

    assert "Rejected: another request was approved for this time" in text
    assert "slot_taken" not in text


def test_another_member_sees_no_history(app, resource):
    booking = pending_request(resource, rome(*WED, 9), rome(*WED, 10))
    colleague = make_user(booking.requester.organisation)
    assert render_piece(app, colleague, "approvals/_history.html", booking=booking) == ""


def test_the_quota_piece_says_what_remains_this_month(app, manager):
    resource = managed_resource(manager, approval="none", monthly_quota_hours=10)
    guest = outsider(locale="it")
    book(guest, resource, rome(*WED, 9), rome(*WED, 11, 30))

    text = render_piece(app, guest, "approvals/_quota.html", resource=resource)

    assert "2,5 ore usate su 10 a dicembre 2026; ne restano 7,5." in text


def test_the_quota_piece_says_when_the_quota_is_used_up(app, manager):
    resource = managed_resource(manager, approval="none", monthly_quota_hours=2)
    guest = outsider()
    book(guest, resource, rome(*WED, 9), rome(*WED, 11))

    text = render_piece(app, guest, "approvals/_quota.html", resource=resource)

    assert "has used its whole monthly quota of 2 hours on this resource for December 2026" in text


def test_the_quota_piece_is_empty_for_the_owners(app, manager):
    resource = managed_resource(manager, monthly_quota_hours=10)
    assert render_piece(app, manager, "approvals/_quota.html", resource=resource) == ""
