"""Managers decide requests: approving re-checks the rules at that moment and turns away the
competing requests that no longer fit (`slot_taken`); rejecting gives the requester a reason."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, Organisation, Resource, User
from booking.services import audit, permissions
from booking.services.booking import (
    RULES_LOADING,
    can_see_booking,
    decision_reason,
    get_booking,
    load_resource,
    lock_booking,
)
from booking.services.errors import Conflict, Forbidden
from booking.services.permissions import can_manage_resource
from booking.services.rules import RuleBook
from booking.services.transaction import in_family, writing
from booking.services.violations import BookingRefused, Violation

SLOT_TAKEN = "slot_taken"


def _pending_for_manager(actor: User, booking_id: int) -> Booking:
    booking = get_booking(actor, booking_id)
    if not can_manage_resource(actor, booking.resource):
        raise Forbidden("Only the resource's managers decide requests.")
    if booking.status != "pending":
        raise Conflict(f"This request is already {booking.status}.")
    return booking


@dataclass
class Approval:
    """An approved request, and the competing requests it turned away with `slot_taken`."""

    booking: Booking
    turned_away: list[Booking]


def _approval_rules(actor: User, booking: Booking, resource: Resource, now: datetime) -> RuleBook:
    """The rules as an approval applies them: every rule except lead time and horizon."""
    return RuleBook(
        resource=resource,
        requester=booking.requester,
        viewer=actor,
        viewer_manages=True,
        now=now,
        window=(booking.start_at, booking.end_at),
        ignore_booking_id=booking.id,
        notice_rules=False,
    )


def approve(actor: User, booking_id: int, *, now: datetime, reason: str = "") -> Booking:
    """Confirm a pending request if every rule still allows it; returns the booking."""
    return approve_reporting(actor, booking_id, now=now, reason=reason).booking


def approve_reporting(actor: User, booking_id: int, *, now: datetime, reason: str = "") -> Approval:
    """As approve(), naming also the competing requests that the approval turned away."""
    _pending_for_manager(actor, booking_id)
    reason = decision_reason(reason)
    with writing() as tx:
        booking = lock_booking(tx, booking_id)
        if booking is None or booking.status != "pending":
            raise Conflict("The request was decided meanwhile; reload it.")
        resource = load_resource(booking.resource_id)
        rules = _approval_rules(actor, booking, resource, now)
        violations = rules.check(booking.start_at, booking.end_at, booking.quantity)
        if violations:
            raise BookingRefused(violations)
        before = audit.snapshot(booking)
        booking.status = "confirmed"
        booking.decided_by_id = actor.id
        booking.decision_reason = reason
        booking.updated_at = now
        audit.record(booking, "approved", actor, now, before=before, reason=booking.decision_reason)
        db.session.flush()
        turned_away = _turn_away_competitors(actor, booking, resource, now)
        tx.claims.append((booking.start_at, booking.end_at))
    return Approval(booking, turned_away)


def _turn_away_competitors(
    actor: User, confirmed: Booking, resource: Resource, now: datetime
) -> list[Booking]:
    """Reject, with `slot_taken`, the pending requests of the resource family that the newly
    confirmed booking (of `resource`) leaves without room."""
    family = select(Resource.id).where(in_family(confirmed.resource_id))
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
    resources = {resource.id: resource}
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
    _pending_for_manager(actor, booking_id)
    reason = decision_reason(reason)
    with writing() as tx:
        booking = lock_booking(tx, booking_id)
        if booking is None or booking.status != "pending":
            raise Conflict("The request was decided meanwhile; reload it.")
        before = audit.snapshot(booking)
        booking.status = "rejected"
        booking.decided_by_id = actor.id
        booking.decision_reason = reason
        booking.updated_at = now
        audit.record(booking, "rejected", actor, now, before=before, reason=booking.decision_reason)
    return booking


# --- The managers' queue -----------------------------------------------------------------------


@dataclass
class Competitor:
    """Another pending request for the same time on the resource or its joint lab; `visible`
    says whether the manager may see who asked (it may be on a resource they do not manage)."""

    booking: Booking
    visible: bool


@dataclass
class QueueEntry:
    request: Booking
    organisation: Organisation
    # What would refuse its approval now (empty: it can be approved).
    conflicts: list[Violation]
    competitors: list[Competitor]


@dataclass
class ApprovalQueue:
    entries: list[QueueEntry]
    total: int
    page: int
    per_page: int


def approval_queue(
    actor: User, *, now: datetime, page: int = 1, per_page: int = 20
) -> ApprovalQueue:
    """The pending requests that have not ended on the resources `actor` manages, by start; each
    with what would refuse its approval now (the approval's own rules, run read-only) and the
    other pending requests that overlap it."""
    managed = select(Resource.id).where(permissions.manageable_resources_clause(actor))
    query = select(Booking).where(
        Booking.status == "pending", Booking.end_at > now, Booking.resource_id.in_(managed)
    )
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    requests = list(
        db.session.execute(
            query.order_by(Booking.start_at, Booking.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(selectinload(Booking.requester))
        ).scalars()
    )
    if not requests:
        return ApprovalQueue([], total, page, per_page)
    resources = _resources({r.resource_id for r in requests})
    organisations = {
        o.id: o
        for o in db.session.execute(
            select(Organisation).where(Organisation.id.in_({r.organisation_id for r in requests}))
        ).scalars()
    }
    competing = _competing(requests, resources, actor)
    entries = []
    # One RuleBook per request, as approve() builds it: a bounded page of them.
    for request in requests:
        rules = _approval_rules(actor, request, resources[request.resource_id], now)
        entries.append(
            QueueEntry(
                request=request,
                organisation=organisations[request.organisation_id],
                conflicts=rules.check(request.start_at, request.end_at, request.quantity),
                competitors=competing[request.id],
            )
        )
    return ApprovalQueue(entries, total, page, per_page)


def _resources(ids: set[int]) -> dict[int, Resource]:
    rows = (
        db.session.execute(select(Resource).where(Resource.id.in_(ids)).options(*RULES_LOADING))
        .unique()
        .scalars()
    )
    return {resource.id: resource for resource in rows}


def _competing(
    requests: list[Booking], resources: dict[int, Resource], actor: User
) -> dict[int, list[Competitor]]:
    """For each request, the other pending requests of its resource family whose blocked spans
    overlap its own, found with one query for the whole page."""
    families = {
        resource.id: {resource.id, *(c.id for c in resource.children)}
        | ({resource.parent_id} if resource.parent_id else set())
        for resource in resources.values()
    }
    rows = list(
        db.session.execute(
            select(Booking)
            .where(
                Booking.resource_id.in_(set().union(*families.values())),
                Booking.status == "pending",
                Booking.blocked_start < max(r.blocked_end for r in requests),
                Booking.blocked_end > min(r.blocked_start for r in requests),
            )
            .order_by(Booking.start_at, Booking.id)
            .options(
                selectinload(Booking.requester).selectinload(User.organisation),
                selectinload(Booking.resource).selectinload(Resource.managers),
            )
        ).scalars()
    )
    return {
        request.id: [
            Competitor(other, can_see_booking(actor, other))
            for other in rows
            if other.id != request.id
            and other.resource_id in families[request.resource_id]
            and other.blocked_start < request.blocked_end
            and other.blocked_end > request.blocked_start
        ]
        for request in requests
    }
