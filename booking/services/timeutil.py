"""Local time of resources, and half-open UTC intervals."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


class LocalTimeProblem(Exception):
    """A wall-clock time that does not exist, or exists twice, in a zone."""

    def __init__(self, code: str, local: datetime):
        super().__init__(code)
        self.code = code
        self.local = local


def resolve_local(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive wall-clock time in `zone`.

    Refuses (LocalTimeProblem) a time skipped by the change to summer time
    (`nonexistent_local_time`) and one repeated by the change back (`ambiguous_local_time`):
    only an explicit offset can pick one of those, and a naive time has none.
    """
    first = local.replace(tzinfo=zone, fold=0)
    second = local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # Inside a gap the two folds disagree too, but the time does not survive a round trip.
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        code = "nonexistent_local_time" if round_trip != local else "ambiguous_local_time"
        raise LocalTimeProblem(code, local)
    return first.astimezone(UTC)


def wall_clock_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Like resolve_local, but never refuses: for schedules (opening hours, day boundaries)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(base: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """What remains of the intervals `base` once the `holes` are cut out."""
    holes = merge(holes)
    remaining: list[Interval] = []
    # Both lists are sorted and disjoint: holes that end before an interval starts are passed once
    # and never looked at again.
    first_hole = 0
    for start, end in merge(base):
        while first_hole < len(holes) and holes[first_hole][1] <= start:
            first_hole += 1
        cursor = start
        index = first_hole
        while index < len(holes) and holes[index][0] < end:
            hole_start, hole_end = holes[index]
            if hole_start > cursor:
                remaining.append((cursor, hole_start))
            if hole_end > cursor:
                cursor = hole_end
            if cursor >= end:
                break
            index += 1
        if cursor < end:
            remaining.append((cursor, end))
    return remaining


def clip(intervals: Iterable[Interval], start: datetime, end: datetime) -> list[Interval]:
    return [(max(s, start), min(e, end)) for s, e in intervals if s < end and e > start]


def minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def last_local_day(start: datetime, end: datetime, zone: ZoneInfo) -> date:
    """The local day of the last instant of [start, end): a booking ending at midnight ends on
    the day before."""
    last = end.astimezone(zone)
    if last.time() == time(0) and end > start:
        return last.date() - timedelta(days=1)
    return last.date()
