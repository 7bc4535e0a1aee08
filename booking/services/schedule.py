"""Opening hours turned into UTC intervals, day by day in the resource's local time."""

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.models import OpeningHours
from booking.services.timeutil import Interval, merge, wall_clock_to_utc


def open_intervals(
    ranges: Sequence[OpeningHours], zone: ZoneInfo, start: datetime, end: datetime
) -> list[Interval] | None:
    """The resource's open intervals that touch [start, end), merged; None when it has no
    opening hours at all (then it is open at all hours)."""
    if not ranges:
        return None
    by_weekday: dict[int, list[OpeningHours]] = {}
    for opening in ranges:
        by_weekday.setdefault(opening.weekday, []).append(opening)
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        midnight = datetime.combine(day, time())
        for opening in by_weekday.get(day.weekday(), ()):
            intervals.append(
                (
                    wall_clock_to_utc(midnight + timedelta(minutes=opening.start_minute), zone),
                    wall_clock_to_utc(midnight + timedelta(minutes=opening.end_minute), zone),
                )
            )
        day += timedelta(days=1)
    return [(s, e) for s, e in merge(intervals) if s < end and e > start]


def is_open_throughout(open_spans: list[Interval] | None, start: datetime, end: datetime) -> bool:
    if open_spans is None:
        return True
    return any(s <= start and end <= e for s, e in open_spans)
