"""Whatever a browser (or someone posing as one) sends to the pages is answered with a form error
or a 4xx page, never a 5xx, on both databases: a NUL in a form field is a form error next to the
field, a NUL in the address or an id beyond the database names no page, and other numbers in a
query only narrow nothing."""

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Organisation, Resource, TrainingRequest
from booking.web.forms import UNSTORABLE
from tests.accounts_factories import log_in, make_network_admin
from tests.booking_factories import book, make_worked_example_resource, rome
from tests.factories import make_organisation, make_user
from tests.requests_factories import make_pilot, make_training_request, make_trial

NUL = "Lab\x00"
HUGE = 99_999_999_999


@dataclass
class Site:
    """A logged-in network admin who manages an instrument, a pilot installation with a trial
    request on it, and a resource needing training; someone else's pending booking awaits them."""

    ids: dict[str, int]

    def path(self, template: str) -> str:
        return template.format(**self.ids)


@pytest.fixture
def site(client, frozen_now) -> Site:
    organisation = make_organisation()
    admin = make_network_admin(organisation)
    resource = make_worked_example_resource(organisation=organisation, managers=[admin])
    pilot = make_pilot(organisation=organisation, managers=[admin])
    requester = make_user(make_organisation(type="business"))
    approved = make_worked_example_resource(
        organisation=organisation, managers=[admin], approval="always"
    )
    pending = book(requester, approved, rome(2026, 12, 2, 9), rome(2026, 12, 2, 10)).bookings[0]
    trained = make_worked_example_resource(
        organisation=organisation, managers=[admin], requires_qualification=True
    )
    elsewhere = make_worked_example_resource(requires_qualification=True)
    ids = {
        "organisation": organisation.id,
        "admin": admin.id,
        "resource": resource.id,
        "pilot": pilot.id,
        "trial": make_trial(requester, pilot).id,
        "pending": pending.id,
        "training": make_training_request(requester, trained).id,
        "elsewhere": elsewhere.id,
    }
    log_in(client, admin)
    return Site(ids)


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _shown(response) -> str:
    """The page's text, with the entities that Jinja escapes read back."""
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


# --- Form fields ---------------------------------------------------------------------------------

FORM_FIELDS = [
    ("/profile", "profile-name"),
    ("/profile/password", "password-new_password"),
    ("/admin/organisations/new", "name"),
    ("/admin/organisations/{organisation}", "description"),
    ("/admin/users/new", "email"),
    ("/admin/users/{admin}", "name"),
    ("/manage/resources/new", "name"),
    ("/manage/resources/{resource}/edit", "specs"),
    ("/manage/resources/{resource}/opening-hours", "mon"),
    ("/manage/resources/{resource}/blackouts", "reason"),
    ("/manage/resources/{resource}/qualifications", "email"),
    ("/resources/{resource}/book", "title"),
    ("/resources/{resource}/book", "purpose"),
    ("/resources/{pilot}/trial", "description"),
    ("/trials/{trial}/decline", "reason"),
]


@pytest.mark.parametrize(("path", "field"), FORM_FIELDS)
def test_a_nul_in_a_form_field_is_a_form_error(client, site, path, field):
    response = client.post(site.path(path), data={field: NUL})
    assert response.status_code in (200, 422)
    assert str(UNSTORABLE) in _shown(response)


# Forms of a single field that answer by a message on the page they lead back to.
FLASHED_FIELDS = [
    ("/manage/approvals/{pending}/reject", "reason"),
    ("/manage/approvals/{pending}/approve", "reason"),
    ("/resources/{elsewhere}/training", "message"),
    ("/manage/training/{training}/grant", "expires_on"),
]


@pytest.mark.parametrize(("path", "field"), FLASHED_FIELDS)
def test_a_nul_in_a_one_field_form_is_said_on_the_next_page(client, site, path, field):
    response = client.post(site.path(path), data={field: NUL}, follow_redirects=True)
    assert response.status_code == 200
    assert str(UNSTORABLE) in _shown(response)


def test_a_nul_in_the_login_email_is_a_form_error(client, app):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "secret"})
    assert response.status_code == 200
    assert str(UNSTORABLE) in _shown(response)


def test_a_refused_form_writes_nothing(client, site):
    before = _count(Organisation), _count(Resource), _count(TrainingRequest)
    client.post("/admin/organisations/new", data={"name": NUL, "type": "university", "city": "Bo"})
    client.post("/manage/resources/new", data={"name": NUL, "kind": "instrument"})
    client.post(site.path("/resources/{elsewhere}/training"), data={"message": NUL})
    assert (_count(Organisation), _count(Resource), _count(TrainingRequest)) == before


# --- The address ----------------------------------------------------------------------------------

NUL_ADDRESSES = [
    "/?q=%00",
    "/?city=Bo%00logna",
    "/organisations/%00",
    "/organisations?page=1%00",
    "/admin/users?q=%00",
    "/admin/organisations?q=a%00",
    "/calendar/a%00b.ics",
    "/calendar/resources/{resource}.ics?token=%00",
    "/find?q=%00&start_date=2026-12-02",
    "/resources/{resource}/book?date=%00",
    "/resources/{resource}/week?start=2026-12-0%00",
    "/manage/statements?month=2026-1%00",
    "/login?next=/%00",
]


@pytest.mark.parametrize("path", NUL_ADDRESSES)
def test_a_nul_in_the_address_names_no_page(client, site, path):
    response = client.get(site.path(path))
    assert response.status_code == 404
    assert "There is nothing here" in _shown(response)


@pytest.mark.parametrize("path", ["/admin/users/{}", "/manage/resources/{}/edit", "/trials/{}"])
@pytest.mark.parametrize("written", [HUGE, 2**63 + 1, "²"])
def test_an_impossible_id_in_the_address_names_no_page(client, site, path, written):
    response = client.get(path.format(written))
    assert response.status_code == 404
    assert "There is nothing here" in _shown(response)


@pytest.mark.parametrize(
    "path",
    [
        f"/admin/users?organisation={HUGE}",
        "/admin/users?organisation=²",
        f"/?cluster={HUGE}",
        "/?cluster=²",
        "/?organisation=²",
        f"/?value_chain={2**63 + 1}",
        f"/?page={HUGE}",
        "/organisations?page=²",
        f"/manage/approvals?page={HUGE}",
    ],
)
def test_an_impossible_number_in_a_query_narrows_nothing(client, site, path):
    assert client.get(path).status_code == 200


# --- Methods and sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/organisations", {"GET", "HEAD", "OPTIONS"}),
        ("DELETE", "/resources/{resource}", {"GET", "HEAD", "OPTIONS"}),
        ("PUT", "/login", {"GET", "HEAD", "OPTIONS", "POST"}),
    ],
)
def test_a_wrong_method_is_answered_405_with_the_allowed_ones(client, site, method, path, allowed):
    response = client.open(site.path(path), method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert "text/html" in response.content_type


def test_a_form_over_one_mebibyte_is_refused_unread(client, app):
    response = client.post("/login", data={"email": "a" * (1024 * 1024), "password": "x"})
    assert response.status_code == 413


def test_a_last_search_day_that_is_no_date_is_a_form_error(client, site):
    response = client.get("/find?start_date=2026-12-02&end_date=2026-13-45&hours=1")
    assert response.status_code == 422
    assert "Not a valid date value" in _shown(response)


def test_a_link_to_the_booking_form_with_no_date_leaves_it_out(client, site):
    response = client.get(site.path("/resources/{resource}/book?date=9999-99-99&start=99:99"))
    assert response.status_code == 200


def test_a_last_day_that_is_no_date_is_a_form_error(client, site):
    data = {"date": "2026-12-02", "start": "09:00", "end": "10:00", "title": "Run"}
    data |= {"quantity": "1", "repeat": "daily", "ends": "until", "until": "2026-12-99"}
    response = client.post(site.path("/resources/{resource}/book"), data=data)
    assert response.status_code == 422
    assert "Not a valid date value" in _shown(response)


def test_the_number_of_times_in_other_digits_is_a_form_error(client, site):
    data = {"date": "2026-12-02", "start": "09:00", "end": "10:00", "title": "Run"}
    data |= {"quantity": "1", "repeat": "daily", "ends": "count", "count": "²"}
    response = client.post(site.path("/resources/{resource}/book"), data=data)
    assert response.status_code == 422
    assert re.search(r"Not a valid integer value", _shown(response))
