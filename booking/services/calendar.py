"""Bookings as iCalendar (RFC 5545): personal and resource feeds, one booking as a file, and the
invitations (RFC 5546 REQUEST and CANCEL) that mails carry. Resource feeds also show the public
holidays that close the resource, by name.

Every occurrence of a series is its own event with its times in UTC: no TZID and no VTIMEZONE,
which some clients misread; each client shows the instants in its own zone, so a weekly 09:00
booking stays at 09:00 local across a change of summer time.

Feed addresses carry a secret of the user's: `nonce + HMAC(SECRET_KEY, purpose, nonce)`. Only the
random nonce is stored on the user, so the database alone does not give anyone a feed address,
while the application can still show the user their addresses on the profile page and in the API
(`calendar_url`), which a stored hash of the secret alone would not allow. Replacing the nonce
makes the old address unknown. Rotating SECRET_KEY changes every address.

Each user has two such secrets, with a nonce and an HMAC purpose each: the personal one
(`users.calendar_token_hash`) opens only their personal feed, and the resource one
(`users.resource_feed_nonce`) opens only resource feeds (of any resource they may see, redacted
as for them). A resource link passed on therefore never shows the user's own bookings, and
replacing one secret leaves the other as it is.
"""

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, vCalAddress, vDuration
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import aliased, selectinload

from booking.extensions import db
from booking.models import Booking, BookingAudit, Resource, User
from booking.models.bookings import LIVE_STATUSES
from booking.services.booking import can_see_booking, get_booking
from booking.services.holiday_openings import closures_of
from booking.services.holidays import HolidayClosure
from booking.services.permissions import (
    can_manage_resource,
    require_visible,
    sees_booking_details,
)
from booking.services.transaction import writing

PRODID = "-//Emilia-Romagna innovation network//Research infrastructure booking//EN"
# How far back the feeds reach: cancellations in that span stay in the personal feed (as
# CANCELLED) so that subscribed clients take them off their calendars.
PERSONAL_PAST = timedelta(days=90)
RESOURCE_PAST = timedelta(days=30)
# How often subscribed clients should fetch again (a hint some clients follow).
REFRESH_INTERVAL = timedelta(hours=1)
METHODS = ("REQUEST", "CANCEL")

ICS_STATUS = {
    "pending": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "cancelled": "CANCELLED",
    "rejected": "CANCELLED",
    "expired": "CANCELLED",
}
STATUS_LABELS = {
    "pending": _l("Awaiting approval"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}

_NONCE_BYTES = 32
_MAC_BYTES = 16
_NONCE_CHARS = 43  # unpadded base64url of 32 bytes
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{65}")


# --- Feed tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeedSecret:
    """A kind of feed secret: the user's column that holds its nonce, and the purpose its MAC is
    made for, so that a secret of one kind never passes for the other."""

    column: str
    purpose: bytes


PERSONAL = FeedSecret("calendar_token_hash", b"calendar-feed")
RESOURCES = FeedSecret("resource_feed_nonce", b"resource-feed")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _token_for(kind: FeedSecret, nonce: bytes) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, kind.purpose + b"\x00" + nonce, hashlib.sha256).digest()[:_MAC_BYTES]
    return _b64(nonce) + _b64(mac)


def _replace(kind: FeedSecret, user: User) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    setattr(user, kind.column, nonce.hex())
    return _token_for(kind, nonce)


def _current(kind: FeedSecret, user: User) -> str | None:
    nonce = getattr(user, kind.column)
    return None if nonce is None else _token_for(kind, bytes.fromhex(nonce))


def _user_for(kind: FeedSecret, secret: str) -> User | None:
    if not isinstance(secret, str) or not _TOKEN_SHAPE.fullmatch(secret):
        return None
    try:
        nonce = base64.urlsafe_b64decode(secret[:_NONCE_CHARS] + "=")
    except (binascii.Error, ValueError):
        return None
    user = db.session.execute(
        select(User).where(getattr(User, kind.column) == nonce.hex())
    ).scalar_one_or_none()
    # The whole secret is compared, so that only its one canonical spelling works.
    if user is None or not user.active or not hmac.compare_digest(secret, _token_for(kind, nonce)):
        return None
    return user


@writing()
def replace_calendar_token(user: User) -> str:
    """Give `user` a new secret for their personal feed (256 random bits, plus a 128-bit MAC) and
    return it; the previous one, if any, stops working. Resource links are not touched."""
    return _replace(PERSONAL, user)


def calendar_token(user: User) -> str | None:
    """The user's current personal feed secret, or None until they make one."""
    return _current(PERSONAL, user)


def user_for_calendar_token(secret: str) -> User | None:
    """The active user whose personal feed secret this is; None for an unknown, replaced or
    forged one, and for a resource feed secret."""
    return _user_for(PERSONAL, secret)


@writing()
def replace_resource_feed_token(user: User) -> str:
    """Give `user` a new secret for their resource feed links (as strong as the personal one)
    and return it; every resource link made with the previous one stops working. The personal
    feed is not touched."""
    return _replace(RESOURCES, user)


def resource_feed_token(user: User) -> str | None:
    """The secret of the user's resource feed links, or None until they make one."""
    return _current(RESOURCES, user)


def user_for_resource_feed_token(secret: str) -> User | None:
    """The active user whose resource feed secret this is; None for an unknown, replaced or
    forged one, and for a personal feed secret."""
    return _user_for(RESOURCES, secret)


def personal_feed_url(user: User) -> str | None:
    """The absolute address of the user's personal feed, or None until they make one."""
    token = calendar_token(user)
    return None if token is None else url_for("feeds.personal", token=token, _external=True)


def resource_feed_url(user: User, resource: Resource) -> str | None:
    """The absolute address of a resource's feed as `user` sees it, with their resource feed
    secret (None until they make one)."""
    token = resource_feed_token(user)
    if token is None:
        return None
    return url_for("feeds.resource", resource_id=resource.id, token=token, _external=True)


def webcal(url: str) -> str:
    """The subscribe form of a feed address, which calendar applications open directly."""
    return re.sub(r"^https?://", "webcal://", url)


# --- Events --------------------------------------------------------------------------------------


def uid_domain() -> str:
    return current_app.config.get("CALENDAR_UID_DOMAIN") or "booking.local"


def booking_uid(booking: Booking) -> str:
    """Stable for the booking's whole life, whatever changes and whoever looks."""
    return f"booking-{booking.id}@{uid_domain()}"


def _location(resource: Resource) -> str:
    return ", ".join(part for part in (resource.name, resource.site, resource.city) if part)


def _summary(booking: Booking) -> str:
    summary = _("%(title)s — %(resource)s", title=booking.title, resource=booking.resource.name)
    if booking.status == "confirmed":
        return summary
    return _("%(status)s: %(summary)s", status=STATUS_LABELS[booking.status], summary=summary)


def _description(booking: Booking) -> str:
    lines = [booking.purpose, ""] if booking.purpose else []
    lines.append(_("Resource: %(name)s", name=booking.resource.name))
    lines.append(_("Status: %(status)s", status=STATUS_LABELS[booking.status]))
    lines.append(_("Requested by: %(name)s", name=booking.requester.name))
    if booking.quantity > 1:
        lines.append(_("Quantity: %(quantity)s", quantity=booking.quantity))
    return "\n".join(lines)


def booking_event(booking: Booking, *, detailed: bool, url: str, sequence: int = 0) -> Event:
    """One booking as a VEVENT. Without `detailed` it says only that the time is taken ("Busy"):
    no title, purpose or person. `sequence` is the number of changes since it was made."""
    event = Event()
    event.add("uid", booking_uid(booking))
    # Without METHOD, DTSTAMP is the object's last change (RFC 5545 3.8.7.2); it also keeps the
    # body, and so the ETag, the same until something changes.
    event.add("dtstamp", booking.updated_at)
    event.add("created", booking.created_at)
    event.add("last-modified", booking.updated_at)
    event.add("sequence", sequence)
    event.add("dtstart", booking.start_at)
    event.add("dtend", booking.end_at)
    event.add("status", ICS_STATUS[booking.status])
    # Cancelled events no longer take the time in free/busy views.
    event.add("transp", "TRANSPARENT" if ICS_STATUS[booking.status] == "CANCELLED" else "OPAQUE")
    event.add("location", _location(booking.resource))
    event.add("url", url)
    if detailed:
        event.add("summary", _summary(booking))
        event.add("description", _description(booking))
    else:
        event.add("summary", _("Busy"))
    return event


def holiday_event(resource: Resource, closure: HolidayClosure, url: str) -> Event:
    """A public holiday that closes the resource, as a VEVENT over its whole local day (in UTC,
    like the bookings). It changes only with the resource (an opening is a change of it)."""
    event = Event()
    event.add("uid", f"holiday-{resource.id}-{closure.holiday.day:%Y%m%d}@{uid_domain()}")
    event.add("dtstamp", resource.updated_at)
    event.add("dtstart", closure.start)
    event.add("dtend", closure.end)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("location", _location(resource))
    event.add("url", url)
    event.add("summary", _("Closed: %(holiday)s", holiday=closure.holiday.name))
    return event


def sequences(booking_ids: Iterable[int]) -> dict[int, int]:
    """SEQUENCE of each booking: its number of recorded changes after creation, in one query."""
    ids = list(booking_ids)
    if not ids:
        return {}
    counts = db.session.execute(
        select(BookingAudit.booking_id, func.count())
        .where(BookingAudit.booking_id.in_(ids))
        .group_by(BookingAudit.booking_id)
    ).all()
    found = {booking_id: max(count - 1, 0) for booking_id, count in counts}
    return {booking_id: found.get(booking_id, 0) for booking_id in ids}


def sequences_at(entries: Iterable[BookingAudit]) -> dict[int, int]:
    """SEQUENCE of each history entry's booking as that entry left it: the booking's recorded
    changes after creation up to and including the entry, by entry id, in one query."""
    ids = [entry.id for entry in entries]
    if not ids:
        return {}
    earlier = aliased(BookingAudit)
    counts = db.session.execute(
        select(BookingAudit.id, func.count(earlier.id))
        .join(
            earlier,
            and_(earlier.booking_id == BookingAudit.booking_id, earlier.id <= BookingAudit.id),
        )
        .where(BookingAudit.id.in_(ids))
        .group_by(BookingAudit.id)
    ).all()
    return {entry_id: count - 1 for entry_id, count in counts}


def booking_url(booking: Booking) -> str:
    return url_for("bookings.detail", booking_id=booking.id, _external=True)


def resource_url(resource: Resource) -> str:
    return url_for("catalogue.resource", resource_id=resource.id, _external=True)


def _calendar(method: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _feed_calendar(name: str) -> Calendar:
    calendar = _calendar()
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL))
    return calendar


# --- Feeds ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feed:
    """A feed's body and the last moment its content changed (None for an empty feed)."""

    body: bytes
    last_modified: datetime | None


def _latest(*moments: datetime | None) -> datetime | None:
    known = [moment for moment in moments if moment is not None]
    return max(known) if known else None


def _last_left(query: Select, since: datetime, reach: timedelta) -> datetime | None:
    """When the most recent booking that aged out of a feed did so: its end plus the feed's
    reach back. Leaving changes the feed as much as an edit does."""
    ended = db.session.execute(
        query.with_only_columns(func.max(Booking.end_at)).where(Booking.end_at <= since)
    ).scalar_one()
    return None if ended is None else ended + reach


def _feed_bookings(query: Select, since: datetime) -> list[Booking]:
    return list(
        db.session.execute(
            query.where(Booking.end_at > since)
            .order_by(Booking.start_at, Booking.id)
            .options(selectinload(Booking.resource), selectinload(Booking.requester))
        ).scalars()
    )


def personal_feed(user: User, now: datetime) -> Feed:
    """The user's bookings and requests that ended at most 90 days ago, in every status."""
    since = now - PERSONAL_PAST
    mine = select(Booking).where(Booking.requester_id == user.id)
    bookings = _feed_bookings(mine, since)
    numbers = sequences(b.id for b in bookings)
    calendar = _feed_calendar(_("My bookings"))
    for booking in bookings:
        calendar.add_component(
            booking_event(
                booking, detailed=True, url=booking_url(booking), sequence=numbers[booking.id]
            )
        )
    last_modified = _latest(
        *(b.updated_at for b in bookings),
        *(b.resource.updated_at for b in bookings),
        _last_left(mine, since, PERSONAL_PAST),
    )
    return Feed(calendar.to_ical(), last_modified)


def resource_feed(viewer: User, resource: Resource | None, now: datetime) -> Feed:
    """A resource's pending and confirmed bookings from 30 days ago up to its booking horizon;
    other organisations' bookings only as "Busy"; the public holidays that close it in the same
    span. NotFound if `viewer` may not see it."""
    resource = require_visible(viewer, resource)
    since = now - RESOURCE_PAST
    horizon = timedelta(days=resource.horizon_days)
    # A year further back finds the holiday that last aged out of the feed.
    closures = closures_of(resource, since - timedelta(days=366), now + horizon)
    holidays = [c for c in closures if c.end > since]
    aged_out = [c.end + RESOURCE_PAST for c in closures if c.end <= since]
    of_resource = select(Booking).where(Booking.resource_id == resource.id)
    # Every status is read, so that a cancellation, which takes a booking out, still counts
    # as a change of the feed.
    considered = _feed_bookings(of_resource.where(Booking.start_at < now + horizon), since)
    shown = [b for b in considered if b.status in LIVE_STATUSES]
    numbers = sequences(b.id for b in shown)
    manages = can_manage_resource(viewer, resource)
    calendar = _feed_calendar(resource.name)
    for booking in shown:
        detailed = sees_booking_details(viewer, booking, manages)
        url = booking_url(booking) if can_see_booking(viewer, booking) else resource_url(resource)
        calendar.add_component(
            booking_event(booking, detailed=detailed, url=url, sequence=numbers[booking.id])
        )
    for closure in holidays:
        calendar.add_component(holiday_event(resource, closure, resource_url(resource)))
    last_modified = _latest(
        resource.updated_at,
        *(b.updated_at for b in considered),
        # A booking beyond the horizon (shortened after it was made) comes in as time passes;
        # so does a holiday.
        *(b.start_at - horizon for b in shown),
        *(c.start - horizon for c in holidays),
        _last_left(of_resource.where(Booking.status.in_(LIVE_STATUSES)), since, RESOURCE_PAST),
        max(aged_out, default=None),
    )
    return Feed(calendar.to_ical(), last_modified)


# --- One booking ---------------------------------------------------------------------------------


def _organizer(resource: Resource) -> vCalAddress:
    if resource.managers:
        manager = resource.managers[0]
        organizer = vCalAddress(f"mailto:{manager.email}")
        organizer.params["CN"] = manager.name
        return organizer
    address = current_app.config.get("CALENDAR_ORGANIZER_EMAIL") or f"no-reply@{uid_domain()}"
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = resource.name
    return organizer


def _attendee(booking: Booking) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{booking.requester.email}")
    attendee.params["CN"] = booking.requester.name
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = {"pending": "TENTATIVE", "confirmed": "ACCEPTED"}.get(
        booking.status, "DECLINED"
    )
    # Nobody reads replies: the booking is changed on the platform, not by answering the mail.
    attendee.params["RSVP"] = "FALSE"
    return attendee


def _single(booking: Booking, method: str | None, sequence: int) -> bytes:
    if method is not None and method not in METHODS:
        raise ValueError(f"unsupported iTIP method {method!r}")
    event = booking_event(booking, detailed=True, url=booking_url(booking), sequence=sequence)
    if method is not None:
        if method == "CANCEL":
            for name, value in (("status", "CANCELLED"), ("transp", "TRANSPARENT")):
                event.pop(name)
                event.add(name, value)
        event.add("organizer", _organizer(booking.resource))
        event.add("attendee", _attendee(booking))
    calendar = _calendar(method)
    calendar.add_component(event)
    return calendar.to_ical()


def single_event_calendar(viewer: User, booking: Booking, method: str | None = None) -> bytes:
    """One booking as a calendar file, for its requester and the resource's managers (NotFound
    for anyone else). `method` REQUEST or CANCEL makes it an invitation (see `invitation`)."""
    booking = get_booking(viewer, booking.id)
    return _single(booking, method, sequences([booking.id])[booking.id])


def invitation(booking: Booking, method: str, sequence: int | None = None) -> bytes:
    """The booking as an iTIP message for a mail attachment: METHOD:REQUEST for a new or changed
    booking, METHOD:CANCEL (STATUS:CANCELLED) when it is called off; the organizer is the
    resource's first manager (or CALENDAR_ORGANIZER_EMAIL), the attendee its requester.
    `sequence` is counted from the booking's history unless given (for a booking as one change
    left it, see `sequences_at`)."""
    if sequence is None:
        sequence = sequences([booking.id])[booking.id]
    return _single(booking, method, sequence)
