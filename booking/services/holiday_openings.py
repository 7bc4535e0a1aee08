"""Public holidays at a resource, and the holidays its managers open it on.

Holidays come from the holiday calendar (services/holidays.py) by the resource's own municipality,
for any year: every resource is closed on them unless its managers open it on that day (a
HolidayOpening row). A joint lab and each instrument inside it have their own holidays (their own
city) and their own openings; only the lab's blackouts reach inside it.
"""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from booking.extensions import db
from booking.models import HolidayOpening, Resource, User
from booking.services import history
from booking.services.catalogue import (
    FIRST_YEAR,
    LAST_YEAR,
    N_,
    OUT_OF_CALENDAR,
    get_managed_resource,
    get_resource,
    local_today,
    valid_id,
)
from booking.services.errors import InvalidInput, NotFound
from booking.services.holidays import (
    Holiday,
    HolidayClosure,
    holiday_closures,
    holidays,
    holidays_between,
    local_day,
)
from booking.services.transaction import writing

# What the pages list: the holidays of the coming year.
COMING = timedelta(days=365)
NOT_A_HOLIDAY = N_("is not a public holiday where the resource is")


@dataclass
class HolidayDay:
    """A public holiday at a resource: its whole local day, and the opening if it is opened."""

    holiday: Holiday
    start: datetime
    end: datetime
    opening: HolidayOpening | None

    @property
    def is_open(self) -> bool:
        return self.opening is not None


def opened_days(
    resource_ids: Collection[int] | Select, start: datetime, end: datetime
) -> dict[int, set[date]]:
    """The days in [start, end) (as local dates, in any zone) on which each of the resources
    (ids, or a select of ids) is opened, by resource id: one query."""
    days: dict[int, set[date]] = defaultdict(set)
    for row in db.session.execute(
        select(HolidayOpening.resource_id, HolidayOpening.day).where(
            HolidayOpening.resource_id.in_(resource_ids),
            # From the day before to the day after in UTC: every zone's dates in between.
            HolidayOpening.day >= (start.astimezone(UTC) - timedelta(days=1)).date(),
            HolidayOpening.day <= (end.astimezone(UTC) + timedelta(days=1)).date(),
        )
    ):
        days[row.resource_id].add(row.day)
    return days


def closures_of(resource: Resource, start: datetime, end: datetime) -> list[HolidayClosure]:
    """The holidays that close the resource in [start, end), each as its whole local day; the
    openings are read only when a holiday falls in the window."""
    zone = ZoneInfo(resource.timezone)
    closures = holiday_closures(resource.city, zone, start, end)
    if not closures:
        return []
    opened = opened_days([resource.id], start, end).get(resource.id, set())
    return [closure for closure in closures if closure.holiday.day not in opened]


def holiday_days(resource: Resource, first: date, last: date) -> list[HolidayDay]:
    """The holidays at the resource from `first` to `last` (both included), with their openings."""
    zone = ZoneInfo(resource.timezone)
    found = holidays_between(resource.city, first, last)
    if not found:
        return []
    openings = {
        opening.day: opening
        for opening in db.session.execute(
            select(HolidayOpening).where(
                HolidayOpening.resource_id == resource.id,
                HolidayOpening.day >= first,
                HolidayOpening.day <= last,
            )
        ).scalars()
    }
    return [
        HolidayDay(holiday, *local_day(holiday.day, zone), openings.get(holiday.day))
        for holiday in found
    ]


def coming_holidays(resource: Resource, *, now: datetime) -> list[HolidayDay]:
    """The holidays at the resource from today (its local date) to a year ahead."""
    today = local_today(resource, now=now)
    return holiday_days(resource, today, today + COMING)


def list_holidays(
    user: User | None, resource_id: int, year: int | None = None, *, now: datetime
) -> tuple[int, list[HolidayDay]]:
    """The holidays of `year` (default: the current year at the resource) at a resource that
    `user` may see, with their openings; and the year."""
    resource = get_resource(user, resource_id)
    if year is None:
        year = local_today(resource, now=now).year
    elif not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput({"year": OUT_OF_CALENDAR})
    return year, holiday_days(resource, date(year, 1, 1), date(year, 12, 31))


def openings_query(user: User | None, resource_id: int) -> tuple[Resource, Select]:
    """A resource that `user` manages, and the query of the holidays it is opened on, earliest
    first."""
    resource = get_managed_resource(user, resource_id)
    query = (
        select(HolidayOpening)
        .where(HolidayOpening.resource_id == resource.id)
        .order_by(HolidayOpening.day, HolidayOpening.id)
    )
    return resource, query


def _opening_on(resource_id: int, day: date) -> HolidayOpening | None:
    return db.session.execute(
        select(HolidayOpening).where(
            HolidayOpening.resource_id == resource_id, HolidayOpening.day == day
        )
    ).scalar_one_or_none()


@writing()
def open_on_holiday(
    user: User | None, resource_id: int, day: date, *, now: datetime
) -> tuple[HolidayOpening, bool]:
    """Open a resource that `user` manages on a public holiday of its municipality (its opening
    hours still apply then). Returns the opening and whether it is new: opening again changes
    nothing."""
    resource = get_managed_resource(user, resource_id)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InvalidInput({"date": OUT_OF_CALENDAR})
    if day not in holidays(day.year, resource.city):
        raise InvalidInput({"date": NOT_A_HOLIDAY})
    existing = _opening_on(resource.id, day)
    if existing is not None:
        return existing, False
    opening = HolidayOpening(
        resource_id=resource.id, day=day, created_by_id=user.id, created_at=now
    )
    try:
        # A savepoint: losing the race undoes the insert alone.
        with db.session.begin_nested():
            db.session.add(opening)
    except IntegrityError:
        # Someone opened the same day at the same moment: theirs stands.
        existing = _opening_on(resource.id, day)
        if existing is None:
            raise
        return existing, False
    # The resource's calendar (its availability and feed) changes with it.
    resource.updated_at = now
    history.record(resource, "holiday_opened", user, now, after=history.snapshot(opening))
    return opening, True


def get_holiday_opening(user: User | None, opening_id: int) -> HolidayOpening:
    """A holiday opening of a resource that `user` may see."""
    opening = db.session.get(HolidayOpening, opening_id) if valid_id(opening_id) else None
    if opening is None:
        raise NotFound(N_("No such holiday opening."))
    get_resource(user, opening.resource_id)
    return opening


@writing()
def close_on_holiday(user: User | None, opening_id: int, *, now: datetime) -> int:
    """Close the resource again on the holiday of this opening (bookings already made for that day
    stay, as they do when a blackout is added); returns the id of the resource."""
    opening = get_holiday_opening(user, opening_id)
    resource = get_managed_resource(user, opening.resource_id)
    history.record(resource, "holiday_closed", user, now, before=history.snapshot(opening))
    db.session.delete(opening)
    resource.updated_at = now
    return resource.id
