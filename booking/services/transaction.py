"""The one unit of work of every writer: pages, API, shell commands and jobs alike.

    with writing(families=[resource_id]) as tx:
        ...read what the decision needs, write...
        tx.claims = [(start, end)]

The outermost block starts a fresh transaction that may write: on SQLite it takes the database's
write lock first (`BEGIN IMMEDIATE`), since a transaction that had read before writing could not
write once another writer committed; on PostgreSQL row locks and constraints decide. It locks the
families of the given resources (the resource, its joint lab, its instruments) in one fixed order,
commits when the block ends and rolls back on any error. A block inside another joins it: its
writes sit in a savepoint (an error undoes only them), its locks join the outer ones, and the
outer block commits everything at once. What the caller had not committed before the outermost
block began is discarded: every write belongs inside a block.

A lock not had within the lock timeout, or a deadlock, is ResourceBusy (nothing was written; try
again); the exclusion constraint's refusal, which the locks make unreachable unless a booking was
written around the service, is BookingRefused with `overlap` over the block's claims.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from booking.database import IMMEDIATE
from booking.extensions import db
from booking.models import Resource
from booking.services.errors import DomainError, NotFound
from booking.services.violations import BookingRefused, Violation

_DEPTH = "writing_depth"
DEFAULT_LOCK_TIMEOUT_SECONDS = 10.0
# PostgreSQL: exclusion constraint violated; lock not available; deadlock detected.
_EXCLUSION_VIOLATION = "23P01"
_BUSY_STATES = frozenset({"55P03", "40P01"})


class ResourceBusy(DomainError):
    """The locks could not be had in time: nothing was written; try again."""

    def __init__(self, detail: str = ""):
        super().__init__(
            detail or "The resource is being booked by someone else right now; please try again."
        )


@dataclass
class Transaction:
    """The open unit of work. `claims` are the intervals the block is booking, reported as
    `overlap` if the database's exclusion constraint refuses them."""

    timeout_seconds: float
    claims: list[tuple[datetime, datetime]] = field(default_factory=list)

    def lock_families(self, resource_ids: Iterable[int]) -> set[int]:
        """Hold the locks of the families of these resources; their ids. NotFound if one of the
        resources does not exist."""
        wanted = set(resource_ids)
        if not wanted:
            return set()
        family = select(Resource.id).where(or_(*(in_family(r) for r in sorted(wanted))))
        ids = self._locked_ids(family)
        if not wanted <= ids:
            raise NotFound("No such resource.")
        return ids

    def lock_resources(self, resource_ids: Iterable[int]) -> None:
        """Hold the locks of these resources only (not their families)."""
        wanted = sorted(set(resource_ids))
        if wanted:
            self._locked_ids(select(Resource.id).where(Resource.id.in_(wanted)))

    def _locked_ids(self, query) -> set[int]:
        # Rows are locked as the sort hands them out: in id order, the one order every writer
        # follows, so that two transactions never wait for each other in a circle.
        query = query.order_by(Resource.id)
        if not _is_sqlite():
            query = query.with_for_update()
            db.session.execute(
                text(f"SET LOCAL lock_timeout = '{int(self.timeout_seconds * 1000)}ms'")
            )
        return set(db.session.execute(query).scalars())


def in_family(resource_id: int) -> ColumnElement[bool]:
    """Resources in the family of `resource_id`: itself, its parent and its children."""
    parent_id = select(Resource.parent_id).where(Resource.id == resource_id).scalar_subquery()
    return or_(
        Resource.id == resource_id, Resource.parent_id == resource_id, Resource.id == parent_id
    )


def lock_timeout() -> float:
    return float(
        current_app.config.get("BOOKING_LOCK_TIMEOUT_SECONDS", DEFAULT_LOCK_TIMEOUT_SECONDS)
    )


@contextmanager
def writing(
    *, families: Iterable[int] = (), resources: Iterable[int] = ()
) -> Iterator[Transaction]:
    """A unit of work that may write, holding the locks of `families` (each resource with its
    joint lab and instruments) and of `resources` (those rows only); see the module's text."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    outer = session.info.get("writing_transaction") if depth else None
    tx = outer or Transaction(lock_timeout())
    session.info[_DEPTH] = depth + 1
    try:
        with _translated_errors(tx):
            if depth:
                with session.begin_nested():
                    yield _locked(tx, families, resources)
                return
            _begin(session, tx.timeout_seconds)
            session.info["writing_transaction"] = tx
            yield _locked(tx, families, resources)
            session.commit()
    except BaseException:
        if not depth:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth
        if not depth:
            session.info.pop("writing_transaction", None)


def flush_or_raise(error: DomainError) -> None:
    """Write what the block holds so far; `error` instead if a unique constraint refuses it:
    another request saved the same value after this one checked it was free."""
    try:
        db.session.flush()
    except IntegrityError as integrity_error:
        raise error from integrity_error


def _locked(tx: Transaction, families: Iterable[int], resources: Iterable[int]) -> Transaction:
    tx.lock_families(families)
    tx.lock_resources(resources)
    return tx


def _begin(session: Session, timeout_seconds: float) -> None:
    if session.in_transaction():
        session.rollback()
    if _is_sqlite():
        session.connection(execution_options={IMMEDIATE: timeout_seconds * 1000})


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


@contextmanager
def _translated_errors(tx: Transaction) -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        if _sqlstate(error) == _EXCLUSION_VIOLATION:
            raise BookingRefused([Violation("overlap", s, e) for s, e in tx.claims]) from error
        raise
    except OperationalError as error:
        if _sqlstate(error) in _BUSY_STATES or "database is locked" in str(error.orig):
            raise ResourceBusy() from error
        raise


def _sqlstate(error: Exception) -> str | None:
    return getattr(getattr(error, "orig", None), "sqlstate", None)
