"""Italian public holidays by municipality and year, and the local days they close."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale

from booking.services.holidays import holiday_closures, holidays, holidays_between

ROME = ZoneInfo("Europe/Rome")

NATIONAL_2026 = {
    date(2026, 1, 1),
    date(2026, 1, 6),
    date(2026, 4, 6),
    date(2026, 4, 25),
    date(2026, 5, 1),
    date(2026, 6, 2),
    date(2026, 8, 15),
    date(2026, 10, 4),
    date(2026, 11, 1),
    date(2026, 12, 8),
    date(2026, 12, 25),
    date(2026, 12, 26),
}


def test_an_unknown_municipality_gets_the_national_holidays_only():
    assert set(holidays(2026, "Mirandola")) == NATIONAL_2026


def test_easter_monday_2026_is_the_sixth_of_april():
    assert holidays(2026, "Mirandola")[date(2026, 4, 6)].name == "Easter Monday"


def test_easter_monday_follows_easter_each_year():
    assert date(2025, 4, 21) in holidays(2025, "Mirandola")
    assert date(2027, 3, 29) in holidays(2027, "Mirandola")


def test_san_francesco_is_a_national_holiday_from_2026():
    assert holidays(2026, "Modena")[date(2026, 10, 4)].name == "St Francis of Assisi"


def test_san_francesco_is_not_a_holiday_before_2026():
    assert date(2025, 10, 4) not in holidays(2025, "Modena")
    assert len(holidays(2025, "Mirandola")) == 11


def test_reggio_emilia_adds_san_prospero_on_24_november():
    days = holidays(2026, "Reggio Emilia")
    assert days[date(2026, 11, 24)].name == "St Prosper, patron saint of Reggio Emilia"
    assert set(days) == NATIONAL_2026 | {date(2026, 11, 24)}


def test_the_municipality_is_matched_by_its_official_name_and_without_case_or_accents():
    assert date(2026, 11, 24) in holidays(2026, "Reggio nell\u2019Emilia")
    assert date(2026, 2, 4) in holidays(2026, "FORLI")
    assert date(2026, 2, 4) in holidays(2026, "Forlì")


def test_the_patron_day_belongs_to_the_municipality_not_the_province():
    assert date(2026, 1, 31) in holidays(2026, "Modena")
    assert date(2026, 1, 31) not in holidays(2026, "Mirandola")


def test_bologna_patron_day_coincides_with_san_francesco_from_2026():
    days = holidays(2026, "Bologna")
    assert set(days) == NATIONAL_2026
    assert (
        days[date(2026, 10, 4)].name
        == "St Francis of Assisi; St Petronius, patron saint of Bologna"
    )


def test_bologna_patron_day_alone_in_2025():
    assert holidays(2025, "Bologna")[date(2025, 10, 4)].name == (
        "St Petronius, patron saint of Bologna"
    )


def test_a_holiday_on_a_sunday_stays_on_its_date():
    # 25 April 2027 is a Sunday; Italian holidays are not moved to a weekday.
    days = holidays(2027, "Parma")
    assert date(2027, 4, 25) in days
    assert date(2027, 4, 26) not in days


def test_sundays_themselves_are_not_listed():
    assert date(2026, 4, 5) not in holidays(2026, "Parma")  # Easter Sunday


def test_holidays_are_in_date_order():
    days = list(holidays(2026, "Parma"))
    assert days == sorted(days)


def test_the_calendar_holds_for_any_year():
    days = holidays(2031, "Modena")
    assert {date(2031, 12, 25), date(2031, 1, 31), date(2031, 4, 14)} <= set(days)
    assert days[date(2031, 4, 14)].name == "Easter Monday"


def test_holidays_between_two_dates_span_the_years():
    found = holidays_between("Bologna", date(2026, 12, 20), date(2027, 1, 10))
    assert [h.day for h in found] == [
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
        date(2027, 1, 6),
    ]


def test_names_are_italian_for_an_italian_reader(app):
    with force_locale("it"):
        assert holidays(2026, "Parma")[date(2026, 12, 25)].name == "Natale"
        assert holidays(2026, "Parma")[date(2026, 4, 6)].name == "Lunedì dell'Angelo"
        assert holidays(2026, "Bologna")[date(2026, 10, 4)].name == (
            "San Francesco d'Assisi; San Petronio, patrono di Bologna"
        )


def test_names_are_english_for_an_english_reader(app):
    with force_locale("en"):
        assert holidays(2026, "Parma")[date(2026, 12, 25)].name == "Christmas Day"


def test_a_holiday_closes_the_whole_local_day():
    [closure] = holiday_closures(
        "Parma",
        ROME,
        datetime(2026, 12, 25, 10, tzinfo=UTC),
        datetime(2026, 12, 25, 11, tzinfo=UTC),
    )
    assert (closure.start, closure.end) == (
        datetime(2026, 12, 24, 23, tzinfo=UTC),
        datetime(2026, 12, 25, 23, tzinfo=UTC),
    )


def test_a_holiday_in_summer_time_starts_at_local_midnight_utc_plus_two():
    [closure] = holiday_closures(
        "Parma",
        ROME,
        datetime(2027, 3, 29, 10, tzinfo=UTC),
        datetime(2027, 3, 29, 11, tzinfo=UTC),
    )
    # Easter Monday 2027, the day after the change to summer time.
    assert (closure.start, closure.end) == (
        datetime(2027, 3, 28, 22, tzinfo=UTC),
        datetime(2027, 3, 29, 22, tzinfo=UTC),
    )


def test_a_holiday_on_the_day_the_clocks_go_back_lasts_25_hours():
    # No Italian holiday falls on a change in Rome; in New York the clocks go back on Sunday
    # 1 November 2026, All Saints' Day.
    [closure] = holiday_closures(
        "Bologna",
        ZoneInfo("America/New_York"),
        datetime(2026, 11, 1, 12, tzinfo=UTC),
        datetime(2026, 11, 1, 13, tzinfo=UTC),
    )
    assert closure.start == datetime(2026, 11, 1, 4, tzinfo=UTC)
    assert closure.end == datetime(2026, 11, 2, 5, tzinfo=UTC)


def test_an_opened_day_does_not_close():
    window = (datetime(2026, 12, 24, tzinfo=UTC), datetime(2026, 12, 28, tzinfo=UTC))
    closures = holiday_closures("Parma", ROME, *window, opened={date(2026, 12, 26)})
    assert [c.holiday.day for c in closures] == [date(2026, 12, 25)]


def test_a_window_that_ends_at_a_holidays_local_midnight_does_not_touch_it():
    end = datetime(2026, 12, 24, 23, tzinfo=UTC)  # 25 December, 00:00 in Rome
    assert holiday_closures("Parma", ROME, datetime(2026, 12, 24, 9, tzinfo=UTC), end) == []
