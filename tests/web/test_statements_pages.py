"""/manage/statements: what the user may download, with a month picker, and the CSV downloads."""

import html
from decimal import Decimal

import pytest

from booking.extensions import db
from tests.accounts_factories import log_in, make_network_admin, make_org_admin
from tests.approvals_factories import WED, confirmed_booking
from tests.booking_factories import rome
from tests.factories import make_organisation, make_resource, make_user


@pytest.fixture
def lab(app, frozen_now):
    return make_organisation(name="Lab", type="research_lab")


@pytest.fixture
def company(app):
    return make_organisation(name="Company", type="business")


@pytest.fixture
def rheometer(lab):
    return make_resource(lab, name="Rheometer", approval="none", rate_industry=Decimal("30"))


def statements_page(client, user=None, **args):
    if user is not None:
        log_in(client, user)
    response = client.get("/manage/statements", query_string=args)
    return response.status_code, html.unescape(response.get_data(as_text=True))


def test_the_page_needs_a_login(client, lab):
    response = client.get("/manage/statements")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_organisation_admin_sees_their_organisation_and_its_resources(
    client, lab, company, rheometer
):
    make_resource(company, name="Extruder")

    status, text = statements_page(client, make_org_admin(lab))

    assert status == 200
    assert f"/manage/statements/organisations/{lab.id}.csv?month=2026-12" in text
    assert f"/manage/statements/resources/{rheometer.id}.csv?month=2026-12" in text
    assert f"/organisations/{company.id}.csv" not in text
    assert "Extruder" not in text


def test_a_manager_sees_only_the_resources_they_manage(client, lab, rheometer):
    manager = make_user(make_organisation(name="Elsewhere"))
    rheometer.managers.append(manager)
    db.session.commit()

    _, text = statements_page(client, manager)

    assert f"/resources/{rheometer.id}.csv" in text
    assert "/organisations/" not in text.split('id="content"')[1].split("</main>")[0]


def test_a_network_admin_sees_every_organisation(client, lab, company):
    _, text = statements_page(client, make_network_admin(lab))
    assert f"/organisations/{lab.id}.csv" in text and f"/organisations/{company.id}.csv" in text


def test_the_month_picker_changes_the_links(client, lab):
    _, text = statements_page(client, make_org_admin(lab), month="2027-02")
    assert 'value="2027-02"' in text
    assert f"/organisations/{lab.id}.csv?month=2027-02" in text


def test_a_malformed_month_is_shown_next_to_the_picker(client, lab):
    status, text = statements_page(client, make_org_admin(lab), month="February")
    assert status == 422
    assert "Choose a month, written YYYY-MM." in text


def test_a_member_with_nothing_to_download_is_not_allowed(client, lab):
    status, _ = statements_page(client, make_user(lab))
    assert status == 403


def test_the_page_speaks_italian(client, lab):
    admin = make_org_admin(lab, locale="it")
    _, text = statements_page(client, admin)
    assert "Rendiconti mensili" in text and "Scarica il CSV" in text


def test_downloading_a_resources_statement(client, lab, company, rheometer):
    confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 10), make_user(company, name="Bob"))
    log_in(client, make_org_admin(lab))

    response = client.get(f"/manage/statements/resources/{rheometer.id}.csv?month=2026-12")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("booking_id,date,start,end,resource,organisation,requester,hours")
    assert lines[1].endswith(",Rheometer,Company,Bob,1.00,1,industry,30.00")
    assert lines[-1] == "total,,,,,,,1.00,,,30.00"


def test_downloading_an_organisations_statement(client, company, rheometer):
    confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 11), make_user(company))
    log_in(client, make_org_admin(company))

    response = client.get(f"/manage/statements/organisations/{company.id}.csv?month=2026-12")

    assert response.get_data(as_text=True).splitlines()[-1] == "total,,,,,,,2.00,,,60.00"


def test_a_member_may_not_download_another_organisations_statement(client, lab, company):
    log_in(client, make_user(lab))
    response = client.get(f"/manage/statements/organisations/{company.id}.csv?month=2026-12")
    assert response.status_code == 403


def test_an_admin_of_another_organisation_may_not_download_its_resources_statement(
    client, company, rheometer
):
    log_in(client, make_org_admin(company))
    response = client.get(f"/manage/statements/resources/{rheometer.id}.csv?month=2026-12")
    assert response.status_code == 403


def test_a_resource_the_user_may_not_see_is_not_found(client, lab, company):
    hidden = make_resource(lab, visibility="organisation")
    log_in(client, make_org_admin(company))
    response = client.get(f"/manage/statements/resources/{hidden.id}.csv?month=2026-12")
    assert response.status_code == 404


def test_a_download_without_a_good_month_goes_back_to_the_page_and_says_why(client, lab):
    log_in(client, make_org_admin(lab))

    response = client.get(
        f"/manage/statements/organisations/{lab.id}.csv?month=2026-13", follow_redirects=True
    )

    assert response.request.path == "/manage/statements"
    assert "Choose a month, written YYYY-MM." in response.get_data(as_text=True)
