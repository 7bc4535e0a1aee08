"""The history of accounts, organisations and resources: who changed what, when, from what to
what (bookings keep their own, services/audit.py).

Each service that changes one of them records the change here, in its own unit of work and with
its own `now`, so that the entry is written with the change or not at all:

    before = history.snapshot(resource)
    ...change the resource...
    history.record_update(resource, before, user, now)

A resource's history also tells of its opening hours, blackouts, holiday openings, qualifications
and training decisions: the action says which, and before and after are then snapshots of that
part. Secrets are never recorded: a new password is a `password_changed` entry without values.

Rows are only ever added: on PostgreSQL triggers refuse UPDATE, DELETE and TRUNCATE of the table;
on SQLite this module is the guard, with no path that updates or deletes an entry.

Who reads which history: a resource's, its managers, its organisation's admins and network admins;
an account's, its owner, its organisation's admins and network admins; an organisation's, its
admins and network admins. NotFound where the thing is unknown or invisible to the reader,
Forbidden where it is visible but not theirs.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import singledispatch
from typing import Any

from sqlalchemy import Select, inspect, select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import (
    Blackout,
    HistoryEntry,
    HolidayOpening,
    Organisation,
    Qualification,
    Resource,
    TrainingRequest,
    User,
)
from booking.models.resources import RATE_CATEGORIES
from booking.services.catalogue import N_, get_managed_resource, valid_id
from booking.services.errors import Forbidden, NotFound
from booking.services.permissions import administers_organisation

ACTIONS = {
    "user": ("created", "updated", "password_changed"),
    "organisation": ("created", "updated"),
    "resource": (
        "created",
        "updated",
        "opening_hours_set",
        "blackout_added",
        "blackout_removed",
        "holiday_opened",
        "holiday_closed",
        "qualification_granted",
        "qualification_changed",
        "qualification_revoked",
        "training_granted",
        "training_declined",
    ),
}
_ENTITY_TYPES = {User: "user", Organisation: "organisation", Resource: "resource"}
# Columns of a resource or an organisation that are not settings: every other one is recorded,
# so that a setting added later is recorded without touching this module.
_NOT_SETTINGS = {"id", "created_at", "updated_at"}


def _plain(value: Any) -> Any:
    """A value as JSON holds it: instants in UTC with Z, days as YYYY-MM-DD, euros as text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _columns(thing: Any, skip: set[str]) -> dict[str, Any]:
    return {
        column.key: _plain(getattr(thing, column.key))
        for column in inspect(thing.__class__).column_attrs
        if column.key not in skip
    }


@singledispatch
def snapshot(thing: Any) -> dict[str, Any]:
    """The fields of `thing` that a change can touch, as JSON values (ids sorted)."""
    raise TypeError(f"no history snapshot of {type(thing).__name__}")


@snapshot.register
def _(user: User) -> dict[str, Any]:
    # Never the password's hash, nor the calendar secret; the language is no change that matters.
    return {
        "email": user.email,
        "name": user.name,
        "organisation_id": user.organisation_id,
        "roles": user.roles,
        "active": user.active,
    }


@snapshot.register
def _(organisation: Organisation) -> dict[str, Any]:
    return _columns(organisation, _NOT_SETTINGS) | {
        "clusters": sorted(cluster.id for cluster in organisation.clusters)
    }


@snapshot.register
def _(resource: Resource) -> dict[str, Any]:
    rate_columns = {f"rate_{category}" for category in RATE_CATEGORIES}
    return _columns(resource, _NOT_SETTINGS | rate_columns) | {
        "rates": {category: _plain(resource.rate(category)) for category in RATE_CATEGORIES},
        "managers": sorted(user.id for user in resource.managers),
        "co_owners": sorted(organisation.id for organisation in resource.co_owners),
        "clusters": sorted(cluster.id for cluster in resource.clusters),
        "value_chains": sorted(chain.id for chain in resource.value_chains),
    }


@snapshot.register
def _(blackout: Blackout) -> dict[str, Any]:
    return {
        "id": blackout.id,
        "start": _plain(blackout.start_at),
        "end": _plain(blackout.end_at),
        "reason": blackout.reason,
    }


@snapshot.register
def _(opening: HolidayOpening) -> dict[str, Any]:
    return {"id": opening.id, "day": _plain(opening.day)}


@snapshot.register
def _(qualification: Qualification) -> dict[str, Any]:
    return {
        "id": qualification.id,
        "user_id": qualification.user_id,
        "expires_on": _plain(qualification.expires_on),
    }


@snapshot.register
def _(request: TrainingRequest) -> dict[str, Any]:
    return {"request_id": request.id, "user_id": request.user_id}


def record(
    entity: User | Organisation | Resource,
    action: str,
    actor: User | None,
    now: datetime,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> None:
    """Add an entry to the history of `entity` (an account, an organisation or a resource) in
    the session: the caller's unit of work writes it with the change. `actor` None is the system.
    A change that left everything as it was (before equal to after) records nothing."""
    # isinstance, not type(): pages hand over the logged-in user as a proxy.
    entity_type = next(name for model, name in _ENTITY_TYPES.items() if isinstance(entity, model))
    if action not in ACTIONS[entity_type]:
        raise ValueError(f"{action!r} is no action of a {entity_type}'s history")
    if before is not None and before == after:
        return
    if entity.id is None:
        db.session.flush()
    db.session.add(
        HistoryEntry(
            entity_type=entity_type,
            entity_id=entity.id,
            action=action,
            actor_id=actor.id if actor is not None else None,
            at=now,
            before=before,
            after=after,
            reason=(reason or "")[:500],
        )
    )


def record_creation(entity: User | Organisation | Resource, actor: User | None, now: datetime):
    """Record that `entity` was created, as it is now."""
    if entity.id is None:
        # Its id, and the foreign keys set through its relationships.
        db.session.flush()
    record(entity, "created", actor, now, after=snapshot(entity))


def record_update(
    entity: User | Organisation | Resource, before: dict, actor: User | None, now: datetime
) -> None:
    """Record that `entity` changed from `before` (its snapshot) to what it is now, if it did."""
    record(entity, "updated", actor, now, before=before, after=snapshot(entity))


# Reading


def readable_entity(
    viewer: User, entity_type: str, entity_id: int
) -> User | Organisation | Resource:
    """The account, organisation or resource whose history `viewer` asks for, if they may read
    it: NotFound if unknown or invisible to them, Forbidden if visible but not theirs."""
    if entity_type == "resource":
        return get_managed_resource(viewer, entity_id)
    if entity_type == "user":
        # Imported here: the accounts service records its changes through this module.
        from booking.services.accounts import get_user

        if not valid_id(entity_id):
            raise NotFound(N_("No such user."))
        return get_user(viewer, entity_id)
    if entity_type == "organisation":
        organisation = db.session.get(Organisation, entity_id) if valid_id(entity_id) else None
        if organisation is None:
            raise NotFound(N_("No such organisation."))
        if not administers_organisation(viewer, organisation.id):
            raise Forbidden(N_("Only the organisation's admins and network admins see this."))
        return organisation
    raise ValueError(f"no history of a {entity_type!r}")


def history_query(viewer: User, entity_type: str, entity_id: int) -> Select:
    """The history of one account, organisation or resource, newest first, with each actor, as
    a query to page through; for those who may read it (readable_entity)."""
    entity = readable_entity(viewer, entity_type, entity_id)
    return (
        select(HistoryEntry)
        .where(HistoryEntry.entity_type == entity_type, HistoryEntry.entity_id == entity.id)
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .options(selectinload(HistoryEntry.actor))
    )
