"""Requests that nobody decided expire: at their start, or earlier at the resource's decision
deadline (`decision_deadline_hours` before the start)."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking, Resource
from booking.services import audit
from booking.services.errors import NotFound
from booking.services.transaction import ResourceBusy, writing


def expires_at(booking: Booking, resource: Resource) -> datetime:
    """When a pending request of `resource` expires undecided."""
    hours = resource.decision_deadline_hours or 0
    return booking.start_at - timedelta(hours=hours)


def expire_undecided(now: datetime) -> list[int]:
    """Expire every pending request whose start or decision deadline has come; returns their ids.

    Idempotent: an expired request is no longer pending. Each resource's requests are expired
    under that resource's locks, as an approval takes them, so a manager approving at the same
    moment either wins (and the request is not expired) or finds it expired; a resource whose
    locks are busy is left for the next run.
    """
    longest = db.session.scalar(select(func.max(Resource.decision_deadline_hours))) or 0
    candidates = db.session.execute(
        select(Booking.id, Booking.resource_id).where(
            Booking.status == "pending", Booking.start_at <= now + timedelta(hours=longest)
        )
    ).all()
    by_resource: dict[int, list[int]] = defaultdict(list)
    for booking_id, resource_id in candidates:
        by_resource[resource_id].append(booking_id)

    expired: list[int] = []
    for resource_id, ids in sorted(by_resource.items()):
        try:
            expired.extend(_expire_for_resource(resource_id, ids, now))
        except (ResourceBusy, NotFound):
            continue
    return expired


def _expire_for_resource(resource_id: int, ids: list[int], now: datetime) -> list[int]:
    with writing(families=[resource_id]):
        resource = db.session.get(Resource, resource_id)
        # Read again under the lock: a request may have been decided or moved meanwhile.
        requests = db.session.execute(
            select(Booking)
            .where(Booking.id.in_(ids), Booking.status == "pending")
            .order_by(Booking.start_at, Booking.id)
            .execution_options(populate_existing=True)
        ).scalars()
        expired = []
        for booking in requests:
            if expires_at(booking, resource) > now:
                continue
            before = audit.snapshot(booking)
            booking.status = "expired"
            booking.decided_by_id = None
            booking.updated_at = now
            audit.record(booking, "expired", None, now, before=before)
            expired.append(booking.id)
    return expired
