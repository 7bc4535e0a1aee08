"""The monthly statements: each organisation admin gets last month's statements of their
organisation and of the resources it owns."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.jobs.periods import claim_period
from booking.models import Resource, User
from booking.services import notify, statements
from booking.services.transaction import writing


def previous_month(now: datetime):
    return (statements.current_month(now) - timedelta(days=1)).replace(day=1)


def send_statements(now: datetime) -> int:
    """Once a month, as soon as the month has ended (in the network's zone): queue the statements
    mail for every organisation admin whose organisation booked or was booked in it; returns the
    number of mails queued."""
    month = previous_month(now)
    with writing():
        run = claim_period("statements", f"{month:%Y-%m}", now)
        if run is None:
            return 0
        admins = db.session.execute(
            select(User)
            .where(User.is_org_admin.is_(True), User.active.is_(True))
            .order_by(User.organisation_id, User.id)
            .options(selectinload(User.organisation))
        ).scalars()
        # Only resources booked in the month can have a statement: not a query each for the rest.
        owned: dict[int, list[int]] = {}
        for resource_id, organisation_id in db.session.execute(
            select(Resource.id, Resource.organisation_id)
            .where(Resource.id.in_(statements.resources_booked_around(month)))
            .order_by(Resource.name, Resource.id)
        ):
            owned.setdefault(organisation_id, []).append(resource_id)
        by_organisation: dict[int, list] = {}
        queued = 0
        for admin in admins:
            if admin.organisation_id not in by_organisation:
                by_organisation[admin.organisation_id] = _statements_of(admin, owned, month)
            found = by_organisation[admin.organisation_id]
            if found and notify.queue_statement(admin, month, found, now) is not None:
                queued += 1
        run.finished_at = now
    return queued


def _statements_of(admin: User, owned: dict[int, list[int]], month) -> list:
    """The organisation's statement and its resources' statements that have any booking, read
    as the admin (who may read all of them)."""
    found = [statements.organisation_statement(admin, admin.organisation_id, month)]
    found += [
        statements.resource_statement(admin, resource_id, month)
        for resource_id in owned.get(admin.organisation_id, [])
    ]
    return [statement for statement in found if statement.lines]
