"""Training requests: a user who lacks the qualification a resource requires asks its managers
for training; a manager grants the qualification (through qualifications.py's own grant) or
declines.

Qualifications themselves, and the rule that bookings need a valid one, live in qualifications.py
and rules.py: an expired qualification stops new bookings, never the ones already made. Messages are
English and marked with `N_()`: the API answers them as they are, the pages translate them.

The managers are mailed a new request, the requester the decision (services/notify.py); each mail
is queued in the transaction of its change.
"""

from datetime import date, datetime

from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Qualification, Resource, TrainingRequest, User
from booking.services import catalogue, history, notify, permissions
from booking.services import qualifications as qualification_service
from booking.services.catalogue import N_, valid_id
from booking.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from booking.services.permissions import can_manage_resource
from booking.services.transaction import writing

MAX_MESSAGE = 2000

# What a user needs before booking a resource, as training_state() tells it.
NOT_REQUIRED = "not_required"
MANAGER = "manager"
QUALIFIED = "qualified"
REQUESTED = "requested"
EXPIRED = "expired"
NEEDED = "needed"

_NO_REQUEST_NEEDED = {
    NOT_REQUIRED: N_("This resource requires no training."),
    MANAGER: N_("You manage this resource: you may book it without a qualification."),
    QUALIFIED: N_("You already hold a valid qualification for this resource."),
    REQUESTED: N_("You have already asked for training on this resource."),
}


def _open_request(user: User, resource: Resource) -> TrainingRequest | None:
    return db.session.execute(
        select(TrainingRequest)
        .where(
            TrainingRequest.resource_id == resource.id,
            TrainingRequest.user_id == user.id,
            TrainingRequest.status == "open",
        )
        .limit(1)
    ).scalar_one_or_none()


def training_state(user: User, resource: Resource, *, now: datetime) -> str:
    """Whether `user` needs training to book `resource`: NOT_REQUIRED, MANAGER (managers book
    without one), QUALIFIED, REQUESTED (an open request awaits the managers), EXPIRED or NEEDED."""
    if not resource.requires_qualification:
        return NOT_REQUIRED
    if can_manage_resource(user, resource):
        return MANAGER
    qualification = qualification_service.qualification_of(resource.id, user.id)
    if qualification is not None and qualification.is_valid_on(
        catalogue.local_today(resource, now=now)
    ):
        return QUALIFIED
    if _open_request(user, resource) is not None:
        return REQUESTED
    return NEEDED if qualification is None else EXPIRED


def qualified_until(user: User, resource: Resource, *, now: datetime) -> date | None:
    """The last day `user` may book `resource` on, when a valid qualification for it ends."""
    if training_state(user, resource, now=now) != QUALIFIED:
        return None
    qualification = qualification_service.qualification_of(resource.id, user.id)
    return qualification.expires_on


def request_training(
    user: User, resource_id: int, message: str = "", *, now: datetime
) -> TrainingRequest:
    """Ask the managers of a resource that requires a qualification, which `user` lacks or holds
    expired, for training; one open request per user and resource (Conflict otherwise)."""
    resource = catalogue.get_resource(user, resource_id)
    message = (message or "").strip()
    if len(message) > MAX_MESSAGE:
        raise InvalidInput({"message": N_("is too long")})
    # The resource's lock serialises requests for it, so that two clicks make one request.
    with writing(resources=[resource.id]):
        resource = catalogue.get_resource(user, resource_id)
        state = training_state(user, resource, now=now)
        if state in _NO_REQUEST_NEEDED:
            raise Conflict(_NO_REQUEST_NEEDED[state])
        request = TrainingRequest(
            resource_id=resource.id, user_id=user.id, message=message, status="open", created_at=now
        )
        db.session.add(request)
        # Its relations, for the managers' mail, which commits with it.
        db.session.flush()
        notify.queue_training_requested(request, now)
    return request


_LOADING = (
    selectinload(TrainingRequest.resource).selectinload(Resource.managers),
    selectinload(TrainingRequest.user).selectinload(User.organisation),
)


def my_requests(user: User) -> Select:
    """The training requests `user` made, newest first, as a query to page through."""
    return (
        select(TrainingRequest)
        .where(TrainingRequest.user_id == user.id)
        .order_by(TrainingRequest.created_at.desc(), TrainingRequest.id.desc())
        .options(*_LOADING)
    )


def open_requests(manager: User) -> Select:
    """The open training requests on the resources `manager` manages, oldest first, as a query
    to page through."""
    managed = select(Resource.id).where(permissions.manageable_resources_clause(manager))
    return (
        select(TrainingRequest)
        .where(TrainingRequest.status == "open", TrainingRequest.resource_id.in_(managed))
        .order_by(TrainingRequest.created_at, TrainingRequest.id)
        .options(*_LOADING)
    )


def get_request(user: User, request_id: int) -> TrainingRequest:
    """A training request, for the user who made it and the resource's managers."""
    request = None
    if valid_id(request_id):
        request = db.session.execute(
            select(TrainingRequest).where(TrainingRequest.id == request_id).options(*_LOADING)
        ).scalar_one_or_none()
    if request is None or not (
        request.user_id == user.id or can_manage_resource(user, request.resource)
    ):
        raise NotFound(N_("No such training request."))
    return request


def _open_for_manager(manager: User, request_id: int) -> TrainingRequest:
    request = get_request(manager, request_id)
    if not can_manage_resource(manager, request.resource):
        raise Forbidden(N_("Only the resource's managers handle training requests."))
    if request.status != "open":
        raise Conflict(N_("This training request has already been handled."))
    return request


def _close(request: TrainingRequest, status: str, now: datetime) -> None:
    """Mark the open request handled, in the caller's transaction. Only if it is still open: two
    managers deciding at once must not both win (Conflict for the second)."""
    closed = db.session.execute(
        update(TrainingRequest)
        .where(TrainingRequest.id == request.id, TrainingRequest.status == "open")
        .values(status=status, handled_at=now)
    ).rowcount
    if not closed:
        raise Conflict(N_("This training request has already been handled."))


def grant(
    manager: User, request_id: int, expires_on: date | None = None, *, now: datetime
) -> tuple[TrainingRequest, Qualification]:
    """Record the requester's qualification (until `expires_on`; None: no expiry) and close the
    request as done."""
    request = _open_for_manager(manager, request_id)
    with writing():
        _close(request, "done", now)
        history.record(
            request.resource, "training_granted", manager, now, after=history.snapshot(request)
        )
        notify.queue_training_granted(request, manager, expires_on, now)
        qualification, _created = qualification_service.grant_qualification(
            manager, request.resource_id, user_id=request.user_id, expires_on=expires_on, now=now
        )
    return request, qualification


def decline(manager: User, request_id: int, *, now: datetime) -> TrainingRequest:
    """Close the request without granting a qualification."""
    request = _open_for_manager(manager, request_id)
    with writing():
        _close(request, "declined", now)
        history.record(
            request.resource, "training_declined", manager, now, after=history.snapshot(request)
        )
        notify.queue_training_declined(request, manager, now)
    return request


def open_requests_of(user: User) -> list[TrainingRequest]:
    """The user's requests that await a decision, oldest first."""
    return list(
        db.session.execute(
            select(TrainingRequest)
            .where(TrainingRequest.user_id == user.id, TrainingRequest.status == "open")
            .order_by(TrainingRequest.created_at, TrainingRequest.id)
            .options(*_LOADING)
        ).scalars()
    )


def close_open_requests(user: User, *, now: datetime) -> list[TrainingRequest]:
    """Close the user's open requests as declined, in the caller's transaction, when their account
    is closed (nobody is left to train; nobody is mailed); the requests closed."""
    requests = open_requests_of(user)
    for request in requests:
        _close(request, "declined", now)
    return requests
