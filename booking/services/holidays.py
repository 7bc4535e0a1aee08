"""Italian public holidays for a municipality and a year (shared/domain/network.md §5).

The national holidays, plus the day of the municipality's patron saint, which is a holiday in that
municipality only. Sundays are holidays too but are not listed: opening hours close them. Holidays
that fall on a weekend are not moved.
"""

import unicodedata
from datetime import date, timedelta

from dateutil.easter import easter

# (month, day, name)
NATIONAL_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Capodanno"),
    (1, 6, "Epifania"),
    (4, 25, "Festa della Liberazione"),
    (5, 1, "Festa del lavoro"),
    (6, 2, "Festa della Repubblica"),
    (8, 15, "Assunzione di Maria"),
    (11, 1, "Ognissanti"),
    (12, 8, "Immacolata Concezione"),
    (12, 25, "Natale"),
    (12, 26, "Santo Stefano"),
)
EASTER_MONDAY = "Lunedì dell'Angelo"
# L. 151/2025, in force from 1 January 2026.
SAN_FRANCESCO = (10, 4, "San Francesco d'Assisi")
SAN_FRANCESCO_FROM_YEAR = 2026

# Keyed by the municipality's name as normalised by _municipality_key().
PATRON_DAYS: dict[str, tuple[int, int, str]] = {
    "bologna": (10, 4, "San Petronio, patrono di Bologna"),
    "modena": (1, 31, "San Geminiano, patrono di Modena"),
    "parma": (1, 13, "Sant'Ilario, patrono di Parma"),
    "reggio emilia": (11, 24, "San Prospero, patrono di Reggio Emilia"),
    "ferrara": (4, 23, "San Giorgio, patrono di Ferrara"),
    "ravenna": (7, 23, "Sant'Apollinare, patrono di Ravenna"),
    "forli": (2, 4, "Madonna del Fuoco, patrona di Forlì"),
    "cesena": (6, 24, "San Giovanni Battista, patrono di Cesena"),
    "rimini": (10, 14, "San Gaudenzo, patrono di Rimini"),
    "piacenza": (7, 4, "Sant'Antonino, patrono di Piacenza"),
}
# Official or common spellings that name the same municipality.
_ALIASES = {"reggio nell'emilia": "reggio emilia", "reggio emilia (re)": "reggio emilia"}


def _municipality_key(city: str) -> str:
    apostrophes = city.replace("\u2019", "'")
    without_accents = unicodedata.normalize("NFKD", apostrophes).encode("ascii", "ignore").decode()
    key = " ".join(without_accents.casefold().split())
    return _ALIASES.get(key, key)


def holidays(year: int, city: str) -> dict[date, str]:
    """The public holidays of `year` in the municipality `city`, each with its Italian name.

    An unknown municipality gets the national holidays only. When the patron day falls on a
    national holiday (Bologna, 4 October, from 2026), both names are given.
    """
    days: dict[date, str] = {date(year, month, day): name for month, day, name in NATIONAL_HOLIDAYS}
    days[easter(year) + timedelta(days=1)] = EASTER_MONDAY
    if year >= SAN_FRANCESCO_FROM_YEAR:
        month, day, name = SAN_FRANCESCO
        days[date(year, month, day)] = name
    patron = PATRON_DAYS.get(_municipality_key(city))
    if patron is not None:
        month, day, name = patron
        patron_day = date(year, month, day)
        days[patron_day] = f"{days[patron_day]}; {name}" if patron_day in days else name
    return dict(sorted(days.items()))
