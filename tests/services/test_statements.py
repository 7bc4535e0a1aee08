"""Monthly statements: which bookings they list, how they add up, who may read them."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.extensions import db
from booking.services.booking import cancel_booking
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.statements import (
    organisation_statement,
    parse_month,
    resource_statement,
    statement_subjects,
    to_csv,
)
from tests.accounts_factories import make_network_admin, make_org_admin
from tests.approvals_factories import WED, confirmed_booking, pending_request
from tests.booking_factories import NOW, rome
from tests.factories import make_holiday_opening, make_organisation, make_resource, make_user

DECEMBER = date(2026, 12, 1)
RATES = dict(
    rate_internal=Decimal("10.00"),
    rate_network=Decimal("20.00"),
    rate_academic=Decimal("30.00"),
    rate_industry=Decimal("50.00"),
)


@pytest.fixture
def lab(app):
    return make_organisation(name="Lab", type="research_lab")


@pytest.fixture
def company(app):
    return make_organisation(name="Company", type="business")


@pytest.fixture
def rheometer(lab):
    return make_resource(lab, name="Rheometer", approval="none", **RATES)


@pytest.fixture
def bob(company):
    return make_user(company, name="Bob")


@pytest.fixture
def admin_of_company(company):
    return make_org_admin(company)


def rows(statement) -> list[tuple]:
    return [(line.resource, line.requester, line.hours, line.price) for line in statement.lines]


def test_an_organisations_statement_lists_its_bookings_on_every_resource(
    lab, rheometer, bob, admin_of_company
):
    other = make_resource(make_organisation(), name="Extruder", approval="none", **RATES)
    confirmed_booking(other, rome(2026, 12, 3, 9), rome(2026, 12, 3, 10), bob)
    confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 11, 30), bob)
    confirmed_booking(rheometer, rome(*WED, 14), rome(*WED, 15), make_user(lab))

    statement = organisation_statement(admin_of_company, bob.organisation_id, DECEMBER)

    assert rows(statement) == [
        ("Rheometer", "Bob", Decimal("2.50"), Decimal("125.00")),
        ("Extruder", "Bob", Decimal("1.00"), Decimal("50.00")),
    ]
    assert (statement.total_hours, statement.total_price) == (Decimal("3.50"), Decimal("175.00"))


def test_a_resources_statement_lists_every_organisations_bookings(lab, rheometer, bob):
    manager = make_user(lab)
    rheometer.managers.append(manager)
    db.session.commit()
    academic = make_user(make_organisation(type="university"), name="Ada")
    confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 10), bob)
    confirmed_booking(rheometer, rome(*WED, 10), rome(*WED, 12), academic)
    confirmed_booking(rheometer, rome(*WED, 12), rome(*WED, 13), manager)

    statement = resource_statement(manager, rheometer.id, DECEMBER)

    assert [(line.organisation, line.rate_category, line.price) for line in statement.lines] == [
        ("Company", "industry", Decimal("50.00")),
        (academic.organisation.name, "academic", Decimal("60.00")),
        ("Lab", "internal", Decimal("10.00")),
    ]
    assert statement.total_price == Decimal("120.00")


def test_pending_and_cancelled_bookings_are_left_out(lab, rheometer, bob, admin_of_company):
    waiting = make_resource(lab, approval="always", **RATES)
    pending_request(waiting, rome(*WED, 9), rome(*WED, 10), requester=bob)
    cancelled = confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 10), bob)
    cancel_booking(bob, cancelled.id, now=NOW)

    assert organisation_statement(admin_of_company, bob.organisation_id, DECEMBER).lines == []


def test_the_price_is_the_one_estimated_when_booking(rheometer, bob, admin_of_company):
    confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 10), bob)
    rheometer.rate_industry = Decimal("99.00")
    db.session.commit()

    statement = organisation_statement(admin_of_company, bob.organisation_id, DECEMBER)

    assert statement.total_price == Decimal("50.00")


def test_the_quantity_is_listed_and_priced(lab, bob, admin_of_company):
    oven = make_resource(lab, approval="none", capacity=4, **RATES)
    confirmed_booking(oven, rome(*WED, 9), rome(*WED, 10), bob, quantity=3)

    (line,) = organisation_statement(admin_of_company, bob.organisation_id, DECEMBER).lines

    assert (line.hours, line.quantity, line.price) == (Decimal("1.00"), 3, Decimal("150.00"))


def test_free_bookings_cost_nothing(lab, bob, admin_of_company):
    free = make_resource(lab, approval="none")
    confirmed_booking(free, rome(*WED, 9), rome(*WED, 10), bob)

    statement = organisation_statement(admin_of_company, bob.organisation_id, DECEMBER)

    assert [line.price for line in statement.lines] == [Decimal("0.00")]


def test_a_booking_belongs_to_the_month_it_starts_in_rome(rheometer, bob, admin_of_company):
    earlier = datetime(2026, 11, 1, tzinfo=UTC)
    # 00:30 on 1 December in Rome is 23:30 on 30 November in UTC; 00:30 on 1 January is 2026 UTC.
    make_holiday_opening(rheometer, date(2027, 1, 1))
    first = confirmed_booking(
        rheometer, rome(2026, 12, 1, 0, 30), rome(2026, 12, 1, 1), bob, now=earlier
    )
    confirmed_booking(rheometer, rome(2027, 1, 1, 0, 30), rome(2027, 1, 1, 1), bob, now=earlier)

    december = organisation_statement(admin_of_company, bob.organisation_id, DECEMBER)
    november = organisation_statement(admin_of_company, bob.organisation_id, date(2026, 11, 1))
    january = organisation_statement(admin_of_company, bob.organisation_id, date(2027, 1, 1))

    assert [line.booking_id for line in december.lines] == [first.id]
    assert november.lines == []
    assert len(january.lines) == 1


def test_a_resource_elsewhere_is_reckoned_in_its_own_zone(lab, bob, admin_of_company):
    new_york = ZoneInfo("America/New_York")
    remote = make_resource(lab, approval="none", timezone="America/New_York", **RATES)
    # 20:00 on 31 December in New York is already 2027 in UTC and in Rome.
    confirmed_booking(
        remote,
        datetime(2026, 12, 31, 20, tzinfo=new_york),
        datetime(2026, 12, 31, 21, tzinfo=new_york),
        bob,
    )

    (line,) = organisation_statement(admin_of_company, bob.organisation_id, DECEMBER).lines

    assert line.start.isoformat() == "2026-12-31T20:00:00-05:00"


def test_the_csv_has_a_header_a_row_per_booking_and_a_total(rheometer, bob, admin_of_company):
    booking = confirmed_booking(rheometer, rome(*WED, 9), rome(*WED, 11, 30), bob)
    confirmed_booking(rheometer, rome(*WED, 14), rome(*WED, 14, 45), bob)

    text = to_csv(organisation_statement(admin_of_company, bob.organisation_id, DECEMBER))

    assert text.splitlines() == [
        "booking_id,date,start,end,resource,organisation,requester,hours,quantity,"
        "rate_category,price_estimate_eur",
        f"{booking.id},2026-12-02,2026-12-02T09:00+01:00,2026-12-02T11:30+01:00,Rheometer,"
        "Company,Bob,2.50,1,industry,125.00",
        f"{booking.id + 1},2026-12-02,2026-12-02T14:00+01:00,2026-12-02T14:45+01:00,Rheometer,"
        "Company,Bob,0.75,1,industry,37.50",
        "total,,,,,,,3.25,,,162.50",
    ]


def test_an_empty_month_still_has_its_header_and_a_zero_total(bob, admin_of_company):
    text = to_csv(organisation_statement(admin_of_company, bob.organisation_id, DECEMBER))
    assert text.splitlines()[1:] == ["total,,,,,,,0.00,,,0.00"]


def test_names_are_quoted_and_never_read_as_formulas(lab, company, admin_of_company):
    resource = make_resource(lab, name='Oven "large", 2', approval="none", **RATES)
    confirmed_booking(
        resource, rome(*WED, 9), rome(*WED, 10), make_user(company, name="=HYPERLINK(1)")
    )

    text = to_csv(organisation_statement(admin_of_company, company.id, DECEMBER))

    assert '"Oven ""large"", 2"' in text
    assert ",'=HYPERLINK(1)," in text


# -- who may read them --------------------------------------------------------------------------


def test_a_network_admin_reads_any_organisations_statement(company):
    statement = organisation_statement(make_network_admin(), company.id, DECEMBER)
    assert statement.subject == "Company"


def test_an_organisation_admin_may_not_read_another_organisations_statement(lab, company):
    with pytest.raises(Forbidden):
        organisation_statement(make_org_admin(lab), company.id, DECEMBER)


def test_a_member_may_not_read_their_own_organisations_statement(bob):
    with pytest.raises(Forbidden):
        organisation_statement(bob, bob.organisation_id, DECEMBER)


def test_an_unknown_organisation_is_not_found(bob):
    with pytest.raises(NotFound):
        organisation_statement(make_network_admin(), 999_999, DECEMBER)


def test_the_owners_admin_reads_the_resources_statement(lab, rheometer):
    assert resource_statement(make_org_admin(lab), rheometer.id, DECEMBER).subject == "Rheometer"


def test_a_manager_of_another_resource_may_not_read_this_ones(rheometer):
    other_manager = make_user()
    make_resource(other_manager.organisation, managers=[other_manager])
    with pytest.raises(Forbidden):
        resource_statement(other_manager, rheometer.id, DECEMBER)


def test_a_resource_the_user_may_not_see_is_not_found(lab, bob):
    hidden = make_resource(lab, visibility="organisation")
    with pytest.raises(NotFound):
        resource_statement(bob, hidden.id, DECEMBER)


def test_the_statements_a_user_may_read(lab, company, rheometer, bob):
    manager = make_user(company)
    managed = make_resource(lab, name="Mixer", managers=[manager])
    network_admin = make_network_admin(lab)

    def names(subjects):
        return (
            [o.name for o in subjects.organisations],
            [r.name for r in subjects.resources],
        )

    assert names(statement_subjects(make_org_admin(lab))) == (["Lab"], ["Mixer", "Rheometer"])
    assert names(statement_subjects(manager)) == ([], [managed.name])
    assert not statement_subjects(bob)
    all_organisations = names(statement_subjects(network_admin))[0]
    assert {"Lab", "Company"} <= set(all_organisations)


# -- months -------------------------------------------------------------------------------------


def test_a_month_is_written_year_dash_month():
    assert parse_month(" 2026-12 ") == DECEMBER


@pytest.mark.parametrize("text", ["", None, "2026-13", "2026-00", "12-2026", "2026-1", "0999-01"])
def test_anything_else_is_not_a_month(text):
    with pytest.raises(InvalidInput) as error:
        parse_month(text)
    assert "month" in error.value.errors
