"""Locks that make booking decisions race-free, on both databases.

PostgreSQL: the rows of every resource a booking touches (the resource, its parent, its children)
are locked FOR UPDATE in ascending id order (so two transactions never wait for each other in a
circle), with a lock timeout. Every booking of a resource goes through its row lock, and a joint
lab and its instruments share locks, so the rules are checked on a state nobody else is changing;
under READ COMMITTED every statement after the lock sees what the previous holder committed.

SQLite: one writer at a time for the whole database; the booking transaction starts with
`BEGIN IMMEDIATE`, which takes the write lock before anything is read (WAL keeps readers going).
"""

from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from booking.database import IMMEDIATE
from booking.extensions import db
from booking.models import Resource
from booking.services.errors import DomainError


class ResourceBusy(DomainError):
    """The locks could not be had in time: nothing was written; try again."""


def lock_resources(resource_ids: Iterable[int], timeout_seconds: float) -> None:
    """Start the booking transaction holding the locks of these resources."""
    ids = sorted(set(resource_ids))
    session = db.session
    try:
        if session.get_bind().dialect.name == "sqlite":
            # Begin afresh: a deferred read transaction could not be upgraded to a writer once
            # another writer has committed, and the state must be read after the lock is held.
            session.rollback()
            session.connection(execution_options={IMMEDIATE: True})
            return
        session.execute(text(f"SET LOCAL lock_timeout = '{int(timeout_seconds * 1000)}ms'"))
        session.execute(
            select(Resource.id).where(Resource.id.in_(ids)).order_by(Resource.id).with_for_update()
        )
    except OperationalError as error:
        session.rollback()
        raise ResourceBusy(
            "The resource is being booked by someone else right now; please try again."
        ) from error
