"""When resources are busy, requested, closed or free, for one resource or across the catalogue.

Everything is computed from three batched queries (bookings of the resources and their joint-lab
family, blackouts, opening hours), whatever the number of resources, so that a search over the
whole network stays one round of queries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Blackout, Booking, Resource, User
from booking.models.bookings import LIVE_STATUSES
from booking.services.errors import InvalidInput
from booking.services.permissions import (
    can_manage_resource,
    require_visible,
    visible_resources_clause,
)
from booking.services.schedule import open_intervals
from booking.services.timeutil import Interval, clip, merge, subtract

MAX_WINDOW = timedelta(days=62)
SLOTS_PER_RESOURCE = 3


@dataclass
class Availability:
    resource: Resource
    busy: list[dict] = field(default_factory=list)
    requested: list[dict] = field(default_factory=list)
    closed: list[dict] = field(default_factory=list)
    free: list[Interval] = field(default_factory=list)


@dataclass
class _Calendar:
    """What one batch of queries found, by resource id."""

    bookings: dict[int, list[Booking]]
    blackouts: dict[int, list[Blackout]]


def check_window(start: datetime, end: datetime, maximum: timedelta = MAX_WINDOW) -> None:
    if end <= start:
        raise InvalidInput({"end": "must be after start"})
    if end - start > maximum:
        raise InvalidInput({"end": f"the window may span at most {maximum.days} days"})


def _family(resource: Resource) -> list[int]:
    return [resource.id, *(c.id for c in resource.children)] + (
        [resource.parent_id] if resource.parent_id else []
    )


def _load_calendar(resource_ids: set[int], start: datetime, end: datetime) -> _Calendar:
    bookings: dict[int, list[Booking]] = defaultdict(list)
    blackouts: dict[int, list[Blackout]] = defaultdict(list)
    if not resource_ids:
        return _Calendar(bookings, blackouts)
    # Bookings are fetched by their blocked span, which reaches past the window by the buffers.
    margin = timedelta(days=1)
    for booking in db.session.execute(
        select(Booking)
        .where(
            Booking.resource_id.in_(resource_ids),
            Booking.status.in_(LIVE_STATUSES),
            Booking.blocked_end > start - margin,
            Booking.blocked_start < end + margin,
        )
        .order_by(Booking.start_at)
    ).scalars():
        bookings[booking.resource_id].append(booking)
    for blackout in db.session.execute(
        select(Blackout)
        .where(
            Blackout.resource_id.in_(resource_ids),
            Blackout.end_at > start,
            Blackout.start_at < end,
        )
        .order_by(Blackout.start_at)
    ).scalars():
        blackouts[blackout.resource_id].append(blackout)
    return _Calendar(bookings, blackouts)


def _closed_spans(
    resource: Resource, calendar: _Calendar, start: datetime, end: datetime, now: datetime
) -> list[dict]:
    """Why the resource cannot be booked at times of the window, each span with its reason."""
    zone = ZoneInfo(resource.timezone)
    closed: list[dict] = []
    spans = open_intervals(resource.opening_hours, zone, start, end)
    if spans is not None:
        for s, e in subtract([(start, end)], spans):
            closed.append({"start": s, "end": e, "reason": "closed"})
    owners = [resource.id] + ([resource.parent_id] if resource.parent_id else [])
    for owner in owners:
        for blackout in calendar.blackouts.get(owner, ()):
            for s, e in clip([(blackout.start_at, blackout.end_at)], start, end):
                closed.append(
                    {"start": s, "end": e, "reason": "blackout", "detail": blackout.reason}
                )
    relatives = [(resource.parent_id, "parent_booked")] if resource.parent_id else []
    relatives += [(child.id, "child_booked") for child in resource.children]
    for relative_id, reason in relatives:
        for booking in calendar.bookings.get(relative_id, ()):
            if booking.status == "confirmed":
                for s, e in clip([(booking.blocked_start, booking.blocked_end)], start, end):
                    closed.append({"start": s, "end": e, "reason": reason})
    bookable_from = now + timedelta(hours=resource.lead_time_hours)
    if start < bookable_from:
        closed.append({"start": start, "end": min(bookable_from, end), "reason": "lead_time"})
    bookable_until = now + timedelta(days=resource.horizon_days)
    if end > bookable_until:
        closed.append({"start": max(bookable_until, start), "end": end, "reason": "horizon"})
    return sorted(
        (c for c in closed if c["start"] < c["end"]), key=lambda c: (c["start"], c["end"])
    )


def _full_spans(resource: Resource, confirmed: list[Booking]) -> list[Interval]:
    """Where a new booking of one unit cannot start or run, given the confirmed bookings and the
    buffers of both (a new booking's blocked span may not overlap an existing one)."""
    before = timedelta(minutes=resource.buffer_before_minutes)
    after = timedelta(minutes=resource.buffer_after_minutes)
    holes = [(b.blocked_start - after, b.blocked_end + before, b.quantity) for b in confirmed]
    if resource.capacity == 1:
        return merge((s, e) for s, e, _ in holes)
    events = sorted([(s, q) for s, _, q in holes] + [(e, -q) for _, e, q in holes])
    full: list[Interval] = []
    in_use, full_since = 0, None
    for moment, change in events:
        in_use += change
        if in_use >= resource.capacity and full_since is None:
            full_since = moment
        elif in_use < resource.capacity and full_since is not None:
            full.append((full_since, moment))
            full_since = None
    return merge(full)


def _entry(booking: Booking, viewer: User, manages: bool) -> dict:
    """A booking as others see it: in full for its requester, their organisation and managers;
    otherwise only that the time is taken."""
    entry = {"start": booking.start_at, "end": booking.end_at, "quantity": booking.quantity}
    if (
        manages
        or booking.requester_id == viewer.id
        or booking.organisation_id == viewer.organisation_id
    ):
        entry.update(booking_id=booking.id, title=booking.title)
    else:
        entry.update(booking_id=None, title=None)
    return entry


def _availability(
    viewer: User,
    resource: Resource,
    calendar: _Calendar,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Availability:
    manages = can_manage_resource(viewer, resource)
    result = Availability(resource)
    confirmed = []
    for booking in calendar.bookings.get(resource.id, ()):
        visible = booking.end_at > start and booking.start_at < end
        if booking.status == "confirmed":
            confirmed.append(booking)
            if visible:
                result.busy.append(_entry(booking, viewer, manages))
        elif visible:
            result.requested.append(_entry(booking, viewer, manages))
    result.closed = _closed_spans(resource, calendar, start, end, now)
    holes = [(c["start"], c["end"]) for c in result.closed] + _full_spans(resource, confirmed)
    result.free = subtract([(start, end)], holes)
    return result


def _with_family(query: Select) -> Select:
    return query.options(
        selectinload(Resource.opening_hours),
        selectinload(Resource.children),
        selectinload(Resource.managers),
    )


def resource_availability(
    viewer: User, resource_id: int, start: datetime, end: datetime, *, now: datetime
) -> Availability:
    """Busy, requested, closed and free intervals of one resource in [start, end)."""
    check_window(start, end)
    resource = db.session.execute(
        _with_family(select(Resource).where(Resource.id == resource_id))
    ).scalar_one_or_none()
    resource = require_visible(viewer, resource)
    calendar = _load_calendar(set(_family(resource)), start, end)
    return _availability(viewer, resource, calendar, start, end, now)


@dataclass
class FreeSlots:
    resource: Resource
    slots: list[Interval]


def _next_on_grid(moment: datetime, zone: ZoneInfo, slot: timedelta) -> datetime:
    """The first instant at or after `moment` on the slot grid counted from local midnight."""
    local = moment.astimezone(zone)
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    remainder = since_midnight % slot
    return moment + (slot - remainder) if remainder else moment


def first_slots(
    resource: Resource, free: list[Interval], duration: timedelta, count: int
) -> list[Interval]:
    """The first `count` bookable slots of `duration` inside the free intervals, on the grid."""
    slot = timedelta(minutes=resource.slot_minutes)
    too_long = resource.max_duration_minutes and duration > timedelta(
        minutes=resource.max_duration_minutes
    )
    if duration % slot or duration < timedelta(minutes=resource.min_duration_minutes) or too_long:
        return []
    zone = ZoneInfo(resource.timezone)
    slots: list[Interval] = []
    for free_start, free_end in free:
        candidate = _next_on_grid(free_start, zone, slot)
        while candidate + duration <= free_end and len(slots) < count:
            slots.append((candidate, candidate + duration))
            candidate += duration
        if len(slots) >= count:
            break
    return slots


def find_free_slots(
    viewer: User,
    resources: Select,
    start: datetime,
    end: datetime,
    duration: timedelta,
    *,
    now: datetime,
    slots_per_resource: int = SLOTS_PER_RESOURCE,
) -> list[FreeSlots]:
    """Among the resources that `resources` selects (and `viewer` sees), those with a free slot
    of `duration` in [start, end), each with its first slots, earliest first."""
    check_window(start, end, maximum=timedelta(days=31))
    if duration <= timedelta(0):
        raise InvalidInput({"duration": "must be a positive number of minutes"})
    candidates = list(
        db.session.execute(_with_family(resources.where(visible_resources_clause(viewer))))
        .scalars()
        .unique()
    )
    family_ids = {rid for resource in candidates for rid in _family(resource)}
    calendar = _load_calendar(family_ids, start, end)
    found = []
    for resource in candidates:
        free = _availability(viewer, resource, calendar, start, end, now).free
        slots = first_slots(resource, free, duration, slots_per_resource)
        if slots:
            found.append(FreeSlots(resource, slots))
    found.sort(key=lambda f: (f.slots[0][0], f.resource.name))
    return found
