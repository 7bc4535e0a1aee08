"""Calendar feeds (iCalendar): a personal secret feed per user, resource feeds, one booking as a
file, and replacing either secret from the profile page.

Calendar applications fetch the feeds without a session: the secret in the address says who is
asking. The personal feed takes the user's personal secret, resource feeds their resource feed
secret (services/calendar.py); neither opens the other. Feeds answer with an ETag (a hash of the
body) and Last-Modified, and 304 when the client already has what would be sent.
"""

import hashlib
from contextlib import nullcontext
from datetime import datetime

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_required

from booking.extensions import db
from booking.models import Resource, User
from booking.services import calendar
from booking.services.booking import get_booking
from booking.services.clock import now
from booking.services.errors import NotFound
from booking.web.catalogue import acting_user

bp = Blueprint("feeds", __name__, url_prefix="/calendar")

MEDIA_TYPE = "text/calendar; charset=utf-8"


@bp.app_template_global()
def personal_feed_url(user: User) -> str | None:
    return calendar.personal_feed_url(user)


@bp.app_template_global()
def resource_feed_url(user: User, resource: Resource) -> str | None:
    return calendar.resource_feed_url(user, resource)


@bp.app_template_global()
def resource_feed_token(user: User) -> str | None:
    return calendar.resource_feed_token(user)


bp.add_app_template_filter(calendar.webcal, "webcal")


def ics_response(
    body: bytes, last_modified: datetime | None = None, filename: str | None = None
) -> Response:
    """A calendar body with its validators; 304 when the request's validators still match."""
    response = Response(body, content_type=MEDIA_TYPE)
    response.set_etag(hashlib.sha256(body).hexdigest())
    if last_modified is not None:
        response.last_modified = last_modified
    # The feeds carry a secret in their address: no shared cache may keep them, and clients
    # must ask again (cheaply, with their validators) before using what they have.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


def _feed_user(user: User | None) -> User:
    if user is None:
        raise NotFound("No such calendar.")
    return user


def _in_language_of(user: User):
    """The user's chosen language; without one, what the calendar application asks for."""
    return force_locale(user.locale) if user.locale else nullcontext()


@bp.get("/<token>.ics")
def personal(token: str):
    user = _feed_user(calendar.user_for_calendar_token(token))
    with _in_language_of(user):
        feed = calendar.personal_feed(user, now())
    return ics_response(feed.body, feed.last_modified)


@bp.get("/resources/<id:resource_id>.ics")
def resource(resource_id: int):
    user = _feed_user(calendar.user_for_resource_feed_token(request.args.get("token", "")))
    with _in_language_of(user):
        feed = calendar.resource_feed(user, db.session.get(Resource, resource_id), now())
    return ics_response(feed.body, feed.last_modified)


@bp.get("/bookings/<id:booking_id>.ics")
@login_required
def booking(booking_id: int):
    """ "Add to calendar": one booking as a file to open in a calendar application."""
    return booking_calendar_file(acting_user(), booking_id)


def booking_calendar_file(user: User, booking_id: int) -> Response:
    """One booking as a calendar file to download, for those who may see it (NotFound else)."""
    found = get_booking(user, booking_id)
    body = calendar.single_event_calendar(user, found)
    return ics_response(body, found.updated_at, filename=f"booking-{booking_id}.ics")


@bp.post("/token")
@login_required
def replace_token():
    """Make a new secret address for the personal feed; the old one stops working."""
    user = acting_user()
    calendar.replace_calendar_token(user)
    flash(
        _(
            "Your calendar feed now has this address: %(url)s. The previous address no longer "
            "works: subscribe again with the new one.",
            url=calendar.personal_feed_url(user),
        ),
        "success",
    )
    return redirect(url_for("auth.profile") + "#calendar")


@bp.post("/resource-token")
@login_required
def replace_resource_token():
    """Make a new secret for the resource feed links; every resource link made with the old one
    stops working, the personal feed goes on."""
    calendar.replace_resource_feed_token(acting_user())
    flash(
        _(
            "Your resource calendar links have a new secret. Subscriptions made with the "
            "previous links no longer work: subscribe again from each resource's page."
        ),
        "success",
    )
    return redirect(url_for("auth.profile") + "#resource-calendars")
