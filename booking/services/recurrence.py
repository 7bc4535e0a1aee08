"""Recurring bookings: an RFC 5545 RRULE (DAILY or WEEKLY; INTERVAL, BYDAY, COUNT, UNTIL) expanded
in the resource's local wall-clock time, so that 09:00 stays 09:00 across summer-time changes."""

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from dateutil import rrule as dateutil_rrule

from booking.services.errors import InvalidInput

MAX_OCCURRENCES = 366
FREQUENCIES = {"DAILY": dateutil_rrule.DAILY, "WEEKLY": dateutil_rrule.WEEKLY}
WEEKDAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}
FIELD = "recurrence.rrule"


@dataclass(frozen=True)
class RecurrenceRule:
    frequency: str
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    count: int | None = None
    until: str | None = None  # as written: a date, a local date-time, or a UTC date-time

    def until_local(self, zone: ZoneInfo) -> datetime | None:
        """The last allowed local start (a date alone includes its whole day)."""
        if self.until is None:
            return None
        value = self.until
        if len(value) == 8:
            return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time(23, 59, 59))
        if value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return moment.astimezone(zone).replace(tzinfo=None)
        return datetime.strptime(value, "%Y%m%dT%H%M%S")


def parse_rrule(text: str) -> RecurrenceRule:
    """Parse and validate an RRULE value (with or without the `RRULE:` prefix)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput({FIELD: "is required"})
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for item in body.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not value.strip() or name in parts:
            raise InvalidInput({FIELD: f"cannot read '{item}'"})
        parts[name] = value.strip().upper()
    unsupported = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL"}
    if unsupported:
        raise InvalidInput({FIELD: "unsupported parts: " + ", ".join(sorted(unsupported))})
    if parts.get("FREQ") not in FREQUENCIES:
        raise InvalidInput({FIELD: "FREQ must be DAILY or WEEKLY"})
    if "COUNT" in parts and "UNTIL" in parts:
        raise InvalidInput({FIELD: "give COUNT or UNTIL, not both"})
    interval = _positive_int(parts.get("INTERVAL", "1"), "INTERVAL", 1000)
    count = _positive_int(parts["COUNT"], "COUNT", MAX_OCCURRENCES) if "COUNT" in parts else None
    weekdays: tuple[int, ...] = ()
    if "BYDAY" in parts:
        try:
            weekdays = tuple(sorted({WEEKDAYS[day] for day in parts["BYDAY"].split(",")}))
        except KeyError:
            raise InvalidInput({FIELD: "BYDAY takes MO, TU, WE, TH, FR, SA, SU"}) from None
    until = parts.get("UNTIL")
    if until is not None:
        try:
            RecurrenceRule(frequency="DAILY", until=until).until_local(ZoneInfo("UTC"))
        except ValueError:
            raise InvalidInput({FIELD: "UNTIL must be YYYYMMDD or YYYYMMDDTHHMMSS[Z]"}) from None
    return RecurrenceRule(parts["FREQ"], interval, weekdays, count, until)


def _positive_int(value: str, name: str, maximum: int) -> int:
    # isascii: isdigit() also accepts digits such as "²" that int() refuses.
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:
        raise InvalidInput({FIELD: f"{name} must be a whole number from 1 to {maximum}"})
    return int(value)


def local_starts(
    rule: RecurrenceRule, first: datetime, zone: ZoneInfo, last_allowed: datetime
) -> list[datetime]:
    """The wall-clock starts of the series, the first one included.

    Without COUNT or UNTIL the series stops at `last_allowed` (the horizon, local); with them,
    occurrences past the horizon are kept so that the horizon rule can name them. More than
    MAX_OCCURRENCES is invalid input.
    """
    until = rule.until_local(zone)
    if rule.count is None and until is None:
        until = last_allowed
    generated = dateutil_rrule.rrule(
        FREQUENCIES[rule.frequency],
        dtstart=first,
        interval=rule.interval,
        byweekday=rule.weekdays or None,
        count=rule.count,
        until=until,
        cache=False,
    )
    starts: list[datetime] = [first]
    limit = rule.count or MAX_OCCURRENCES + 1
    for start in generated:
        if len(starts) >= limit:
            break
        if start != first:
            starts.append(start)
    if len(starts) > MAX_OCCURRENCES:
        raise InvalidInput({FIELD: f"a series has at most {MAX_OCCURRENCES} occurrences"})
    return starts
