"""Italian public holidays for a municipality and a year (shared/domain/network.md §5).

The national holidays, plus the day of the municipality's patron saint, which is a holiday in that
municipality only. Sundays are holidays too but are not listed: opening hours close them. Holidays
that fall on a weekend are not moved.

The calendar is computed, never stored: it holds for any year asked. Names are messages (English
source, Italian translation) and are rendered in the language in force where they are shown.
"""

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.easter import easter
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from booking.services.timeutil import wall_clock_to_utc

# (month, day, name)
NATIONAL_HOLIDAYS: tuple[tuple[int, int, LazyString], ...] = (
    (1, 1, _l("New Year's Day")),
    (1, 6, _l("Epiphany")),
    (4, 25, _l("Liberation Day")),
    (5, 1, _l("Labour Day")),
    (6, 2, _l("Republic Day")),
    (8, 15, _l("Assumption of Mary")),
    (11, 1, _l("All Saints' Day")),
    (12, 8, _l("Immaculate Conception")),
    (12, 25, _l("Christmas Day")),
    (12, 26, _l("St Stephen's Day")),
)
EASTER_MONDAY = _l("Easter Monday")
# L. 151/2025, in force from 1 January 2026.
SAN_FRANCESCO = (10, 4, _l("St Francis of Assisi"))
SAN_FRANCESCO_FROM_YEAR = 2026

# Keyed by the municipality's name as normalised by municipality_key().
PATRON_DAYS: dict[str, tuple[int, int, LazyString]] = {
    "bologna": (10, 4, _l("St Petronius, patron saint of Bologna")),
    "modena": (1, 31, _l("St Geminianus, patron saint of Modena")),
    "parma": (1, 13, _l("St Hilary, patron saint of Parma")),
    "reggio emilia": (11, 24, _l("St Prosper, patron saint of Reggio Emilia")),
    "ferrara": (4, 23, _l("St George, patron saint of Ferrara")),
    "ravenna": (7, 23, _l("St Apollinaris, patron saint of Ravenna")),
    "forli": (2, 4, _l("Our Lady of the Fire, patron saint of Forlì")),
    "cesena": (6, 24, _l("St John the Baptist, patron saint of Cesena")),
    "rimini": (10, 14, _l("St Gaudentius, patron saint of Rimini")),
    "piacenza": (7, 4, _l("St Antoninus, patron saint of Piacenza")),
}
# Official or common spellings that name the same municipality.
_ALIASES = {"reggio nell'emilia": "reggio emilia", "reggio emilia (re)": "reggio emilia"}


@dataclass(frozen=True, eq=False)
class Holiday:
    day: date
    # One name; two when the patron day falls on a national holiday (Bologna, 4 October).
    names: tuple[LazyString, ...]

    @property
    def name(self) -> str:
        """The name in the language in force: "Christmas Day", or "Natale" in Italian."""
        return "; ".join(str(name) for name in self.names)

    @property
    def lazy_name(self) -> LazyString:
        """The name in the language in force where it is finally shown (a refusal's message is
        written after the rules that found it)."""
        return LazyString(lambda: self.name)


@dataclass(frozen=True, eq=False)
class HolidayClosure:
    """A holiday as the whole local day it closes at a resource: [start, end) in UTC."""

    start: datetime
    end: datetime
    holiday: Holiday


def municipality_key(city: str) -> str:
    apostrophes = city.replace("\u2019", "'")
    without_accents = unicodedata.normalize("NFKD", apostrophes).encode("ascii", "ignore").decode()
    key = " ".join(without_accents.casefold().split())
    return _ALIASES.get(key, key)


@lru_cache(maxsize=4096)
def _year(year: int, key: str) -> tuple[Holiday, ...]:
    days: dict[date, list[LazyString]] = {
        date(year, month, day): [name] for month, day, name in NATIONAL_HOLIDAYS
    }
    days[easter(year) + timedelta(days=1)] = [EASTER_MONDAY]
    if year >= SAN_FRANCESCO_FROM_YEAR:
        month, day, name = SAN_FRANCESCO
        days[date(year, month, day)] = [name]
    patron = PATRON_DAYS.get(key)
    if patron is not None:
        month, day, name = patron
        days.setdefault(date(year, month, day), []).append(name)
    return tuple(Holiday(day, tuple(names)) for day, names in sorted(days.items()))


def holidays(year: int, city: str) -> dict[date, Holiday]:
    """The public holidays of `year` in the municipality `city`, in date order.

    An unknown municipality gets the national holidays only. When the patron day falls on a
    national holiday (Bologna, 4 October, from 2026), the holiday carries both names.
    """
    return {holiday.day: holiday for holiday in _year(year, municipality_key(city))}


def holidays_between(city: str, first: date, last: date) -> list[Holiday]:
    """The public holidays in `city` from `first` to `last`, both included, in date order."""
    key = municipality_key(city)
    return [
        holiday
        for year in range(first.year, last.year + 1)
        for holiday in _year(year, key)
        if first <= holiday.day <= last
    ]


def local_day(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The whole local day in `zone` as UTC instants: 23 or 25 hours on the days the clocks
    change."""
    midnight = datetime.combine(day, time())
    return wall_clock_to_utc(midnight, zone), wall_clock_to_utc(midnight + timedelta(days=1), zone)


def holiday_closures(
    city: str,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    opened: Collection[date] = (),
) -> list[HolidayClosure]:
    """The holidays in `city` whose local day (in `zone`) meets [start, end), each as its whole
    day, leaving out the days in `opened` (the resource's managers opened it then)."""
    first = start.astimezone(zone).date()
    last = end.astimezone(zone).date()
    closures = []
    for holiday in holidays_between(city, first, last):
        if holiday.day in opened:
            continue
        day_start, day_end = local_day(holiday.day, zone)
        if day_start < end and start < day_end:
            closures.append(HolidayClosure(day_start, day_end, holiday))
    return closures
