"""Factories for the trial and training request tests: a pilot installation with its manager,
an outside requester, and requests made through the services."""

from dataclasses import dataclass
from datetime import datetime

from booking.models import Organisation, Resource, TrainingRequest, TrialRequest, User
from booking.services import training, trials
from tests.booking_factories import NOW, WEEKDAYS_8_TO_18, rome
from tests.factories import make_organisation, make_resource, make_user, set_opening_hours

# The window of the default trial: the working days from Wednesday 2 to Friday 4 December 2026.
EARLIEST = rome(2026, 12, 2, 8)
LATEST = rome(2026, 12, 4, 18)


@dataclass
class Pilot:
    owner: Organisation
    manager: User
    resource: Resource
    requester: User


def make_pilot(**overrides) -> Resource:
    """A pilot installation: capacity 1, hourly slots, Mon–Fri 08:00–18:00 in Rome."""
    fields = dict(kind="pilot_installation", slot_minutes=60, min_duration_minutes=60)
    fields.update(overrides)
    resource = make_resource(fields.pop("organisation", None), **fields)
    set_opening_hours(resource, WEEKDAYS_8_TO_18)
    return resource


def pilot_with_requester(**overrides) -> Pilot:
    """A pilot installation managed by a member of its owner, and a business that asks for it."""
    owner = make_organisation()
    manager = make_user(owner)
    resource = make_pilot(organisation=owner, managers=[manager], **overrides)
    requester = make_user(make_organisation(type="business"))
    return Pilot(owner, manager, resource, requester)


def trial_input(resource: Resource, **fields) -> trials.TrialInput:
    values = dict(
        resource_id=resource.id,
        earliest_start=EARLIEST,
        latest_end=LATEST,
        duration_minutes=240,
        title="Extrusion trial",
        description="Two batches of recycled PET.",
        materials="20 kg of flakes",
        safety_notes="Fumes: extraction needed",
        attachments=("https://example.org/spec.pdf",),
    )
    values.update(fields)
    return trials.TrialInput(**values)


def make_trial(requester: User, resource: Resource, now: datetime = NOW, **fields) -> TrialRequest:
    return trials.submit(requester, trial_input(resource, **fields), now=now)


def make_training_request(user: User, resource: Resource, message: str = "") -> TrainingRequest:
    return training.request_training(user, resource.id, message, now=NOW)
