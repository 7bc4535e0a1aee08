"""Logging in with a password, throttled so that guessing passwords is slow for everyone.

After LOGIN_FAILURE_LIMIT failed logins (default 10) for one account, or from one address, within
LOGIN_FAILURE_WINDOW_MINUTES (default 15), every login of that account or from that address is
refused without looking at the password, the right one included, until enough of those failures
are older than the window (LoginThrottled says in how many seconds). Both doors, the login page
and `POST /api/v1/tokens`, call log_in(). Attempts refused by the throttle are not counted, so
the wait never grows beyond the window.

The count must hold across every worker and server with nothing but the database running, so the
failures are rows in it (`login_failures`). Flask-Limiter was considered: its storage, the
`limits` library, keeps counters in memory (per process), Redis, Memcached, MongoDB or etcd, and
has no SQL storage (alisaifee/limits issue #52 asks for one and is open); it also counts
requests, where only failures may count.

The unit of work: in one transaction, holding a lock on the account and one on the address, the
recent failures are counted and the attempt is written as a failure; the password is checked
after that transaction (the hash is slow on purpose and must not hold locks), and a right one
deletes the row again. Parallel guesses are thus counted one after the other, each seeing those
before it, still being checked or not: no more than the limit get their password checked. The
locks are PostgreSQL advisory transaction locks (an unknown email has no row to lock); SQLite's
write lock, which every writer takes first, serialises the attempts anyway.

Each failure is logged (`booking.security`, WARNING, with the email and the address, never the
password) and listed to the admins (recent_failures). Rows older than KEPT_FOR are deleted when
a new failure is written.
"""

import hashlib
import logging
import math
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, delete, func, select, text
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import LoginFailure, User
from booking.services import accounts
from booking.services.errors import DomainError
from booking.services.transaction import lock_timeout, writing

DEFAULT_LIMIT = 10
DEFAULT_WINDOW_MINUTES = 15
KEPT_FOR = timedelta(days=30)
MAX_ADDRESS = 64

log = logging.getLogger("booking.security")


class LoginThrottled(DomainError):
    """Too many failed logins for the account or from the address: try again in `retry_after`
    seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"Too many failed logins: try again in {retry_after} seconds.")
        self.retry_after = retry_after


def limit() -> int:
    return int(current_app.config.get("LOGIN_FAILURE_LIMIT", DEFAULT_LIMIT))


def window() -> timedelta:
    minutes = current_app.config.get("LOGIN_FAILURE_WINDOW_MINUTES", DEFAULT_WINDOW_MINUTES)
    return timedelta(minutes=float(minutes))


def log_in(email: str, password: str, *, address: str | None, now: datetime) -> User | None:
    """The active user with these credentials, or None: a failure, recorded and logged. Raises
    LoginThrottled while the account or the address has too many recent failures.

    `address` is the client's address (None or empty when unknown: then only the account
    counts, since every such client would otherwise share one count)."""
    email = accounts.normalise_email(email or "")
    address = (address or "")[:MAX_ADDRESS]
    failure_id = _record_attempt(email, address, now)
    user = accounts.authenticate(email, password)
    if user is None:
        log.warning("Failed login for %r from %r", email, address)
        return None
    _forget(failure_id)
    return user


def recent_failures(acting: User) -> Select:
    """The failed logins kept, newest first: all of them for network admins; for organisation
    admins, those naming an account of their organisation."""
    accounts.require_user_admin(acting)
    query = select(LoginFailure).options(selectinload(LoginFailure.user))
    if not acting.is_network_admin:
        query = query.join(User, User.id == LoginFailure.user_id).where(
            User.organisation_id == acting.organisation_id
        )
    return query.order_by(LoginFailure.attempted_at.desc(), LoginFailure.id.desc())


@writing()
def _record_attempt(email: str, address: str, now: datetime) -> int:
    """Count the recent failures of the account and the address and, unless there are too many,
    write this attempt as one; its id."""
    keys = [("account", email)] + ([("address", address)] if address else [])
    _lock(keys)
    since = now - window()
    waits = [_wait(LoginFailure.email == email, since, now)]
    if address:
        waits.append(_wait(LoginFailure.address == address, since, now))
    wait = max((w for w in waits if w is not None), default=None)
    if wait is not None:
        log.warning(
            "Login refused for %r from %r: too many failed logins, %d s to wait",
            email,
            address,
            wait,
        )
        raise LoginThrottled(wait)
    db.session.execute(delete(LoginFailure).where(LoginFailure.attempted_at < now - KEPT_FOR))
    failure = LoginFailure(
        email=email,
        user_id=db.session.execute(select(User.id).where(User.email == email)).scalar(),
        address=address,
        attempted_at=now,
    )
    db.session.add(failure)
    db.session.flush()
    return failure.id


@writing()
def _forget(failure_id: int) -> None:
    """The password proved right: the attempt was no failure."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.id == failure_id))


def _wait(which: ColumnElement[bool], since: datetime, now: datetime) -> int | None:
    """Seconds until fewer than the limit of the failures selected by `which` lie in the window,
    or None when fewer do already."""
    most = limit()
    newest = list(
        db.session.execute(
            select(LoginFailure.attempted_at)
            .where(which, LoginFailure.attempted_at > since)
            .order_by(LoginFailure.attempted_at.desc())
            .limit(most)
        ).scalars()
    )
    if len(newest) < most:
        return None
    # Once the oldest of the `most` newest failures leaves the window, fewer than `most` remain.
    until = newest[-1] + window()
    return max(1, math.ceil((until - now).total_seconds()))


def _lock(keys: list[tuple[str, str]]) -> None:
    """Hold a lock per key for the rest of the transaction, in one order for every caller."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(text(f"SET LOCAL lock_timeout = '{int(lock_timeout() * 1000)}ms'"))
    for key in sorted({_advisory_key(kind, value) for kind, value in keys}):
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


def _advisory_key(kind: str, value: str) -> int:
    digest = hashlib.sha256(f"login:{kind}:{value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
