"""A resource's weekly opening hours, in its local time.

Days missing from the weekly schedule are closed; a schedule with no range at all means "open at
all hours".
"""

import re
from collections.abc import Mapping
from datetime import datetime
from itertools import pairwise
from typing import Any

from booking.models import OpeningHours, Resource, User
from booking.models.resources import WEEKDAYS
from booking.services import history
from booking.services.catalogue import N_, get_managed_resource, get_resource
from booking.services.errors import InvalidInput
from booking.services.transaction import writing

_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})$")


def _minutes(text: Any, *, end: bool) -> int | None:
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        return None
    return hours * 60 + minutes


def clock_time(minute: int) -> str:
    """Minutes after local midnight as HH:MM (1440 is 24:00, the end of the day)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def weekly_schedule(resource: Resource) -> dict[str, list[list[str]]]:
    """{"mon": [["08:00", "18:00"]], ..., "sun": []} in the resource's local time."""
    weekly: dict[str, list[list[str]]] = {day: [] for day in WEEKDAYS}
    for span in sorted(resource.opening_hours, key=lambda s: (s.weekday, s.start_minute)):
        weekly[WEEKDAYS[span.weekday]].append(
            [clock_time(span.start_minute), clock_time(span.end_minute)]
        )
    return weekly


def get_opening_hours(user: User | None, resource_id: int) -> dict[str, list[list[str]]]:
    return weekly_schedule(get_resource(user, resource_id))


def _read_weekly(weekly: Any) -> list[tuple[int, int, int]]:
    if not isinstance(weekly, Mapping):
        raise InvalidInput({"weekly": N_("must be an object with the days mon to sun")})
    errors: dict[str, str] = {}
    spans: list[tuple[int, int, int]] = []
    for day, ranges in weekly.items():
        key = f"weekly.{day}"
        if day not in WEEKDAYS:
            errors[key] = N_("is not a day (mon, tue, wed, thu, fri, sat, sun)")
            continue
        if ranges is None:
            ranges = []
        if not isinstance(ranges, list | tuple):
            errors[key] = N_('must be a list of ranges such as ["08:00", "18:00"]')
            continue
        parsed = []
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                errors[key] = N_('must be a list of ranges such as ["08:00", "18:00"]')
                break
            start, end = _minutes(pair[0], end=False), _minutes(pair[1], end=True)
            if start is None or end is None:
                errors[key] = N_("times must be HH:MM, from 00:00 to 24:00")
                break
            if start >= end:
                errors[key] = N_("each range must end after it starts")
                break
            parsed.append((start, end))
        if key in errors:
            continue
        parsed.sort()
        if any(later[0] < earlier[1] for earlier, later in pairwise(parsed)):
            errors[key] = N_("ranges of one day must not overlap")
            continue
        weekday = WEEKDAYS.index(day)
        spans.extend((weekday, start, end) for start, end in parsed)
    if errors:
        raise InvalidInput(errors)
    return spans


@writing()
def set_opening_hours(
    user: User | None, resource_id: int, weekly: Any, *, now: datetime
) -> dict[str, list[list[str]]]:
    """Replace the weekly schedule; days left out are closed, and a schedule without any range
    leaves the resource open at all hours."""
    resource = get_managed_resource(user, resource_id)
    spans = _read_weekly(weekly)
    before = weekly_schedule(resource)
    resource.opening_hours = [
        OpeningHours(weekday=weekday, start_minute=start, end_minute=end)
        for weekday, start, end in spans
    ]
    resource.updated_at = now
    after = weekly_schedule(resource)
    history.record(resource, "opening_hours_set", user, now, before=before, after=after)
    return after
