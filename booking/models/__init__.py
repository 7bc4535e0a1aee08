"""The models, one module per aggregate; importing this package registers every table."""

from booking.models.bookings import Booking, BookingAudit, BookingSeries
from booking.models.history import HistoryEntry
from booking.models.network import Cluster, Organisation, ValueChain
from booking.models.outbox import JobRun, OutboxMail
from booking.models.people import ApiToken, LoginFailure, Qualification, User
from booking.models.requests import TrainingRequest, TrialRequest
from booking.models.resources import Blackout, HolidayOpening, OpeningHours, Resource

__all__ = [
    "ApiToken",
    "Blackout",
    "Booking",
    "BookingAudit",
    "BookingSeries",
    "Cluster",
    "HistoryEntry",
    "HolidayOpening",
    "JobRun",
    "LoginFailure",
    "OpeningHours",
    "Organisation",
    "OutboxMail",
    "Qualification",
    "Resource",
    "TrainingRequest",
    "TrialRequest",
    "User",
    "ValueChain",
]
