"""Blackouts: spans when a resource (or a joint lab with everything inside it) is closed."""

from datetime import datetime

from sqlalchemy import Select, select

from booking.extensions import db
from booking.models import Blackout, Resource, User
from booking.services import history
from booking.services.catalogue import (
    N_,
    OUT_OF_CALENDAR,
    get_managed_resource,
    get_resource,
    in_calendar,
    is_aware,
    valid_id,
)
from booking.services.errors import InvalidInput, NotFound
from booking.services.transaction import writing


def blackouts_query(
    user: User | None,
    resource_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select:
    """The blackouts of a resource that `user` manages, overlapping [start, end) when given.

    Everyone who sees the resource learns of its coming closures from its page (and of every
    closed span from its availability); the list with its management details is the managers'."""
    resource = get_managed_resource(user, resource_id)
    query = select(Blackout).where(Blackout.resource_id == resource.id)
    if start is not None:
        query = query.where(Blackout.end_at > start)
    if end is not None:
        query = query.where(Blackout.start_at < end)
    return query.order_by(Blackout.start_at, Blackout.id)


def list_blackouts(
    user: User | None,
    resource_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Blackout]:
    return list(
        db.session.execute(blackouts_query(user, resource_id, start=start, end=end)).scalars()
    )


def upcoming_blackouts(resource: Resource, *, now: datetime, limit: int = 20) -> list[Blackout]:
    """Blackouts not yet over of the resource and of the joint lab around it (they apply too)."""
    ids = [resource.id] if resource.parent_id is None else [resource.id, resource.parent_id]
    return list(
        db.session.execute(
            select(Blackout)
            .where(Blackout.resource_id.in_(ids), Blackout.end_at > now)
            .order_by(Blackout.start_at, Blackout.id)
            .limit(limit)
        ).scalars()
    )


@writing()
def create_blackout(
    user: User | None,
    resource_id: int,
    *,
    start: datetime,
    end: datetime,
    reason: str = "",
    now: datetime,
) -> Blackout:
    """Close a resource for [start, end); both must be aware datetimes."""
    resource = get_managed_resource(user, resource_id)
    errors: dict[str, str] = {}
    for name, value in (("start", start), ("end", end)):
        if not is_aware(value):
            errors[name] = N_("needs a time zone offset")
        elif not in_calendar(value):
            errors[name] = OUT_OF_CALENDAR
    if not errors and end <= start:
        errors["end"] = N_("must be after the start")
    reason = (reason or "").strip()
    if len(reason) > 300:
        errors["reason"] = N_("is too long")
    if errors:
        raise InvalidInput(errors)
    blackout = Blackout(
        resource_id=resource.id,
        start_at=start,
        end_at=end,
        reason=reason,
        created_by_id=user.id,
        created_at=now,
    )
    db.session.add(blackout)
    db.session.flush()
    history.record(resource, "blackout_added", user, now, after=history.snapshot(blackout))
    return blackout


def get_blackout(user: User | None, blackout_id: int) -> Blackout:
    """A blackout of a resource that `user` may see."""
    blackout = db.session.get(Blackout, blackout_id) if valid_id(blackout_id) else None
    if blackout is None:
        raise NotFound(N_("No such blackout."))
    get_resource(user, blackout.resource_id)
    return blackout


@writing()
def delete_blackout(user: User | None, blackout_id: int, *, now: datetime) -> int:
    """Remove a blackout; returns the id of its resource."""
    blackout = get_blackout(user, blackout_id)
    resource = get_managed_resource(user, blackout.resource_id)
    history.record(resource, "blackout_removed", user, now, before=history.snapshot(blackout))
    db.session.delete(blackout)
    return resource.id
