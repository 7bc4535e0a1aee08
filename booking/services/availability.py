"""When resources are busy, requested, closed or free, for one resource or across the catalogue.

Everything is computed from a fixed number of batched queries (the resources, their opening
hours and joint-lab family, bookings, blackouts, and the holiday openings when a public holiday
falls in the window), whatever the number of resources, so that a search over the whole network
stays one round of queries. Public holidays come from the holiday calendar, worked out once per
municipality and time zone, never per resource. Bookings and opening hours are read as
plain rows, not entities: a search reads thousands. On PostgreSQL a search finds the bookings of a
window through the index ix_bookings_live_span (migration 0005); see docs/performance.md.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, and_, func, select, union
from sqlalchemy.orm import joinedload, load_only, selectinload

from booking.extensions import db
from booking.models import Blackout, Booking, OpeningHours, Resource, User
from booking.models.bookings import LIVE_STATUSES
from booking.services.errors import InvalidInput
from booking.services.holiday_openings import opened_days
from booking.services.holidays import HolidayClosure, holiday_closures
from booking.services.permissions import (
    can_manage_resource,
    require_visible,
    sees_booking_details,
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
    """What one batch of queries found, by resource id: bookings and blackouts as plain rows,
    and the holidays each resource is opened on."""

    bookings: dict[int, list[Row]]
    blackouts: dict[int, list[Row]]
    openings: dict[int, set[date]]


# What the free and busy times are made of; rows, not entities: a search reads thousands.
_BOOKING_FIELDS = (
    Booking.id,
    Booking.resource_id,
    Booking.status,
    Booking.start_at,
    Booking.end_at,
    Booking.blocked_start,
    Booking.blocked_end,
    Booking.quantity,
    Booking.requester_id,
    Booking.organisation_id,
    Booking.title,
)
# All that free time needs: when confirmed bookings block and how many units.
_BLOCKING_FIELDS = (
    Booking.resource_id,
    Booking.status,
    Booking.blocked_start,
    Booking.blocked_end,
    Booking.quantity,
)


def check_window(start: datetime, end: datetime, maximum: timedelta = MAX_WINDOW) -> None:
    if end <= start:
        raise InvalidInput({"end": "must be after start"})
    if end - start > maximum:
        raise InvalidInput({"end": f"the window may span at most {maximum.days} days"})


def _family(resource: Resource) -> list[int]:
    return [resource.id, *(c.id for c in resource.children)] + (
        [resource.parent_id] if resource.parent_id else []
    )


def _blocked_during(lo: datetime, hi: datetime, *, many: bool) -> ColumnElement[bool]:
    """Bookings whose blocked span meets [lo, hi). For `many` resources on PostgreSQL as a range
    overlap, which the index ix_bookings_live_span answers whatever the number of resources; for
    a few, ix_bookings_resource_blocked answers the comparisons faster."""
    if many and db.session.get_bind().dialect.name == "postgresql":
        span = func.tstzrange(Booking.blocked_start, Booking.blocked_end, "[)")
        return span.op("&&")(func.tstzrange(lo, hi, "[)"))
    return and_(Booking.blocked_end > lo, Booking.blocked_start < hi)


def _load_calendar(
    resource_ids: Collection[int] | Select,
    start: datetime,
    end: datetime,
    *,
    margin: timedelta,
    fields: tuple = _BOOKING_FIELDS,
    statuses: tuple[str, ...] = LIVE_STATUSES,
    openings: bool,
) -> _Calendar:
    """Bookings (of `statuses`) and blackouts of the resources (ids, or a select of the ids of a
    search's many) in [start, end), and with `openings` (a holiday falls in the window) the
    holidays they are opened on; bookings by their blocked span, from `margin` before to
    `margin` after, so that buffers reaching into the window are seen."""
    bookings: dict[int, list[Row]] = defaultdict(list)
    blackouts: dict[int, list[Row]] = defaultdict(list)
    for booking in db.session.execute(
        select(*fields)
        .where(
            Booking.resource_id.in_(resource_ids),
            Booking.status.in_(statuses),
            _blocked_during(start - margin, end + margin, many=isinstance(resource_ids, Select)),
        )
        .order_by(Booking.start_at)
    ):
        bookings[booking.resource_id].append(booking)
    for blackout in db.session.execute(
        select(Blackout.resource_id, Blackout.start_at, Blackout.end_at, Blackout.reason)
        .where(
            Blackout.resource_id.in_(resource_ids),
            Blackout.end_at > start,
            Blackout.start_at < end,
        )
        .order_by(Blackout.start_at)
    ):
        blackouts[blackout.resource_id].append(blackout)
    return _Calendar(bookings, blackouts, opened_days(resource_ids, start, end) if openings else {})


def _widest_buffer(resources: Iterable[Resource]) -> timedelta:
    return timedelta(
        minutes=max(
            (max(r.buffer_before_minutes, r.buffer_after_minutes) for r in resources), default=0
        )
    )


def _taken(
    resource: Resource, child_ids: Iterable[int], calendar: _Calendar
) -> Iterator[tuple[datetime, datetime, str, str | None]]:
    """Times the resource's family takes away from it: blackouts of the resource or its joint
    lab, confirmed bookings of the joint lab or its instruments. (start, end, reason, detail)."""
    owners = [resource.id] + ([resource.parent_id] if resource.parent_id else [])
    for owner in owners:
        for blackout in calendar.blackouts.get(owner, ()):
            yield blackout.start_at, blackout.end_at, "blackout", blackout.reason
    relatives = [(resource.parent_id, "parent_booked")] if resource.parent_id else []
    relatives += [(child_id, "child_booked") for child_id in child_ids]
    for relative_id, reason in relatives:
        for booking in calendar.bookings.get(relative_id, ()):
            if booking.status == "confirmed":
                yield booking.blocked_start, booking.blocked_end, reason, None


def _bookable_range(
    resource: Resource, start: datetime, end: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The part of [start, end) that lead time and horizon leave, as (from, until); nothing is
    left when from is not before until."""
    return (
        max(start, now + timedelta(hours=resource.lead_time_hours)),
        min(end, now + timedelta(days=resource.horizon_days)),
    )


def _holidays(
    resource: Resource, closures: list[HolidayClosure], calendar: _Calendar
) -> list[HolidayClosure]:
    """The holidays of the resource's municipality that close it: those it is not opened on."""
    opened = calendar.openings.get(resource.id)
    if not opened:
        return closures
    return [closure for closure in closures if closure.holiday.day not in opened]


def _closures(
    resource: Resource,
    open_spans: list[Interval] | None,
    holidays: list[HolidayClosure],
    child_ids: Iterable[int],
    calendar: _Calendar,
    start: datetime,
    end: datetime,
    now: datetime,
) -> Iterator[tuple[datetime, datetime, str, str | None]]:
    """Why the resource cannot be booked at times of the window: (start, end, reason, detail),
    unsorted, each inside the window. A holiday is one `closed` span with its name as the
    detail; the closures of the opening hours leave its day to it."""
    holiday_spans = [(closure.start, closure.end) for closure in holidays]
    if open_spans is not None:
        for s, e in subtract([(start, end)], [*open_spans, *holiday_spans]):
            yield s, e, "closed", None
    for closure in holidays:
        for s, e in clip([(closure.start, closure.end)], start, end):
            yield s, e, "closed", closure.holiday.name
    for taken_start, taken_end, reason, detail in _taken(resource, child_ids, calendar):
        for s, e in clip([(taken_start, taken_end)], start, end):
            yield s, e, reason, detail
    bookable_from, bookable_until = _bookable_range(resource, start, end, now)
    if start < bookable_from:
        yield start, min(bookable_from, end), "lead_time", None
    if end > bookable_until:
        yield max(bookable_until, start), end, "horizon", None


def _closed_spans(
    resource: Resource, calendar: _Calendar, start: datetime, end: datetime, now: datetime
) -> list[dict]:
    """The closures of one resource in the window as entries, in order."""
    zone = ZoneInfo(resource.timezone)
    spans = open_intervals(resource.opening_hours, zone, start, end)
    holidays = _holidays(resource, holiday_closures(resource.city, zone, start, end), calendar)
    closed = []
    for s, e, reason, detail in _closures(
        resource, spans, holidays, (c.id for c in resource.children), calendar, start, end, now
    ):
        if s < e:
            entry = {"start": s, "end": e, "reason": reason}
            # A blackout's reason, or the name of the holiday that closes the resource.
            if detail is not None:
                entry["detail"] = detail
            closed.append(entry)
    return sorted(closed, key=lambda c: (c["start"], c["end"]))


def _full_spans(resource: Resource, confirmed: Iterable[Row]) -> list[Interval]:
    """Where a new booking of one unit cannot start or run, given the confirmed bookings and the
    buffers of both (a new booking's blocked span may not overlap an existing one)."""
    before = timedelta(minutes=resource.buffer_before_minutes)
    after = timedelta(minutes=resource.buffer_after_minutes)
    if resource.capacity == 1:
        if before or after:
            return merge((b.blocked_start - after, b.blocked_end + before) for b in confirmed)
        return merge((b.blocked_start, b.blocked_end) for b in confirmed)
    holes = [(b.blocked_start - after, b.blocked_end + before, b.quantity) for b in confirmed]
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


def _entry(booking: Row, viewer: User, manages: bool) -> dict:
    """A booking as others see it: in full for its requester, their organisation and managers;
    otherwise only that the time is taken."""
    entry = {"start": booking.start_at, "end": booking.end_at, "quantity": booking.quantity}
    if sees_booking_details(viewer, booking, manages):
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


def resource_availability(
    viewer: User, resource_id: int, start: datetime, end: datetime, *, now: datetime
) -> Availability:
    """Busy, requested, closed and free intervals of one resource in [start, end)."""
    check_window(start, end)
    resource = (
        db.session.execute(
            select(Resource)
            .where(Resource.id == resource_id)
            .options(
                joinedload(Resource.opening_hours),
                joinedload(Resource.managers),
                # A joint lab's instruments can be many: not multiplied into the rows above.
                selectinload(Resource.children),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    resource = require_visible(viewer, resource)
    any_holiday = bool(holiday_closures(resource.city, ZoneInfo(resource.timezone), start, end))
    calendar = _load_calendar(
        _family(resource), start, end, margin=_widest_buffer([resource]), openings=any_holiday
    )
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


# The columns of a candidate that the search and the pages and API listing its results read;
# the others (descriptions, specifications, rates) stay in the database until something reads
# them, at a query per resource: a listing of results should keep to these.
_SEARCHED = (
    Resource.name,
    Resource.kind,
    Resource.organisation_id,
    Resource.parent_id,
    Resource.timezone,
    Resource.city,
    Resource.visibility,
    Resource.capacity,
    Resource.slot_minutes,
    Resource.min_duration_minutes,
    Resource.max_duration_minutes,
    Resource.buffer_before_minutes,
    Resource.buffer_after_minutes,
    Resource.lead_time_hours,
    Resource.horizon_days,
)


@dataclass
class _Candidates:
    """The resources a search looks at, with what their free time depends on, by resource id."""

    resources: list[Resource]
    children: dict[int, list[int]]
    opening_hours: dict[int, list[Row]]
    # A key per weekly schedule: many resources share one, and its open intervals are worked out
    # once per search.
    schedules: dict[int, tuple]

    @classmethod
    def load(cls, visible: Select) -> "_Candidates":
        resources = list(
            db.session.execute(visible.options(load_only(*_SEARCHED))).scalars().unique()
        )
        ids = select(visible.subquery().c.id)
        children: dict[int, list[int]] = defaultdict(list)
        opening_hours: dict[int, list[Row]] = defaultdict(list)
        if resources:
            for child in db.session.execute(
                select(Resource.id, Resource.parent_id).where(Resource.parent_id.in_(ids))
            ):
                children[child.parent_id].append(child.id)
            for opening in db.session.execute(
                select(
                    OpeningHours.resource_id,
                    OpeningHours.weekday,
                    OpeningHours.start_minute,
                    OpeningHours.end_minute,
                )
                .where(OpeningHours.resource_id.in_(ids))
                .order_by(OpeningHours.resource_id, OpeningHours.weekday, OpeningHours.start_minute)
            ):
                opening_hours[opening.resource_id].append(opening)
        schedules = {
            resource_id: tuple((h.weekday, h.start_minute, h.end_minute) for h in rows)
            for resource_id, rows in opening_hours.items()
        }
        return cls(resources, children, opening_hours, schedules)

    def family(self, candidate_ids: Select) -> Select:
        """The ids of the candidates, their joint labs and their instruments."""
        relatives = {r.parent_id for r in self.resources if r.parent_id}
        relatives.update(child for ids in self.children.values() for child in ids)
        family = union(candidate_ids, select(Resource.id).where(Resource.id.in_(relatives)))
        return select(family.subquery().c.id)


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
    of `duration` in [start, end), each with its first slots, earliest first.

    The free time is resource_availability's, worked out from the open side for every candidate
    from one round of queries; only confirmed bookings take time away, so only they are read."""
    check_window(start, end, maximum=timedelta(days=31))
    if duration <= timedelta(0):
        raise InvalidInput({"duration": "must be a positive number of minutes"})
    visible = resources.where(visible_resources_clause(viewer))
    candidates = _Candidates.load(visible)
    if not candidates.resources:
        return []
    # The holidays of each municipality and time zone among the candidates, worked out once.
    places: dict[tuple[str, str], list[HolidayClosure]] = {}
    for resource in candidates.resources:
        place = (resource.city, resource.timezone)
        if place not in places:
            places[place] = holiday_closures(resource.city, ZoneInfo(resource.timezone), start, end)
    calendar = _load_calendar(
        candidates.family(select(visible.subquery().c.id)),
        start,
        end,
        margin=_widest_buffer(candidates.resources),
        fields=_BLOCKING_FIELDS,
        statuses=("confirmed",),
        openings=any(places.values()),
    )
    open_spans: dict[tuple, list[Interval] | None] = {}
    bookable_spans: dict[tuple, list[Interval]] = {}
    found = []
    for resource in candidates.resources:
        lo, hi = _bookable_range(resource, start, end, now)
        if lo >= hi:
            continue
        schedule = (resource.timezone, candidates.schedules.get(resource.id, ()))
        holidays = _holidays(resource, places[resource.city, resource.timezone], calendar)
        # Resources of one schedule and municipality share their open time, unless one of them
        # is opened on a holiday (the holidays left then differ).
        closed_days = tuple(closure.holiday.day for closure in holidays)
        key = (schedule, resource.city, closed_days, lo, hi)
        if key not in bookable_spans:
            if schedule not in open_spans:
                open_spans[schedule] = open_intervals(
                    candidates.opening_hours.get(resource.id),
                    ZoneInfo(resource.timezone),
                    start,
                    end,
                )
            spans = open_spans[schedule]
            bookable = [(lo, hi)] if spans is None else clip(spans, lo, hi)
            bookable_spans[key] = subtract(bookable, [(c.start, c.end) for c in holidays])
        holes = _full_spans(resource, calendar.bookings.get(resource.id, ()))
        children = candidates.children.get(resource.id, ())
        holes += [(s, e) for s, e, _, _ in _taken(resource, children, calendar)]
        free = subtract(bookable_spans[key], holes)
        slots = first_slots(resource, free, duration, slots_per_resource)
        if slots:
            found.append(FreeSlots(resource, slots))
    found.sort(key=lambda f: (f.slots[0][0], f.resource.name))
    return found
