"""Locks that make booking decisions race-free, on both databases.

PostgreSQL: the rows of every resource a booking touches (the resource, its parent, its children)
are locked FOR UPDATE in ascending id order (so two transactions never wait for each other in a
circle), with a lock timeout. Every booking of a resource goes through its row lock, and a joint
lab and its instruments share locks, so the rules are checked on a state nobody else is changing;
under READ COMMITTED every statement after the lock sees what the previous holder committed.

SQLite: one writer at a time for the whole database; the booking transaction starts with
`BEGIN IMMEDIATE`, which takes the write lock before anything is read (WAL keeps readers going).
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import ColumnElement, or_, select, text
from sqlalchemy.exc import OperationalError

from booking.database import IMMEDIATE
from booking.extensions import db
from booking.models import Resource
from booking.services.errors import DomainError, NotFound


class ResourceBusy(DomainError):
    """The locks could not be had in time: nothing was written; try again."""


def in_family(resource_id: int) -> ColumnElement[bool]:
    """Resources in the family of `resource_id`: itself, its parent and its children."""
    parent_id = select(Resource.parent_id).where(Resource.id == resource_id).scalar_subquery()
    return or_(
        Resource.id == resource_id, Resource.parent_id == resource_id, Resource.id == parent_id
    )


def lock_family(resource_id: int, timeout_seconds: float) -> list[int]:
    """Start the booking transaction holding the locks of the resource's family; its ids."""
    family = select(Resource.id).where(in_family(resource_id)).order_by(Resource.id)
    with _busy_on_timeout():
        if _is_sqlite():
            begin_write()
            ids = list(db.session.execute(family).scalars())
        else:
            _set_lock_timeout(timeout_seconds)
            # Rows are locked as the sort hands them out: in id order, like lock_resources.
            ids = list(db.session.execute(family.with_for_update()).scalars())
    if resource_id not in ids:
        raise NotFound("No such resource.")
    return ids


def lock_resources(resource_ids: Iterable[int], timeout_seconds: float) -> None:
    """Start the booking transaction holding the locks of these resources."""
    ids = sorted(set(resource_ids))
    with _busy_on_timeout():
        if _is_sqlite():
            begin_write()
            return
        _set_lock_timeout(timeout_seconds)
        db.session.execute(
            select(Resource.id).where(Resource.id.in_(ids)).order_by(Resource.id).with_for_update()
        )


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def begin_write() -> None:
    """Start a fresh transaction that may write. On SQLite it takes the database's write lock
    first (BEGIN IMMEDIATE): a transaction that had read before writing could not write once
    another writer committed, and what it decides must be read after the lock is held.
    PostgreSQL needs nothing here: its row locks and constraints decide."""
    db.session.rollback()
    if _is_sqlite():
        db.session.connection(execution_options={IMMEDIATE: True})


def _set_lock_timeout(timeout_seconds: float) -> None:
    db.session.execute(text(f"SET LOCAL lock_timeout = '{int(timeout_seconds * 1000)}ms'"))


@contextmanager
def _busy_on_timeout() -> Iterator[None]:
    try:
        yield
    except OperationalError as error:
        db.session.rollback()
        raise ResourceBusy(
            "The resource is being booked by someone else right now; please try again."
        ) from error
