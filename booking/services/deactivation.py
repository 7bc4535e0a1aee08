"""What an account leaves behind when it is deactivated: its upcoming bookings and requests.

A deactivated user cannot come to use a resource, so what they had booked or asked for would only
block others. Before deactivating, an admin sees that list (commitments_of); deactivating
(accounts.update_user with active=False) ends it in the same unit of work (end_commitments):
upcoming bookings are cancelled through the booking service, with a reason, and their managers
get the usual cancellation mails; open trial requests are withdrawn (their managers get the
usual mail); open training requests are closed.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from booking.extensions import db
from booking.models import Booking, TrainingRequest, TrialRequest, User
from booking.services import booking as booking_service
from booking.services import training, trials
from booking.services.catalogue import N_

# The reason the managers read in the cancellation mails, when the admin gives none.
DEFAULT_REASON = N_("The requester's account has been deactivated.")


@dataclass(frozen=True)
class Commitments:
    bookings: list[Booking]
    trial_requests: list[TrialRequest]
    training_requests: list[TrainingRequest]

    def __len__(self) -> int:
        return len(self.bookings) + len(self.trial_requests) + len(self.training_requests)

    def counts(self) -> dict[str, int]:
        return {
            "bookings": len(self.bookings),
            "trial_requests": len(self.trial_requests),
            "training_requests": len(self.training_requests),
        }


def commitments_of(user: User, *, now: datetime) -> Commitments:
    """The user's pending and confirmed bookings that have not ended, and their open trial and
    training requests. Who may see them is the caller's check (accounts.commitments_to_end)."""
    return Commitments(
        booking_service.upcoming_bookings(user.id, now=now),
        list(
            db.session.execute(
                select(TrialRequest)
                .where(TrialRequest.requester_id == user.id, TrialRequest.status == "open")
                .order_by(TrialRequest.earliest_start, TrialRequest.id)
                .options(selectinload(TrialRequest.resource))
            ).scalars()
        ),
        training.open_requests_of(user),
    )


def end_commitments(actor: User, user: User, *, now: datetime, reason: str) -> Commitments:
    """Cancel, withdraw and close what commitments_of lists, in the caller's unit of work, as
    `actor` (whose right over the account the caller checked); what was ended."""
    open_trials = commitments_of(user, now=now).trial_requests
    cancelled = booking_service.cancel_upcoming_bookings(
        actor, user.id, now=now, reason=reason or DEFAULT_REASON
    )
    for trial in open_trials:
        # Withdrawn on the requester's behalf: the managers get the mail they get when a
        # requester withdraws.
        trials.withdraw(user, trial.id, now=now)
    closed = training.close_open_requests(user, now=now)
    return Commitments(cancelled, open_trials, closed)
