"""Monthly quotas: the hours that organisations other than a resource's owners may hold on it in a
calendar month of the resource's local time.

The booking rules (services/rules.py) refuse what would exceed a quota and `quota_status()` tells a
requester what remains; both count with `hours_used()`, so they never disagree.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, Resource, User
from booking.models.bookings import LIVE_STATUSES

# A calendar month: its first day, and its local start and end as aware instants.
Month = tuple[date, datetime, datetime]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds(month: date, zone: ZoneInfo) -> Month:
    """The calendar month of `month` in `zone`: its first day, local start and local end."""
    first = month_start(month)
    return (
        first,
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(next_month(first), time.min, tzinfo=zone),
    )


def months_touched(start: datetime, end: datetime, zone: ZoneInfo) -> list[Month]:
    """The calendar months (local to `zone`) that [start, end) touches, in order."""
    months = []
    month = month_bounds(start.astimezone(zone).date(), zone)
    while month[1] < end:
        months.append(month)
        month = month_bounds(next_month(month[0]), zone)
    return months


def add_usage(used: dict[date, float], start: datetime, end: datetime, zone: ZoneInfo) -> None:
    """Add the hours of [start, end) to `used`, split over the months it touches."""
    for month, lo, hi in months_touched(start, end, zone):
        hours = (min(end, hi) - max(start, lo)).total_seconds() / 3600
        if hours > 0:
            used[month] = used.get(month, 0.0) + hours


def quota_applies(resource: Resource, organisation_id: int) -> bool:
    """Whether the resource's quota limits `organisation_id` (its owners are never limited)."""
    return bool(resource.monthly_quota_hours) and (
        organisation_id not in resource.owner_organisation_ids
    )


def hours_used(
    resource: Resource,
    organisation_id: int,
    start: datetime,
    end: datetime,
    *,
    ignore_booking_id: int | None = None,
) -> dict[date, float]:
    """Hours of the organisation's live bookings (pending and confirmed) on the resource in each
    local calendar month that [start, end) touches."""
    zone = ZoneInfo(resource.timezone)
    months = months_touched(start, end, zone)
    used = {month: 0.0 for month, _, _ in months}
    if not months:
        return used
    lo, hi = months[0][1], months[-1][2]
    rows = db.session.execute(
        select(Booking.id, Booking.start_at, Booking.end_at).where(
            Booking.resource_id == resource.id,
            Booking.organisation_id == organisation_id,
            Booking.status.in_(LIVE_STATUSES),
            Booking.end_at > lo,
            Booking.start_at < hi,
        )
    ).all()
    for booking_id, booking_start, booking_end in rows:
        if booking_id != ignore_booking_id:
            add_usage(used, max(booking_start, lo), min(booking_end, hi), zone)
    return used


@dataclass(frozen=True)
class QuotaStatus:
    quota_hours: int
    used_hours: float
    remaining_hours: float
    month: str  # YYYY-MM, in the resource's local time


def quota_status(user: User, resource: Resource, now: datetime) -> QuotaStatus | None:
    """What the user's organisation has used of the resource's quota in the current local month;
    None when no quota limits it (no quota, or the organisation owns or co-owns the resource).
    The caller has checked that `user` may see the resource."""
    if not quota_applies(resource, user.organisation_id):
        return None
    zone = ZoneInfo(resource.timezone)
    month, lo, hi = month_bounds(now.astimezone(zone).date(), zone)
    used = hours_used(resource, user.organisation_id, lo, hi)[month]
    quota = resource.monthly_quota_hours
    return QuotaStatus(
        quota_hours=quota,
        used_hours=round(used, 2),
        remaining_hours=round(max(quota - used, 0.0), 2),
        month=month.strftime("%Y-%m"),
    )
