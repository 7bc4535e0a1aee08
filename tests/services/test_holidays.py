"""Italian public holidays by municipality and year."""

from datetime import date

from booking.services.holidays import holidays

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
    assert holidays(2026, "Mirandola")[date(2026, 4, 6)] == "Lunedì dell'Angelo"


def test_easter_monday_follows_easter_each_year():
    assert date(2025, 4, 21) in holidays(2025, "Mirandola")
    assert date(2027, 3, 29) in holidays(2027, "Mirandola")


def test_san_francesco_is_a_national_holiday_from_2026():
    assert holidays(2026, "Modena")[date(2026, 10, 4)] == "San Francesco d'Assisi"


def test_san_francesco_is_not_a_holiday_before_2026():
    assert date(2025, 10, 4) not in holidays(2025, "Modena")
    assert len(holidays(2025, "Mirandola")) == 11


def test_reggio_emilia_adds_san_prospero_on_24_november():
    days = holidays(2026, "Reggio Emilia")
    assert days[date(2026, 11, 24)] == "San Prospero, patrono di Reggio Emilia"
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
    assert days[date(2026, 10, 4)] == "San Francesco d'Assisi; San Petronio, patrono di Bologna"


def test_bologna_patron_day_alone_in_2025():
    assert holidays(2025, "Bologna")[date(2025, 10, 4)] == "San Petronio, patrono di Bologna"


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
