"""Qualifications: who is trained on a resource that requires it, and until when."""

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Qualification, User
from booking.services import history
from booking.services.catalogue import N_, get_managed_resource, local_today, valid_id
from booking.services.errors import InvalidInput, NotFound
from booking.services.transaction import writing


def qualifications_query(user: User | None, resource_id: int) -> Select:
    """Who is trained on the resource (managers only), by name."""
    resource = get_managed_resource(user, resource_id)
    return (
        select(Qualification)
        .join(User, User.id == Qualification.user_id)
        .where(Qualification.resource_id == resource.id)
        .order_by(User.name, Qualification.id)
        .options(selectinload(Qualification.user))
    )


def list_qualifications(user: User | None, resource_id: int) -> list[Qualification]:
    return list(db.session.execute(qualifications_query(user, resource_id)).scalars())


@writing()
def grant_qualification(
    user: User | None,
    resource_id: int,
    *,
    user_id: int,
    expires_on: date | None = None,
    now: datetime,
) -> tuple[Qualification, bool]:
    """Record that a user is trained on the resource until `expires_on` (None: no expiry).

    Granting again changes the expiry. Returns the qualification and whether it is new.
    """
    resource = get_managed_resource(user, resource_id)
    errors: dict[str, str] = {}
    if not valid_id(user_id) or db.session.get(User, user_id) is None:
        errors["user_id"] = N_("must be the id of a user")
    if expires_on is not None and expires_on < local_today(resource, now=now):
        errors["expires_on"] = N_("must not be in the past")
    if errors:
        raise InvalidInput(errors)
    granter_id = user.id
    existing = qualification_of(resource.id, user_id)
    if existing is None:
        qualification = Qualification(
            resource_id=resource.id,
            user_id=user_id,
            expires_on=expires_on,
            granted_by_id=granter_id,
            created_at=now,
        )
        try:
            # A savepoint: losing the race undoes the insert alone, not the caller's changes
            # made in the same transaction (a training request closed with its mail).
            with db.session.begin_nested():
                db.session.add(qualification)
            history.record(
                resource, "qualification_granted", user, now, after=history.snapshot(qualification)
            )
            return qualification, True
        except IntegrityError:
            # Someone granted the same qualification at the same moment: update theirs.
            existing = qualification_of(resource.id, user_id)
            if existing is None:
                raise
    before = history.snapshot(existing)
    existing.expires_on = expires_on
    existing.granted_by_id = granter_id
    changed = history.snapshot(existing)
    history.record(resource, "qualification_changed", user, now, before=before, after=changed)
    return existing, False


def qualification_of(resource_id: int, user_id: int) -> Qualification | None:
    """The user's qualification on the resource, valid or not, if they were ever granted one."""
    return db.session.execute(
        select(Qualification).where(
            Qualification.resource_id == resource_id, Qualification.user_id == user_id
        )
    ).scalar_one_or_none()


@writing()
def revoke_qualification(user: User | None, qualification_id: int, *, now: datetime) -> int:
    """Remove a qualification; returns the id of its resource."""
    qualification = (
        db.session.get(Qualification, qualification_id) if valid_id(qualification_id) else None
    )
    if qualification is None:
        raise NotFound(N_("No such qualification."))
    resource = get_managed_resource(user, qualification.resource_id)
    before = history.snapshot(qualification)
    history.record(resource, "qualification_revoked", user, now, before=before)
    db.session.delete(qualification)
    return resource.id
