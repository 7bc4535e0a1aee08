"""Managers decide requests: approving re-checks the rules at that moment and turns away the
competing requests that no longer fit (`slot_taken`); rejecting gives the requester a reason."""

from datetime import datetime

from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, User
from booking.services import audit
from booking.services.booking import family_ids, get_booking, load_resource, lock_timeout
from booking.services.errors import Conflict, Forbidden
from booking.services.locking import lock_resources
from booking.services.permissions import can_manage_resource
from booking.services.rules import RuleBook
from booking.services.violations import BookingRefused

SLOT_TAKEN = "slot_taken"


def _pending_for_manager(actor: User, booking_id: int) -> Booking:
    booking = get_booking(actor, booking_id)
    if not can_manage_resource(actor, booking.resource):
        raise Forbidden("Only the resource's managers decide requests.")
    if booking.status != "pending":
        raise Conflict(f"This request is already {booking.status}.")
    return booking


def approve(actor: User, booking_id: int, *, now: datetime, reason: str = "") -> Booking:
    """Confirm a pending request if every rule still allows it; returns the booking."""
    _pending_for_manager(actor, booking_id)
    try:
        booking = db.session.get(Booking, booking_id)
        lock_resources(family_ids(booking.resource_id), lock_timeout())
        booking = db.session.get(Booking, booking_id)
        if booking is None or booking.status != "pending":
            raise Conflict("The request was decided meanwhile; reload it.")
        resource = load_resource(booking.resource_id)
        rules = RuleBook(
            resource=resource,
            requester=booking.requester,
            viewer=actor,
            viewer_manages=True,
            now=now,
            window=(booking.start_at, booking.end_at),
            ignore_booking_id=booking.id,
            notice_rules=False,
        )
        violations = rules.check(booking.start_at, booking.end_at, booking.quantity)
        if violations:
            raise BookingRefused(violations)
        before = audit.snapshot(booking)
        booking.status = "confirmed"
        booking.decided_by_id = actor.id
        booking.decision_reason = reason.strip()[:500]
        booking.updated_at = now
        audit.record(booking, "approved", actor, now, before=before, reason=booking.decision_reason)
        db.session.flush()
        _turn_away_competitors(actor, booking, now)
        db.session.commit()
        return booking
    except BaseException:
        db.session.rollback()
        raise


def _turn_away_competitors(actor: User, confirmed: Booking, now: datetime) -> list[Booking]:
    """Reject, with `slot_taken`, the pending requests of the resource family that the newly
    confirmed booking leaves without room."""
    family = family_ids(confirmed.resource_id)
    competitors = (
        db.session.execute(
            select(Booking)
            .where(
                Booking.resource_id.in_(family),
                Booking.status == "pending",
                Booking.blocked_start < confirmed.blocked_end,
                Booking.blocked_end > confirmed.blocked_start,
            )
            .order_by(Booking.start_at, Booking.id)
        )
        .scalars()
        .all()
    )
    resources = {}
    turned_away = []
    for request in competitors:
        if request.resource_id not in resources:
            resources[request.resource_id] = load_resource(request.resource_id)
        rules = RuleBook(
            resource=resources[request.resource_id],
            requester=request.requester,
            viewer=actor,
            viewer_manages=True,
            now=now,
            window=(request.start_at, request.end_at),
            ignore_booking_id=request.id,
        )
        if rules.calendar_violations(request.start_at, request.end_at, request.quantity):
            before = audit.snapshot(request)
            request.status = "rejected"
            request.decision_reason = SLOT_TAKEN
            request.decided_by_id = actor.id
            request.updated_at = now
            audit.record(request, SLOT_TAKEN, actor, now, before=before, reason=SLOT_TAKEN)
            turned_away.append(request)
    return turned_away


def reject(actor: User, booking_id: int, *, now: datetime, reason: str = "") -> Booking:
    """Turn down a pending request, with the manager's reason."""
    booking = _pending_for_manager(actor, booking_id)
    before = audit.snapshot(booking)
    booking.status = "rejected"
    booking.decided_by_id = actor.id
    booking.decision_reason = reason.strip()[:500]
    booking.updated_at = now
    audit.record(booking, "rejected", actor, now, before=before, reason=booking.decision_reason)
    db.session.commit()
    return booking
