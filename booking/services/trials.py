"""Pilot-plant trial requests with flexible dates.

A user asks for some hours on a pilot installation somewhere inside a window (earliest start,
latest end) and says what the trial needs. The resource's managers see the free slots that fit,
found by the availability search, and schedule one: that books it on behalf of the requester,
under every booking rule, and confirmed, since a manager chose it. Or they decline, with a reason.
The requester may withdraw the request while it is open.

Who sees a request: its requester and the managers of its resource (permissions.py); to anyone
else it does not exist. Messages are English and marked with `N_()`: the API answers them as they
are, the pages translate them.

Mails (services/notify.py), queued in the transaction of the change: the managers hear of a new
request and of a withdrawn one, the requester of a decline and its reason. A scheduled trial needs
no mail of its own: the booking made for the requester sends them its confirmation.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import Select, case, select, update
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Resource, TrialRequest, User
from booking.services import catalogue, notify, permissions
from booking.services.availability import find_free_slots
from booking.services.booking import BookingInput, create_bookings
from booking.services.catalogue import N_, OUT_OF_CALENDAR, in_calendar, is_aware, valid_id
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.permissions import can_manage_resource
from booking.services.text import has_control_characters
from booking.services.transaction import writing

TRIAL_KIND = "pilot_installation"
MAX_TITLE = 200
MAX_TEXT = 5000
MAX_REASON = 500
MAX_ATTACHMENTS = 10
MAX_LINK = 2000
# The availability search looks at most this far; a longer window is searched from its start.
SEARCH_DAYS = 31
MAX_SLOTS = 12

NOT_OPEN = {
    "scheduled": N_("This request has already been scheduled."),
    "declined": N_("This request has already been declined."),
    "withdrawn": N_("This request has been withdrawn."),
}
DECIDED_MEANWHILE = N_("The request was decided meanwhile; reload it.")


@dataclass(frozen=True)
class TrialInput:
    """What a requester asks for; the window's ends are aware instants."""

    resource_id: int
    earliest_start: datetime
    latest_end: datetime
    duration_minutes: int
    title: str
    description: str = ""
    materials: str = ""
    safety_notes: str = ""
    attachments: tuple[str, ...] = ()


@dataclass
class CandidateSlots:
    """Free slots for a trial, earliest first, found in [searched_from, searched_until); when the
    window reaches further, `window_truncated` says so."""

    trial: TrialRequest
    searched_from: datetime
    searched_until: datetime
    window_truncated: bool
    slots: list[tuple[datetime, datetime]] = field(default_factory=list)


def accepts_trials(resource: Resource) -> bool:
    """Trial requests are for pilot installations; other resources are booked directly."""
    return resource.kind == TRIAL_KIND


# --- Reading input ------------------------------------------------------------------------------


def _is_link(text: str) -> bool:
    if len(text) > MAX_LINK or any(c.isspace() for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _text(value: object, name: str, limit: int, errors: dict, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = N_("must be text")
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = N_("is required")
    elif len(value) > limit:
        errors[name] = N_("is too long")
    return value


def _attachments(value: object, errors: dict) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors["attachments"] = N_("must be a list of links")
        return []
    links = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(links) > MAX_ATTACHMENTS:
        errors["attachments"] = N_("at most 10 links")
    elif not all(_is_link(link) for link in links):
        errors["attachments"] = N_("each link must be a web address starting with http or https")
    return links


def _window(resource: Resource, data: TrialInput, now: datetime, errors: dict) -> None:
    start, end = data.earliest_start, data.latest_end
    for name, value in (("earliest_start", start), ("latest_end", end)):
        if not is_aware(value):
            errors[name] = N_("needs a time zone offset")
        elif not in_calendar(value):
            errors[name] = OUT_OF_CALENDAR
    duration = data.duration_minutes
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        errors["duration_minutes"] = N_("must be a whole number of minutes, at least 1")
    elif duration % resource.slot_minutes:
        errors["duration_minutes"] = N_("must be a whole number of the resource's slots")
    elif duration < resource.min_duration_minutes:
        errors["duration_minutes"] = N_("is shorter than the resource's shortest booking")
    elif resource.max_duration_minutes and duration > resource.max_duration_minutes:
        errors["duration_minutes"] = N_("is longer than the resource's longest booking")
    if "earliest_start" in errors or "latest_end" in errors:
        return
    if start < now:
        errors["earliest_start"] = N_("must not be in the past")
    if end <= start:
        errors["latest_end"] = N_("must be after the earliest start")
    elif end > now + timedelta(days=resource.horizon_days):
        errors["latest_end"] = N_("must lie within the resource's booking horizon")
    elif "duration_minutes" not in errors and end - start < timedelta(minutes=duration):
        errors["duration_minutes"] = N_("does not fit in the window")


# --- Asking -------------------------------------------------------------------------------------


@writing()
def submit(user: User, data: TrialInput, *, now: datetime) -> TrialRequest:
    """Record a trial request on a pilot installation that `user` may see."""
    resource = catalogue.get_resource(user, data.resource_id)
    errors: dict[str, str] = {}
    if not accepts_trials(resource):
        errors["resource_id"] = N_(
            "Trial requests are for pilot installations only; book this resource directly."
        )
    title = _text(data.title, "title", MAX_TITLE, errors, required=True)
    if "title" not in errors and has_control_characters(title):
        errors["title"] = N_("must be one line of text")
    texts = {
        name: _text(getattr(data, name), name, MAX_TEXT, errors)
        for name in ("description", "materials", "safety_notes")
    }
    attachments = _attachments(data.attachments, errors)
    _window(resource, data, now, errors)
    if errors:
        raise InvalidInput(errors)
    trial = TrialRequest(
        resource_id=resource.id,
        requester_id=user.id,
        organisation_id=user.organisation_id,
        earliest_start=data.earliest_start,
        latest_end=data.latest_end,
        duration_minutes=data.duration_minutes,
        title=title,
        attachments=attachments,
        status="open",
        created_at=now,
        updated_at=now,
        **texts,
    )
    db.session.add(trial)
    # Its id and relations, for the managers' mail, which commits with it.
    db.session.flush()
    notify.queue_trial_submitted(trial, now)
    return trial


# --- Reading ------------------------------------------------------------------------------------

_LOADING = (
    selectinload(TrialRequest.resource).selectinload(Resource.managers),
    selectinload(TrialRequest.requester).selectinload(User.organisation),
    selectinload(TrialRequest.booking),
)


def get_trial(user: User, trial_id: int) -> TrialRequest:
    """A trial request, for its requester and its resource's managers (NotFound otherwise)."""
    trial = None
    if valid_id(trial_id):
        trial = db.session.execute(
            select(TrialRequest).where(TrialRequest.id == trial_id).options(*_LOADING)
        ).scalar_one_or_none()
    if trial is None or not (
        trial.requester_id == user.id or can_manage_resource(user, trial.resource)
    ):
        raise NotFound(N_("No such trial request."))
    return trial


def managed_trial(user: User, trial_id: int) -> TrialRequest:
    """A trial request that `user` may decide (Forbidden for its requester, who only sees it)."""
    trial = get_trial(user, trial_id)
    if not can_manage_resource(user, trial.resource):
        raise Forbidden(N_("Only the resource's managers decide trial requests."))
    return trial


def _require_open(trial: TrialRequest) -> None:
    if trial.status != "open":
        raise Conflict(NOT_OPEN[trial.status])


def my_trials(user: User) -> Select:
    """The requests `user` made, newest first, as a query to page through."""
    return (
        select(TrialRequest)
        .where(TrialRequest.requester_id == user.id)
        .order_by(TrialRequest.created_at.desc(), TrialRequest.id.desc())
        .options(*_LOADING)
    )


def trials_for_managers(user: User, *, resource_id: int | None = None) -> Select:
    """The requests on the resources `user` manages (or on one of them), as a query to page
    through: open ones first, each group by earliest start."""
    if resource_id is not None:
        resource = catalogue.get_managed_resource(user, resource_id)
        where = TrialRequest.resource_id == resource.id
    else:
        managed = select(Resource.id).where(permissions.manageable_resources_clause(user))
        where = TrialRequest.resource_id.in_(managed)
    open_first = case((TrialRequest.status == "open", 0), else_=1)
    return (
        select(TrialRequest)
        .where(where)
        .order_by(open_first, TrialRequest.earliest_start, TrialRequest.id)
        .options(*_LOADING)
    )


def candidate_slots(
    manager: User, trial_id: int, *, now: datetime, limit: int = MAX_SLOTS
) -> CandidateSlots:
    """The first free slots of the trial's length in its window, from the availability search.

    The part of the window already past is skipped, and the search covers at most SEARCH_DAYS
    days of it."""
    trial = managed_trial(manager, trial_id)
    _require_open(trial)
    start = max(trial.earliest_start, now)
    end = min(trial.latest_end, start + timedelta(days=SEARCH_DAYS))
    duration = timedelta(minutes=trial.duration_minutes)
    result = CandidateSlots(trial, start, end, window_truncated=trial.latest_end > end)
    if end - start >= duration:
        found = find_free_slots(
            manager,
            select(Resource).where(Resource.id == trial.resource_id),
            start,
            end,
            duration,
            now=now,
            slots_per_resource=limit,
        )
        result.slots = found[0].slots if found else []
    return result


# --- Deciding -----------------------------------------------------------------------------------


def _claim(trial_id: int, now: datetime, **values) -> None:
    """Move the request out of `open`, in the caller's transaction; Conflict if it is no longer
    open (another manager or the requester decided it meanwhile)."""
    changed = db.session.execute(
        update(TrialRequest)
        .where(TrialRequest.id == trial_id, TrialRequest.status == "open")
        .values(updated_at=now, **values)
    ).rowcount
    if not changed:
        raise Conflict(DECIDED_MEANWHILE)


def _close(
    trial_id: int, now: datetime, queue_mails: Callable[[], object] | None = None, **values
) -> None:
    """Move an open request to its final state, with the mails `queue_mails` adds in the same
    transaction; Conflict if someone decided it meanwhile."""
    with writing():
        _claim(trial_id, now, **values)
        if queue_mails is not None:
            queue_mails()


def schedule(manager: User, trial_id: int, start: datetime, *, now: datetime) -> TrialRequest:
    """Book the trial from `start` for the requester, confirmed; the request becomes scheduled.

    The whole trial must lie in the requested window. Every booking rule applies, checked for the
    requester (BookingRefused lists what breaks)."""
    trial = managed_trial(manager, trial_id)
    _require_open(trial)
    if not is_aware(start):
        raise InvalidInput({"start": N_("needs a time zone offset")})
    if not in_calendar(start):
        raise InvalidInput({"start": OUT_OF_CALENDAR})
    end = start + timedelta(minutes=trial.duration_minutes)
    if start < trial.earliest_start or end > trial.latest_end:
        raise InvalidInput({"start": N_("must leave the whole trial inside the requested window")})

    # One unit of work: if another manager scheduled or declined the request, or the requester
    # withdrew it, meanwhile, the booking is never made and nobody is mailed.
    with writing():
        outcome = create_bookings(
            manager,
            BookingInput(
                resource_id=trial.resource_id,
                start=start,
                end=end,
                title=trial.title,
                purpose=trial.description,
            ),
            now=now,
            on_behalf_of=trial.requester,
        )
        db.session.flush()
        _claim(
            trial_id,
            now,
            status="scheduled",
            booking_id=outcome.bookings[0].id,
            decided_by_id=manager.id,
            decision_reason="",
        )
    return get_trial(manager, trial_id)


def decline(manager: User, trial_id: int, reason: str, *, now: datetime) -> TrialRequest:
    """Turn the request down, telling the requester why."""
    trial = managed_trial(manager, trial_id)
    _require_open(trial)
    errors: dict[str, str] = {}
    reason = _text(reason, "reason", MAX_REASON, errors, required=True)
    if errors:
        raise InvalidInput(errors)
    _close(
        trial_id,
        now,
        lambda: notify.queue_trial_declined(trial, manager, reason, now),
        status="declined",
        decided_by_id=manager.id,
        decision_reason=reason,
    )
    return get_trial(manager, trial_id)


def withdraw(requester: User, trial_id: int, *, now: datetime) -> TrialRequest:
    """The requester takes back a request nobody has decided yet."""
    trial = get_trial(requester, trial_id)
    if trial.requester_id != requester.id:
        raise Forbidden(N_("Only the requester may withdraw a trial request."))
    _require_open(trial)
    _close(trial_id, now, lambda: notify.queue_trial_withdrawn(trial, now), status="withdrawn")
    return get_trial(requester, trial_id)
