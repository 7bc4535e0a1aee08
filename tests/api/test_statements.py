"""GET /api/v1/statements/organisations/{id} and /resources/{id}?month=YYYY-MM: CSV for the
organisation's admins, the resource's managers and network admins."""

import csv
import io
from decimal import Decimal

import pytest

from tests.accounts_factories import assert_problem, make_network_admin, make_org_admin
from tests.approvals_factories import WED, confirmed_booking
from tests.booking_factories import rome
from tests.factories import make_organisation, make_resource, make_user, token_for


@pytest.fixture
def lab(app, frozen_now):
    return make_organisation(name="Lab", type="research_lab")


@pytest.fixture
def company(app):
    return make_organisation(name="Company", type="business")


@pytest.fixture
def manager(lab):
    return make_user(lab, name="Marta")


@pytest.fixture
def rheometer(lab, manager):
    return make_resource(
        lab,
        name="Rheometer",
        approval="none",
        managers=[manager],
        rate_internal=Decimal("10"),
        rate_industry=Decimal("40.5"),
    )


@pytest.fixture
def bookings(rheometer, company, lab):
    bob = make_user(company, name="Bob")
    confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 11), bob)
    confirmed_booking(rheometer, rome(*WED, 13), rome(*WED, 13, 30), bob)
    confirmed_booking(rheometer, rome(*WED, 15), rome(*WED, 16), make_user(lab, name="Lia"))


def get(client, user, path, month="2026-12"):
    query = {} if month is None else {"month": month}
    return client.get(
        f"/api/v1/statements/{path}", query_string=query, headers=token_for(client, user)
    )


def table(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_an_organisation_admin_downloads_their_organisations_statement(client, company, bookings):
    response = get(client, make_org_admin(company), f"organisations/{company.id}")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="statement-organisation-{company.id}-2026-12.csv"'
    )
    rows = table(response)
    assert [(r["requester"], r["hours"], r["price_estimate_eur"]) for r in rows] == [
        ("Bob", "2.00", "81.00"),
        ("Bob", "0.50", "20.25"),
        ("", "2.50", "101.25"),
    ]
    assert rows[-1]["booking_id"] == "total"


def test_a_manager_downloads_the_resources_statement_of_every_organisation(
    client, manager, rheometer, bookings
):
    rows = table(get(client, manager, f"resources/{rheometer.id}"))

    assert [(r["organisation"], r["rate_category"], r["price_estimate_eur"]) for r in rows] == [
        ("Company", "industry", "81.00"),
        ("Company", "industry", "20.25"),
        ("Lab", "internal", "10.00"),
        ("", "", "111.25"),
    ]


def test_another_month_is_empty_but_for_its_total(client, manager, rheometer, bookings):
    rows = table(get(client, manager, f"resources/{rheometer.id}", month="2027-01"))
    assert [(r["booking_id"], r["price_estimate_eur"]) for r in rows] == [("total", "0.00")]


def test_a_network_admin_downloads_any_statement(client, company, rheometer, bookings):
    admin = make_network_admin()
    assert get(client, admin, f"organisations/{company.id}").status_code == 200
    assert get(client, admin, f"resources/{rheometer.id}").status_code == 200


def test_a_member_may_not_download_another_organisations_statement(client, lab, company):
    assert_problem(get(client, make_user(lab), f"organisations/{company.id}"), 403)


def test_a_member_may_not_download_their_own_organisations_statement(client, company):
    assert_problem(get(client, make_user(company), f"organisations/{company.id}"), 403)


def test_an_admin_of_another_organisation_may_not_download_it(client, lab, company):
    assert_problem(get(client, make_org_admin(lab), f"organisations/{company.id}"), 403)


def test_an_organisation_admin_downloads_their_organisations_resource(client, lab, rheometer):
    assert get(client, make_org_admin(lab), f"resources/{rheometer.id}").status_code == 200


def test_a_manager_of_another_resource_may_not_download_this_ones(client, rheometer):
    other_manager = make_user()
    make_resource(other_manager.organisation, managers=[other_manager])
    assert_problem(get(client, other_manager, f"resources/{rheometer.id}"), 403)


def test_a_resource_the_caller_may_not_see_is_not_found(client, lab, company):
    hidden = make_resource(lab, visibility="organisation")
    assert_problem(get(client, make_org_admin(company), f"resources/{hidden.id}"), 404)


def test_unknown_or_impossible_ids_are_not_found(client, lab):
    admin = make_network_admin()
    for path in ("organisations/999999", "resources/999999", f"organisations/{2**40}"):
        assert_problem(get(client, admin, path), 404)


@pytest.mark.parametrize("month", [None, "", "2026-13", "December", "2026-12-01"])
def test_a_missing_or_malformed_month_is_invalid(client, company, month):
    response = get(client, make_org_admin(company), f"organisations/{company.id}", month=month)
    assert "month" in assert_problem(response, 422)["errors"]


def test_statements_need_a_token(client, company):
    response = client.get(f"/api/v1/statements/organisations/{company.id}?month=2026-12")
    assert_problem(response, 401)


def test_names_arrive_in_utf_8(client, manager, rheometer):
    university = make_organisation(name="Università di Ferrara", type="university")
    confirmed_booking(
        rheometer, rome(*WED, 9), rome(*WED, 10), make_user(university, name="Nicolò")
    )

    response = get(client, manager, f"resources/{rheometer.id}")

    assert "Università di Ferrara,Nicolò" in response.get_data().decode("utf-8")
