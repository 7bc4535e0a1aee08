"""The daily digest: each manager gets one mail listing the requests awaiting their decision."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.jobs.periods import claim_period
from booking.models import Booking, Resource, User
from booking.services import notify
from booking.services.mailer import setting
from booking.services.transaction import writing

DEFAULT_HOUR = 7


def send_digests(now: datetime) -> int:
    """From DIGEST_HOUR (local time of the network, default 07:00) on, once a day: queue a digest
    for every manager with pending requests; returns the number of digests queued. A day's digest
    missed while no scheduler ran goes out at the next run of that day."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Rome"))
    local = now.astimezone(zone)
    if local.hour < int(setting("DIGEST_HOUR", DEFAULT_HOUR)):
        return 0
    with writing():
        run = claim_period("digest", local.date().isoformat(), now)
        if run is None:
            return 0
        requests = db.session.execute(
            select(Booking)
            .where(Booking.status == "pending", Booking.start_at > now)
            .order_by(Booking.start_at, Booking.id)
            .options(
                selectinload(Booking.resource).selectinload(Resource.managers),
                selectinload(Booking.requester).selectinload(User.organisation),
            )
        ).scalars()
        managers: dict[int, User] = {}
        waiting: dict[int, list[Booking]] = {}
        deciders: dict[int, list[User]] = {}
        for booking in requests:
            if booking.resource_id not in deciders:
                deciders[booking.resource_id] = notify.manager_recipients(booking.resource)
            for manager in deciders[booking.resource_id]:
                managers[manager.id] = manager
                waiting.setdefault(manager.id, []).append(booking)
        queued = sum(
            notify.queue_digest(managers[manager_id], bookings, now) is not None
            for manager_id, bookings in waiting.items()
        )
        run.finished_at = now
    return queued
