"""Creating, moving and cancelling bookings: the one way in for pages, API, CLI and jobs.

Each action runs in one unit of work (services/transaction.py) that first takes the locks of
every resource it touches, then re-reads the calendar and checks every rule (services/rules.py),
then writes; it commits when the action is done, or as part of the caller's unit of work when one
is open. A refusal raises BookingRefused carrying every violation.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from booking.extensions import db
from booking.models import Booking, BookingSeries, Organisation, Resource, User
from booking.models.bookings import LIVE_STATUSES, ON_CONFLICT
from booking.services import audit, pricing
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.permissions import can_manage_resource, is_owner_member, require_visible
from booking.services.recurrence import local_starts, parse_rrule
from booking.services.rules import RuleBook, blocked_span
from booking.services.text import has_control_characters
from booking.services.timeutil import LocalTimeProblem, resolve_local, wall_clock_to_utc
from booking.services.transaction import Transaction, writing
from booking.services.violations import BookingRefused, Violation

MAX_TITLE = 200
MAX_PURPOSE = 5000
# Why a booking was cancelled, approved or declined, as told to its requester.
MAX_REASON = 500


@dataclass(frozen=True)
class BookingInput:
    """What a requester asks for. `start`/`end` are aware instants, or naive wall-clock times in
    the resource's zone (as typed into a form); never a mix of both."""

    resource_id: int
    start: datetime
    end: datetime
    title: str
    purpose: str = ""
    quantity: int = 1
    rrule: str | None = None
    on_conflict: str = "abort"
    record_past_use: bool = False


@dataclass
class Occurrence:
    start: datetime
    end: datetime
    problem: Violation | None = None


@dataclass
class SkippedOccurrence:
    start: datetime
    end: datetime
    violations: list[Violation]


@dataclass
class BookingOutcome:
    bookings: list[Booking]
    series: BookingSeries | None = None
    skipped: list[SkippedOccurrence] = field(default_factory=list)


# Everything the rules read of a resource: its few managers, co-owners and clusters in the same
# statement, a joint lab's instruments and the opening hours (which can be many) in their own.
RULES_LOADING = (
    selectinload(Resource.opening_hours),
    joinedload(Resource.managers),
    joinedload(Resource.co_owners),
    joinedload(Resource.clusters),
    selectinload(Resource.children),
)


def load_resource(resource_id: int) -> Resource:
    """The resource with everything the rules read."""
    return (
        db.session.execute(
            select(Resource).where(Resource.id == resource_id).options(*RULES_LOADING)
        )
        .unique()
        .scalar_one()
    )


def _validate(data: BookingInput) -> None:
    errors = {}
    if not isinstance(data.title, str) or not data.title.strip():
        errors["title"] = "is required"
    elif len(data.title.strip()) > MAX_TITLE:
        errors["title"] = f"must be at most {MAX_TITLE} characters"
    elif has_control_characters(data.title.strip()):
        errors["title"] = "must be one line of text"
    if len(data.purpose or "") > MAX_PURPOSE:
        errors["purpose"] = f"must be at most {MAX_PURPOSE} characters"
    if isinstance(data.quantity, bool) or not isinstance(data.quantity, int) or data.quantity < 1:
        errors["quantity"] = "must be a whole number of at least 1"
    if data.on_conflict not in ON_CONFLICT:
        errors["recurrence.on_conflict"] = "must be abort or skip"
    if (data.start.tzinfo is None) != (data.end.tzinfo is None):
        errors["end"] = "start and end must both carry an offset, or both be local times"
    if errors:
        raise InvalidInput(errors)


def _resolve(moment: datetime, zone: ZoneInfo) -> tuple[datetime, Violation | None]:
    """An instant for an aware or a local time; a local time that does not exist or is ambiguous
    becomes a violation (with the instant its wall-clock reading would have)."""
    if moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo("UTC")), None
    try:
        return resolve_local(moment, zone), None
    except LocalTimeProblem as problem:
        approximate = wall_clock_to_utc(moment, zone)
        return approximate, Violation(
            problem.code,
            approximate,
            approximate,
            params={"time": moment.strftime("%Y-%m-%d %H:%M")},
        )


def _occurrences(resource: Resource, data: BookingInput, now: datetime) -> list[Occurrence]:
    zone = ZoneInfo(resource.timezone)
    start, start_problem = _resolve(data.start, zone)
    end, end_problem = _resolve(data.end, zone)
    if end <= start and not (start_problem or end_problem):
        raise BookingRefused([Violation("invalid_interval", start, end)])
    first = Occurrence(start, end, start_problem or end_problem)
    if not data.rrule:
        return [first]

    rule = parse_rrule(data.rrule)
    local_start = (
        data.start if data.start.tzinfo is None else start.astimezone(zone).replace(tzinfo=None)
    )
    local_end = data.end if data.end.tzinfo is None else end.astimezone(zone).replace(tzinfo=None)
    length = local_end - local_start
    horizon = (now + timedelta(days=resource.horizon_days)).astimezone(zone).replace(tzinfo=None)
    occurrences = [first]
    for wall_start in local_starts(rule, local_start, zone, horizon)[1:]:
        occ_start, problem_start = _resolve(wall_start, zone)
        occ_end, problem_end = _resolve(wall_start + length, zone)
        occurrences.append(Occurrence(occ_start, occ_end, problem_start or problem_end))
    return occurrences


def _initial_status(actor: User, resource: Resource, manages: bool) -> str:
    if resource.approval == "none" or manages:
        return "confirmed"
    if resource.approval == "external" and is_owner_member(actor, resource):
        return "confirmed"
    return "pending"


def _rate_category(requester: User, resource: Resource) -> str:
    # Often already loaded, with its clusters, by the visibility check.
    organisation = db.session.get(
        Organisation, requester.organisation_id, options=[joinedload(Organisation.clusters)]
    )
    return pricing.rate_category(organisation, resource)


def decision_reason(reason: str | None) -> str:
    """The reason given for a decision, trimmed; InvalidInput when it is too long."""
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput({"reason": f"must be at most {MAX_REASON} characters"})
    return reason


def create_bookings(
    actor: User,
    data: BookingInput,
    *,
    now: datetime,
    on_behalf_of: User | None = None,
) -> BookingOutcome:
    """Book one interval, or a series, for `actor`; confirmed or pending by the approval policy.

    With `on_behalf_of`, a manager of the resource books for that user (a pilot-plant trial they
    scheduled): the booking is the user's, and the rules that depend on who books (qualification,
    quota, duplicates, rate) are checked for them; it is confirmed, since a manager made it.
    Inside the caller's unit of work (`writing()`), the bookings are written but committed with
    the rest of it.
    """
    _validate(data)
    requester = on_behalf_of or actor
    with writing(families=[data.resource_id]) as tx:
        resource = require_visible(actor, load_resource(data.resource_id))
        manages = can_manage_resource(actor, resource)
        if data.record_past_use and not manages:
            raise Forbidden("Only the resource's managers may record past use.")
        if on_behalf_of is not None and not manages:
            raise Forbidden("Only the resource's managers may book for someone else.")
        occurrences = _occurrences(resource, data, now)
        status = _initial_status(actor, resource, manages)
        rules = RuleBook(
            resource=resource,
            requester=requester,
            viewer=actor,
            viewer_manages=manages,
            now=now,
            window=(min(o.start for o in occurrences), max(o.end for o in occurrences)),
            record_past_use=data.record_past_use,
        )
        accepted: list[Occurrence] = []
        skipped: list[SkippedOccurrence] = []
        for occurrence in occurrences:
            if occurrence.problem is not None:
                violations = [occurrence.problem]
            else:
                violations = rules.check(occurrence.start, occurrence.end, data.quantity)
            if violations:
                skipped.append(SkippedOccurrence(occurrence.start, occurrence.end, violations))
            else:
                accepted.append(occurrence)
                rules.accept(occurrence.start, occurrence.end, data.quantity, status)
        if skipped and (data.on_conflict == "abort" or not accepted):
            raise BookingRefused([v for s in skipped for v in s.violations])

        series = None
        if data.rrule:
            series = BookingSeries(
                resource_id=resource.id,
                requester_id=requester.id,
                rrule=data.rrule.strip(),
                on_conflict=data.on_conflict,
                created_at=now,
            )
            db.session.add(series)
        category = _rate_category(requester, resource)
        bookings = []
        for occurrence in accepted:
            lo, hi = blocked_span(resource, occurrence.start, occurrence.end)
            bookings.append(
                Booking(
                    resource_id=resource.id,
                    requester_id=requester.id,
                    organisation_id=requester.organisation_id,
                    series=series,
                    start_at=occurrence.start,
                    end_at=occurrence.end,
                    blocked_start=lo,
                    blocked_end=hi,
                    exclusive=resource.capacity == 1,
                    quantity=data.quantity,
                    title=data.title.strip(),
                    purpose=(data.purpose or "").strip(),
                    status=status,
                    rate_category=category,
                    price_estimate=pricing.estimate(
                        resource, category, occurrence.start, occurrence.end, data.quantity
                    ),
                    created_at=now,
                    updated_at=now,
                )
            )
        db.session.add_all(bookings)
        for booking in bookings:
            audit.record(booking, "created", actor, now)
        tx.claims += [(o.start, o.end) for o in accepted]
    return BookingOutcome(bookings, series, skipped if accepted else [])


def can_see_booking(user: User, booking: Booking) -> bool:
    """The requester and the resource's managers see a booking in full."""
    return booking.requester_id == user.id or can_manage_resource(user, booking.resource)


def lock_booking(tx: Transaction, booking_id: int) -> Booking | None:
    """Hold the locks of the booking's resource family and read the booking as it is now: what
    was loaded before the locks may have been changed by the previous holder."""
    resource_id = db.session.execute(
        select(Booking.resource_id).where(Booking.id == booking_id)
    ).scalar_one()
    tx.lock_families([resource_id])
    return db.session.get(Booking, booking_id, populate_existing=True)


def get_booking(user: User, booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_see_booking(user, booking):
        raise NotFound("No such booking.")
    return booking


@dataclass(frozen=True)
class BookingChange:
    """Fields to change on a booking; None leaves a field as it is."""

    start: datetime | None = None
    end: datetime | None = None
    quantity: int | None = None
    title: str | None = None
    purpose: str | None = None


def update_booking(
    actor: User, booking_id: int, change: BookingChange, *, now: datetime
) -> Booking:
    """Edit a live booking; moving it (new times or quantity) re-checks every rule."""
    booking = get_booking(actor, booking_id)
    if not booking.is_live:
        raise Conflict("Only pending or confirmed bookings can be changed.")
    data = BookingInput(
        resource_id=booking.resource_id,
        start=change.start or booking.start_at,
        end=change.end or booking.end_at,
        title=booking.title if change.title is None else change.title,
        purpose=booking.purpose if change.purpose is None else change.purpose,
        quantity=booking.quantity if change.quantity is None else change.quantity,
    )
    _validate(data)
    moves = (change.start, change.end, change.quantity) != (None, None, None)
    with writing() as tx:
        booking = lock_booking(tx, booking_id)
        if booking is None or not booking.is_live:
            raise Conflict("The booking changed meanwhile; reload it.")
        before = audit.snapshot(booking)
        if moves:
            resource = load_resource(booking.resource_id)
            manages = can_manage_resource(actor, resource)
            (occurrence,) = _occurrences(resource, data, now)
            if occurrence.problem is not None:
                raise BookingRefused([occurrence.problem])
            rules = RuleBook(
                resource=resource,
                requester=booking.requester,
                viewer=actor,
                viewer_manages=manages,
                now=now,
                window=(occurrence.start, occurrence.end),
                ignore_booking_id=booking.id,
            )
            violations = rules.check(occurrence.start, occurrence.end, data.quantity)
            if violations:
                raise BookingRefused(violations)
            if not (booking.status == "confirmed" and manages):
                booking.status = _initial_status(booking.requester, resource, manages)
            booking.start_at, booking.end_at = occurrence.start, occurrence.end
            booking.blocked_start, booking.blocked_end = blocked_span(
                resource, occurrence.start, occurrence.end
            )
            booking.exclusive = resource.capacity == 1
            booking.quantity = data.quantity
            booking.rate_category = _rate_category(booking.requester, resource)
            booking.price_estimate = pricing.estimate(
                resource, booking.rate_category, occurrence.start, occurrence.end, data.quantity
            )
        booking.title = data.title.strip()
        booking.purpose = (data.purpose or "").strip()
        booking.updated_at = now
        audit.record(booking, "moved" if moves else "edited", actor, now, before=before)
        tx.claims.append((booking.start_at, booking.end_at))
    return booking


def cancel_booking(actor: User, booking_id: int, *, now: datetime, reason: str = "") -> Booking:
    """The requester or a manager cancels a pending or confirmed booking that has not ended."""
    get_booking(actor, booking_id)
    reason = decision_reason(reason)
    with writing() as tx:
        booking = lock_booking(tx, booking_id)
        _cancel(actor, booking, now=now, reason=reason)
    return booking


def upcoming_bookings(requester_id: int, *, now: datetime) -> list[Booking]:
    """The requester's pending and confirmed bookings that have not ended, in start order."""
    return list(
        db.session.execute(
            select(Booking)
            .where(
                Booking.requester_id == requester_id,
                Booking.status.in_(LIVE_STATUSES),
                Booking.end_at > now,
            )
            .options(selectinload(Booking.resource))
            .order_by(Booking.start_at, Booking.id)
        ).scalars()
    )


def cancel_upcoming_bookings(
    actor: User, requester_id: int, *, now: datetime, reason: str
) -> list[Booking]:
    """Cancel every upcoming booking of a requester whose account `actor` closes, in one unit of
    work; the cancelled bookings. The caller has checked that `actor` administers the account
    (services/accounts.py): that right, not one over the resources, lets them cancel. The
    managers are mailed each cancellation as for any other."""
    reason = decision_reason(reason)
    resource_ids = {b.resource_id for b in upcoming_bookings(requester_id, now=now)}
    # Every family locked at once, in the one order, before the bookings are read again.
    with writing(families=resource_ids) as tx:
        bookings = upcoming_bookings(requester_id, now=now)
        for booking in bookings:
            booking = lock_booking(tx, booking.id)
            _cancel(actor, booking, now=now, reason=reason)
    return bookings


def _cancel(actor: User, booking: Booking, *, now: datetime, reason: str) -> None:
    if booking.status not in LIVE_STATUSES:
        raise Conflict(f"This booking is already {booking.status}.")
    if booking.end_at <= now:
        raise Conflict("A booking that has ended cannot be cancelled.")
    before = audit.snapshot(booking)
    withdrawn = booking.status == "pending" and booking.requester_id == actor.id
    booking.status = "cancelled"
    booking.decided_by_id = actor.id
    booking.decision_reason = reason
    booking.updated_at = now
    audit.record(
        booking,
        "withdrawn" if withdrawn else "cancelled",
        actor,
        now,
        before=before,
        reason=booking.decision_reason,
    )
