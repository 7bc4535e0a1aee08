"""The training pages: asking with one click from a resource, and the managers' list where they
grant (with an optional expiry) or decline."""

from datetime import date

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import select

from booking.extensions import db
from booking.models import Qualification, TrainingRequest
from booking.services import training
from tests.booking_factories import NOW, make_worked_example_resource
from tests.catalogue_factories import log_in
from tests.factories import make_organisation, make_qualification, make_resource, make_user
from tests.requests_factories import make_training_request


@pytest.fixture
def manager(app, frozen_now):
    return make_user()


@pytest.fixture
def resource(manager):
    return make_worked_example_resource(
        organisation=manager.organisation, requires_qualification=True, managers=[manager]
    )


@pytest.fixture
def user(app):
    return make_user(make_organisation())


def text_of(response) -> str:
    return response.get_data(as_text=True)


def requests_of(user) -> list[TrainingRequest]:
    return list(
        db.session.execute(
            select(TrainingRequest).where(TrainingRequest.user_id == user.id)
        ).scalars()
    )


def qualification_of(user) -> Qualification | None:
    return db.session.execute(
        select(Qualification).where(Qualification.user_id == user.id)
    ).scalar_one_or_none()


def panel(app, user, resource) -> str:
    with app.test_request_context():
        login_user(user)
        return render_template("requests/_resource_panel.html", resource=resource)


# --- Asking -------------------------------------------------------------------------------------


def test_one_click_asks_the_managers_for_training(client, resource, user):
    log_in(client, user)
    response = client.post(f"/resources/{resource.id}/training")
    assert response.status_code == 302
    assert response.location == f"/resources/{resource.id}"
    (request,) = requests_of(user)
    assert request.status == "open"


def test_asking_is_confirmed_on_the_resource_page(client, resource, user):
    log_in(client, user)
    response = client.post(f"/resources/{resource.id}/training", follow_redirects=True)
    assert "Your request for training has been sent to the managers." in text_of(response)


def test_asking_twice_is_explained(client, resource, user):
    log_in(client, user)
    client.post(f"/resources/{resource.id}/training")
    response = client.post(f"/resources/{resource.id}/training", follow_redirects=True)
    assert "You have already asked for training on this resource." in text_of(response)
    assert len(requests_of(user)) == 1


def test_asking_about_a_resource_without_training_is_explained_in_italian(client, user):
    free = make_resource()
    log_in(client, user)
    response = client.post(
        f"/resources/{free.id}/training",
        headers={"Accept-Language": "it"},
        follow_redirects=True,
    )
    assert "Questa risorsa non richiede formazione." in text_of(response)


def test_asking_about_an_invisible_resource_is_not_found(client, user):
    hidden = make_resource(visibility="organisation", requires_qualification=True)
    log_in(client, user)
    assert client.post(f"/resources/{hidden.id}/training").status_code == 404


def test_asking_needs_a_login(client, resource):
    response = client.post(f"/resources/{resource.id}/training")
    assert response.status_code == 302
    assert "/login" in response.location


def test_my_requests_page_shows_the_training_requests(client, resource, user):
    make_training_request(user, resource)
    log_in(client, user)
    html = text_of(client.get("/trials"))
    assert resource.name in html and "Awaiting the managers" in html


# --- On the resource page -----------------------------------------------------------------------


def test_the_resource_panel_says_training_is_required_with_the_button(app, resource, user):
    html = panel(app, user, resource)
    assert "Training required" in html
    assert f'action="/resources/{resource.id}/training"' in html


def test_the_resource_panel_says_an_expired_qualification_must_be_renewed(app, resource, user):
    make_qualification(resource, user, expires_on=date(2026, 11, 30))
    assert "has expired" in panel(app, user, resource)


def test_the_resource_panel_says_the_request_was_sent(app, resource, user):
    make_training_request(user, resource)
    html = panel(app, user, resource)
    assert "You have asked the managers for training" in html
    assert "Ask for training" not in html


def test_the_resource_panel_says_nothing_to_the_qualified(app, resource, user):
    make_qualification(resource, user)
    assert panel(app, user, resource).strip() == ""


# --- Managers -----------------------------------------------------------------------------------


def test_managers_list_the_open_requests(client, resource, manager, user):
    make_training_request(user, resource, "I run a similar press.")
    log_in(client, manager)
    html = text_of(client.get("/manage/training"))
    assert user.name in html and "I run a similar press." in html
    assert "Grant" in html and "Decline" in html


def test_members_who_manage_nothing_see_no_requests(client, resource, user):
    make_training_request(user, resource)
    log_in(client, make_user())
    html = text_of(client.get("/manage/training"))
    assert "No open training requests for the resources you manage." in html


def test_granting_with_an_expiry_records_the_qualification(client, resource, manager, user):
    request = make_training_request(user, resource)
    log_in(client, manager)
    response = client.post(
        f"/manage/training/{request.id}/grant", data={"expires_on": "2027-06-30"}
    )
    assert response.status_code == 302
    assert qualification_of(user).expires_on == date(2027, 6, 30)
    html = text_of(client.get(response.location))
    assert f"{user.name} is now qualified on {resource.name}." in html
    assert "No open training requests for the resources you manage." in html


def test_granting_without_an_expiry(client, resource, manager, user):
    request = make_training_request(user, resource)
    log_in(client, manager)
    client.post(f"/manage/training/{request.id}/grant", data={"expires_on": ""})
    assert qualification_of(user).expires_on is None


def test_an_expiry_in_the_past_is_explained_and_nothing_is_granted(client, resource, manager, user):
    request = make_training_request(user, resource)
    log_in(client, manager)
    response = client.post(
        f"/manage/training/{request.id}/grant",
        data={"expires_on": "2026-11-01"},
        follow_redirects=True,
    )
    assert "Valid until: must not be in the past" in text_of(response)
    assert qualification_of(user) is None
    assert training.get_request(manager, request.id).status == "open"


def test_declining_closes_the_request(client, resource, manager, user):
    request = make_training_request(user, resource)
    log_in(client, manager)
    response = client.post(f"/manage/training/{request.id}/decline", follow_redirects=True)
    assert "The training request has been declined." in text_of(response)
    assert training.get_request(manager, request.id).status == "declined"


def test_the_requester_may_not_grant(client, resource, user):
    request = make_training_request(user, resource)
    log_in(client, user)
    assert client.post(f"/manage/training/{request.id}/grant", data={}).status_code == 403
    assert qualification_of(user) is None


def test_strangers_do_not_find_the_request(client, resource, user):
    request = make_training_request(user, resource)
    log_in(client, make_user())
    assert client.post(f"/manage/training/{request.id}/decline").status_code == 404


def test_a_handled_request_is_explained(client, resource, manager, user):
    request = make_training_request(user, resource)
    training.decline(manager, request.id, now=NOW)
    log_in(client, manager)
    response = client.post(f"/manage/training/{request.id}/grant", follow_redirects=True)
    assert "This training request has already been handled." in text_of(response)
