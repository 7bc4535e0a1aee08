"""The demo network: realistic, complete enough to try every feature, and idempotent."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from booking.demo import (
    ADMIN_EMAIL,
    DEMO_ACCOUNTS,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    MAINTENANCE,
    load_demo_network,
    partita_iva,
)
from booking.extensions import db
from booking.models import Blackout, Organisation, Qualification, Resource, User
from booking.models.network import ORGANISATION_TYPES
from booking.models.resources import resource_managers
from booking.services import vat
from booking.services.accounts import authenticate
from booking.services.availability import resource_availability
from tests.factories import make_organisation

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def demo(app):
    return load_demo_network(NOW)


def _resources() -> list[Resource]:
    return list(
        db.session.execute(
            select(Resource).options(
                selectinload(Resource.opening_hours),
                selectinload(Resource.children),
                selectinload(Resource.managers),
                selectinload(Resource.clusters),
            )
        ).scalars()
    )


def _resource(name: str) -> Resource:
    return db.session.execute(select(Resource).where(Resource.name == name)).scalar_one()


def _blackouts(resource: Resource) -> list[Blackout]:
    return list(
        db.session.execute(
            select(Blackout).where(Blackout.resource_id == resource.id).order_by(Blackout.start_at)
        ).scalars()
    )


def _snapshot() -> dict[str, list[tuple]]:
    rows = {}
    for table in db.metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)
        rows[table.name] = [
            tuple(row) for row in db.session.execute(select(table).order_by(*order)).all()
        ]
    return rows


def test_organisations_cover_every_member_type(demo):
    types = set(db.session.execute(select(Organisation.type)).scalars())
    assert types == set(ORGANISATION_TYPES)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) >= 14


def test_several_organisations_are_accredited_to_the_high_technology_network(demo):
    accredited = db.session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.accredited.is_(True))
    )
    assert accredited >= 3


def test_organisations_are_in_the_cities_of_the_network(demo):
    cities = set(db.session.execute(select(Organisation.city)).scalars())
    assert {
        "Bologna",
        "Modena",
        "Mirandola",
        "Parma",
        "Ferrara",
        "Faenza",
        "Piacenza",
        "Reggio Emilia",
        "Ozzano dell'Emilia",
        "Camugnano",
    } <= cities


def test_the_coordinator_art_er_is_a_consortium_in_bologna(demo):
    art_er = db.session.execute(
        select(Organisation).where(Organisation.slug == "art-er")
    ).scalar_one()
    assert (art_er.name, art_er.type, art_er.city) == ("ART-ER", "consortium", "Bologna")


def test_every_vat_number_is_a_valid_partita_iva(demo):
    numbers = list(
        db.session.execute(
            select(Organisation.vat_number).where(Organisation.vat_number.is_not(None))
        ).scalars()
    )
    assert len(numbers) >= 8
    assert all(vat.is_valid(number) for number in numbers)


def test_partita_iva_computes_the_check_digit_of_the_reference_example():
    assert partita_iva("0074311", "015") == "00743110157"


def test_organisations_belong_to_clust_ers(demo):
    organisations = db.session.execute(
        select(Organisation).options(selectinload(Organisation.clusters))
    ).scalars()
    members = [o for o in organisations if o.slug != "art-er"]
    assert all(o.clusters for o in members)


def test_there_are_at_least_32_resources_of_every_kind(demo):
    resources = _resources()
    assert len(resources) >= 32
    assert {r.kind for r in resources} == {"instrument", "pilot_installation", "joint_lab"}


def test_at_least_two_joint_labs_hold_two_to_four_instruments(demo):
    labs = [r for r in _resources() if r.kind == "joint_lab"]
    assert len(labs) >= 2
    assert all(2 <= len(lab.children) <= 4 for lab in labs)
    assert all(child.kind == "instrument" for lab in labs for child in lab.children)


def test_resource_policies_vary(demo):
    resources = _resources()
    assert {r.approval for r in resources} == {"none", "external", "always"}
    assert {r.visibility for r in resources} == {"network", "clusters", "organisation"}
    assert {r.slot_minutes for r in resources} == {15, 30, 60}
    assert {r.capacity == 1 for r in resources} == {True, False}
    assert any(r.requires_qualification for r in resources)
    assert any(r.monthly_quota_hours for r in resources)
    assert any(r.buffer_before_minutes for r in resources)
    assert any(r.buffer_after_minutes for r in resources)
    assert any(r.lead_time_hours for r in resources)
    assert {r.horizon_days for r in resources} > {365}
    assert any(r.max_duration_minutes is None for r in resources)
    assert any(r.min_duration_minutes > r.slot_minutes for r in resources)


def test_some_resources_are_free_and_others_charge_per_category(demo):
    resources = _resources()
    rates = [
        [r.rate(c) for c in ("internal", "network", "academic", "industry")] for r in resources
    ]
    assert any(all(rate is None for rate in r) for r in rates)
    assert any(len({rate for rate in r if rate is not None}) == 3 for r in rates)


def test_every_resource_is_in_rome_time_with_specs_clusters_and_managers(demo):
    for resource in _resources():
        assert resource.timezone == "Europe/Rome"
        assert resource.specs and all(len(pair) == 2 for pair in resource.specs)
        assert resource.clusters
        assert resource.managers


def test_opening_hours_close_weekends_on_most_resources(demo):
    resources = _resources()
    open_on_weekends = [r for r in resources if any(h.weekday >= 5 for h in r.opening_hours)]
    assert len(open_on_weekends) < len(resources) / 4
    assert any(len([h for h in r.opening_hours if h.weekday == 0]) >= 2 for r in resources), (
        "some resource opens in several ranges a day"
    )


def test_one_resource_is_open_round_the_clock_every_day(demo):
    round_the_clock = [
        r
        for r in _resources()
        if sorted((h.weekday, h.start_minute, h.end_minute) for h in r.opening_hours)
        == [(day, 0, 1440) for day in range(7)]
    ]
    assert len(round_the_clock) == 1


def _holidays_closing(resource: Resource, day: date) -> list[str]:
    """The names of the public holidays that close the resource on that local day."""
    admin = db.session.execute(select(User).where(User.email == ADMIN_EMAIL)).scalar_one()
    start = datetime.combine(day, time(), tzinfo=ROME)
    closed = resource_availability(
        admin, resource.id, start, start + timedelta(days=1), now=NOW
    ).closed
    return [c["detail"] for c in closed if c["reason"] == "closed" and "detail" in c]


def test_the_demo_writes_no_holiday_blackouts(demo):
    reasons = set(db.session.execute(select(Blackout.reason)).scalars())
    assert reasons == {maintenance.reason for maintenance in MAINTENANCE}


def test_demo_resources_are_closed_on_the_patron_day_of_their_municipality(demo):
    reggio = _resource("5-axis CNC machining centre")
    modena = _resource("Teaching robot cell")
    assert _holidays_closing(reggio, date(2027, 11, 24)) == [
        "St Prosper, patron saint of Reggio Emilia"
    ]
    assert _holidays_closing(modena, date(2027, 1, 31)) == ["St Geminianus, patron saint of Modena"]
    assert _holidays_closing(modena, date(2027, 11, 24)) == []


def test_demo_resources_are_closed_on_the_holidays_of_any_year(demo):
    assert _holidays_closing(_resource("Pilot spray dryer"), date(2031, 12, 25)) == [
        "Christmas Day"
    ]


def test_a_few_maintenance_windows_are_planned(demo):
    lab = _resource("BI-REX Metrology Lab")
    calibration = [b for b in _blackouts(lab) if "calibration" in b.reason]
    assert len(calibration) == 1
    assert calibration[0].start_at > NOW


def test_some_demo_users_hold_qualifications_one_of_them_expired(demo):
    qualifications = list(db.session.execute(select(Qualification)).scalars())
    assert len(qualifications) >= 5
    today = date(2026, 12, 1)
    assert any(not q.is_valid_on(today) for q in qualifications)
    assert any(q.expires_on is None for q in qualifications)


def test_every_demo_account_logs_in_with_the_demo_password(demo):
    for account in DEMO_ACCOUNTS:
        user = authenticate(account.email, DEMO_PASSWORD)
        assert user is not None, account.email
        assert user.organisation.slug == account.organisation
        assert user.email.endswith("@" + DEMO_EMAIL_DOMAIN)


def test_demo_accounts_cover_every_role(demo):
    users = {
        u.email: u
        for u in db.session.execute(select(User).options(selectinload(User.organisation))).scalars()
    }
    assert any(u.is_network_admin for u in users.values())
    org_admin_organisations = {u.organisation_id for u in users.values() if u.is_org_admin}
    assert len(org_admin_organisations) >= 2
    member_types = {
        u.organisation.type for u in users.values() if not (u.is_network_admin or u.is_org_admin)
    }
    assert {"research_lab", "university", "business", "startup"} <= member_types
    managers = db.session.scalar(select(func.count(func.distinct(resource_managers.c.user_id))))
    assert managers >= 4


def test_a_second_run_changes_nothing(demo):
    before = _snapshot()
    summary = load_demo_network(NOW)
    assert _snapshot() == before
    assert sum(summary.created.values()) == 0


def test_a_run_a_month_later_adds_nothing(demo):
    summary = load_demo_network(datetime(2027, 1, 1, 8, 0, tzinfo=UTC))
    assert sum(summary.created.values()) == 0


def test_an_existing_art_er_is_reused_not_duplicated(app):
    make_organisation(slug="art-er", name="ART-ER", type="consortium", city="Bologna")
    load_demo_network(NOW)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.name == "ART-ER")
        )
        == 1
    )


def test_the_summary_counts_what_was_created_and_what_exists(app):
    summary = load_demo_network(NOW)
    assert summary.created["resources"] == summary.totals["resources"] >= 32
    assert summary.created["users"] == len(DEMO_ACCOUNTS)
    assert summary.totals["clusters"] == 9
