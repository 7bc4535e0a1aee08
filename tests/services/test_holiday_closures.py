"""Public holidays close every resource by its municipality, for any year, unless its managers open
it on the day: the booking rules, the openings and who may make them, availability and the search."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from booking.extensions import db
from booking.models import HolidayOpening, Resource, User
from booking.services import availability
from booking.services.availability import find_free_slots, resource_availability
from booking.services.errors import Forbidden, InvalidInput, NotFound
from booking.services.holiday_openings import (
    close_on_holiday,
    coming_holidays,
    list_holidays,
    open_on_holiday,
)
from booking.services.violations import BookingRefused
from tests.accounts_factories import make_org_admin
from tests.booking_factories import NOW, book, codes, make_worked_example_resource, rome
from tests.concurrency import at_once
from tests.factories import make_organisation, make_resource, make_user

CHRISTMAS = date(2026, 12, 25)  # a Friday


@pytest.fixture
def manager(app):
    return make_user(make_organisation(city="Bologna"))


@pytest.fixture
def resource(manager):
    """Mon–Fri 08:00–18:00 in Rome, in Bologna, managed by `manager`."""
    return make_worked_example_resource(organisation=manager.organisation, managers=[manager])


def refusal_of(user, resource, start, end, **fields) -> BookingRefused:
    with pytest.raises(BookingRefused) as refusal:
        book(user, resource, start, end, **fields)
    return refusal.value


# --- The rules ----------------------------------------------------------------------------------


def test_a_booking_on_christmas_is_refused_as_closed_naming_the_holiday(resource, manager):
    refusal = refusal_of(manager, resource, rome(2026, 12, 25, 9), rome(2026, 12, 25, 10))
    [violation] = refusal.violations
    assert violation.code == "closed"
    assert violation.params == {"holiday": "Christmas Day"}
    assert violation.message == "The resource is closed for a public holiday: Christmas Day."
    # The whole local day.
    assert (violation.start, violation.end) == (rome(2026, 12, 25, 0), rome(2026, 12, 26, 0))


def test_the_refusal_names_the_holiday_in_the_readers_language(resource, manager, app):
    refusal = refusal_of(manager, resource, rome(2026, 12, 25, 9), rome(2026, 12, 25, 10))
    with app.test_request_context(), force_locale("it"):
        assert refusal.violations[0].message == ("La risorsa è chiusa per una festività: Natale.")


def test_a_holiday_of_any_year_is_refused(manager):
    resource = make_resource(manager.organisation, approval="none", horizon_days=3660)
    refusal = refusal_of(manager, resource, rome(2031, 12, 25, 9), rome(2031, 12, 25, 10))
    assert [v.params for v in refusal.violations] == [{"holiday": "Christmas Day"}]


def test_bologna_refuses_the_fourth_of_october_for_both_its_saints(manager):
    resource = make_resource(manager.organisation, city="Bologna", approval="none")
    refusal = refusal_of(manager, resource, rome(2027, 10, 4, 9), rome(2027, 10, 4, 10))
    assert refusal.violations[0].params == {
        "holiday": "St Francis of Assisi; St Petronius, patron saint of Bologna"
    }


def test_the_patron_day_closes_the_resources_of_its_municipality_only(app):
    modena = make_resource(city="Modena", approval="none")
    bologna = make_resource(city="Bologna", approval="none")
    user = make_user()
    refusal = refusal_of(user, modena, rome(2027, 1, 31, 9), rome(2027, 1, 31, 10))
    assert refusal.violations[0].params == {"holiday": "St Geminianus, patron saint of Modena"}
    assert book(user, bologna, rome(2027, 1, 31, 9), rome(2027, 1, 31, 10)).bookings


def test_a_booking_reaching_into_a_holiday_is_refused_for_that_day(manager):
    resource = make_resource(manager.organisation, approval="none")
    refusal = refusal_of(manager, resource, rome(2026, 12, 24, 22), rome(2026, 12, 25, 1))
    assert [(v.code, v.start) for v in refusal.violations] == [("closed", rome(2026, 12, 25, 0))]


def test_a_booking_over_two_holidays_names_each(manager):
    resource = make_resource(manager.organisation, approval="none")
    refusal = refusal_of(manager, resource, rome(2026, 12, 24, 20), rome(2026, 12, 27, 8))
    assert [v.params["holiday"] for v in refusal.violations] == [
        "Christmas Day",
        "St Stephen's Day",
    ]


def test_the_holiday_is_the_local_day_in_the_resources_time_zone(manager):
    new_york = make_resource(
        manager.organisation, timezone="America/New_York", approval="none", city="Bologna"
    )
    # 21:00 on 24 December in New York is 02:00 on the 25th in UTC: not yet the holiday there.
    eve = datetime(2026, 12, 25, 2, tzinfo=UTC)
    assert book(manager, new_york, eve, eve + timedelta(hours=1)).bookings
    # 01:00 on the 25th in New York is.
    night = datetime(2026, 12, 25, 6, tzinfo=UTC)
    refusal = refusal_of(manager, new_york, night, night + timedelta(hours=1))
    assert refusal.violations[0].start == datetime(2026, 12, 25, 5, tzinfo=UTC)


def test_a_resource_opened_on_a_holiday_accepts_bookings_within_its_opening_hours(
    resource, manager
):
    open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    assert book(manager, resource, rome(2026, 12, 25, 9), rome(2026, 12, 25, 10)).bookings
    refusal = refusal_of(manager, resource, rome(2026, 12, 25, 18), rome(2026, 12, 25, 19))
    # Outside the opening hours: `closed` without a holiday.
    assert [(v.code, v.params) for v in refusal.violations] == [("closed", {})]


def test_an_instrument_in_a_joint_lab_follows_its_own_municipality(app):
    user = make_user()
    lab = make_resource(kind="joint_lab", city="Bologna", approval="none")
    instrument = make_resource(lab.organisation, parent_id=lab.id, city="Modena", approval="none")
    assert codes_of(user, instrument, rome(2027, 1, 31, 9), rome(2027, 1, 31, 10)) == ["closed"]
    assert book(user, lab, rome(2027, 1, 31, 9), rome(2027, 1, 31, 10)).bookings


def test_opening_a_joint_lab_on_a_holiday_leaves_the_resources_inside_closed(manager):
    lab = make_resource(manager.organisation, kind="joint_lab", approval="none")
    lab.managers = [manager]
    instrument = make_resource(
        manager.organisation, parent_id=lab.id, approval="none", managers=[manager]
    )
    db.session.commit()
    open_on_holiday(manager, lab.id, CHRISTMAS, now=NOW)
    assert book(manager, lab, rome(2026, 12, 25, 9), rome(2026, 12, 25, 10)).bookings
    assert codes_of(manager, instrument, rome(2026, 12, 25, 14), rome(2026, 12, 25, 15)) == [
        "closed"
    ]


def test_a_series_leaves_out_the_holidays_when_asked_to_skip(resource, manager):
    # Tuesdays from 1 December: the 8th is the Immaculate Conception.
    outcome = book(
        manager,
        resource,
        rome(2026, 12, 1, 10),
        rome(2026, 12, 1, 11),
        now=rome(2026, 11, 30, 9),
        rrule="FREQ=WEEKLY;COUNT=3",
        on_conflict="skip",
    )
    assert [s.start for s in outcome.skipped] == [rome(2026, 12, 8, 10)]
    assert [s.violations[0].params for s in outcome.skipped] == [
        {"holiday": "Immaculate Conception"}
    ]


def codes_of(user, resource, start, end) -> list[str]:
    with pytest.raises(BookingRefused) as refusal:
        book(user, resource, start, end)
    return codes(refusal)


# --- Opening and closing again --------------------------------------------------------------------


def test_opening_a_day_again_keeps_the_first_opening(resource, manager):
    first, created = open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    again, created_again = open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert first.created_by_id == manager.id and first.created_at == NOW


def test_managers_opening_the_same_day_at_once_make_one_opening(app, resource, manager):
    resource_id, manager_id = resource.id, manager.id
    db.session.commit()

    def open_it():
        opening, created = open_on_holiday(
            db.session.get(User, manager_id), resource_id, CHRISTMAS, now=NOW
        )
        return opening.id, created

    results = at_once(app, *[open_it] * 8)
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert len({opening_id for opening_id, _ in results}) == 1
    assert len(db.session.execute(select(HolidayOpening)).all()) == 1


def test_a_day_that_is_no_holiday_there_cannot_be_opened(resource, manager):
    with pytest.raises(InvalidInput) as error:
        open_on_holiday(manager, resource.id, date(2027, 1, 31), now=NOW)  # Modena's, not here
    assert set(error.value.errors) == {"date"}


def test_a_day_outside_the_platforms_years_cannot_be_opened(resource, manager):
    with pytest.raises(InvalidInput):
        open_on_holiday(manager, resource.id, date(3000, 12, 25), now=NOW)


def test_an_admin_of_the_owner_organisation_opens_its_resource(resource):
    admin = make_org_admin(resource.organisation)
    _opening, created = open_on_holiday(admin, resource.id, CHRISTMAS, now=NOW)
    assert created


def test_a_plain_member_may_not_open_a_resource_on_a_holiday(resource):
    with pytest.raises(Forbidden):
        open_on_holiday(make_user(resource.organisation), resource.id, CHRISTMAS, now=NOW)
    assert db.session.execute(select(HolidayOpening)).first() is None


def test_another_organisations_manager_may_not_open_it(resource):
    other_manager = make_user(make_organisation())
    make_resource(other_manager.organisation, managers=[other_manager])
    with pytest.raises(Forbidden):
        open_on_holiday(other_manager, resource.id, CHRISTMAS, now=NOW)
    hidden = make_resource(resource.organisation, visibility="organisation")
    with pytest.raises(NotFound):
        open_on_holiday(other_manager, hidden.id, CHRISTMAS, now=NOW)


def test_closing_again_refuses_the_holiday_again(resource, manager):
    opening, _ = open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    assert close_on_holiday(manager, opening.id, now=NOW) == resource.id
    assert codes_of(manager, resource, rome(2026, 12, 25, 9), rome(2026, 12, 25, 10)) == ["closed"]


def test_a_plain_member_may_not_close_it_again(resource, manager):
    opening, _ = open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    with pytest.raises(Forbidden):
        close_on_holiday(make_user(resource.organisation), opening.id, now=NOW)
    with pytest.raises(NotFound):
        close_on_holiday(manager, opening.id + 1, now=NOW)


def test_the_holidays_of_a_year_tell_which_are_opened(resource, manager):
    open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    year, days = list_holidays(make_user(), resource.id, now=NOW)
    assert year == 2026
    assert [(d.holiday.day, d.is_open) for d in days][-3:] == [
        (date(2026, 12, 8), False),
        (CHRISTMAS, True),
        (date(2026, 12, 26), False),
    ]
    year, days = list_holidays(make_user(), resource.id, 2031, now=NOW)
    assert len(days) == 12 and days[0].holiday.day == date(2031, 1, 1)


def test_the_coming_holidays_start_today_at_the_resource(resource):
    days = coming_holidays(resource, now=NOW)
    assert days[0].holiday.day == date(2026, 12, 8)
    assert days[-1].holiday.day == date(2027, 11, 1)  # the last one within a year
    assert (days[0].start, days[0].end) == (rome(2026, 12, 8, 0), rome(2026, 12, 9, 0))


# --- Availability and the search ------------------------------------------------------------------


def christmas_day(resource, viewer):
    return resource_availability(
        viewer, resource.id, rome(2026, 12, 25, 0), rome(2026, 12, 26, 0), now=NOW
    )


def test_availability_shows_the_holiday_closed_with_its_name(resource, manager):
    result = christmas_day(resource, manager)
    assert result.closed == [
        {
            "start": rome(2026, 12, 25, 0),
            "end": rome(2026, 12, 26, 0),
            "reason": "closed",
            "detail": "Christmas Day",
        }
    ]
    assert result.free == []


def test_availability_of_an_opened_holiday_follows_the_opening_hours(resource, manager):
    open_on_holiday(manager, resource.id, CHRISTMAS, now=NOW)
    result = christmas_day(resource, manager)
    assert [(c["start"], c["end"], c["reason"]) for c in result.closed] == [
        (rome(2026, 12, 25, 0), rome(2026, 12, 25, 8), "closed"),
        (rome(2026, 12, 25, 18), rome(2026, 12, 26, 0), "closed"),
    ]
    assert result.free == [(rome(2026, 12, 25, 8), rome(2026, 12, 25, 18))]


def test_the_search_finds_no_slot_on_a_holiday_except_where_opened(resource, manager):
    other = make_worked_example_resource(
        organisation=manager.organisation, name="Other", managers=[manager]
    )
    open_on_holiday(manager, other.id, CHRISTMAS, now=NOW)
    found = find_free_slots(
        manager,
        select(Resource),
        rome(2026, 12, 25, 0),
        rome(2026, 12, 26, 0),
        timedelta(hours=1),
        now=NOW,
    )
    assert [f.resource.name for f in found] == ["Other"]
    assert found[0].slots[0] == (rome(2026, 12, 25, 8), rome(2026, 12, 25, 9))


def test_the_search_works_out_the_holidays_once_per_municipality(manager, monkeypatch):
    for n in range(10):
        make_resource(manager.organisation, city=("Modena", "Parma")[n % 2], approval="none")
    computed = []

    def counting(city, *args, **kwargs):
        computed.append(city)
        return real(city, *args, **kwargs)

    real = availability.holiday_closures
    monkeypatch.setattr(availability, "holiday_closures", counting)
    # San Geminiano, 31 January, closes Modena's resources only.
    found = find_free_slots(
        manager,
        select(Resource),
        rome(2027, 1, 31, 0),
        rome(2027, 2, 1, 0),
        timedelta(hours=1),
        now=NOW,
    )
    assert sorted(computed) == ["Modena", "Parma"]
    assert [f.resource.city for f in found] == ["Parma"] * 5


def test_a_holiday_is_closed_across_the_change_of_summer_time(manager):
    # New York's clocks go back on All Saints' Day 2026: the local day lasts 25 hours.
    new_york = make_resource(manager.organisation, timezone="America/New_York", approval="none")
    start = datetime(2026, 11, 1, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    result = resource_availability(
        manager,
        new_york.id,
        start,
        start + timedelta(hours=25),
        now=datetime(2026, 10, 1, tzinfo=UTC),
    )
    [closure] = result.closed
    assert closure["end"] - closure["start"] == timedelta(hours=25)
    assert result.free == []
